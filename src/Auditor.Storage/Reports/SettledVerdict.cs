using Auditor.Review.Estimation;

namespace Auditor.Storage.Reports;

/// <summary>The verdict an item counts with: the majority of its verdicts that count; a tie (ok against failure) is unsure.</summary>
public static class SettledVerdict
{
    public static ReviewVerdict? Of(IEnumerable<string> verdicts)
    {
        var list = verdicts.ToList();
        if (list.Count == 0)
            return null;
        int failures = list.Count(v => v == "failure"), oks = list.Count(v => v == "ok"), unsure = list.Count - failures - oks;
        if (failures > oks && failures > unsure)
            return ReviewVerdict.Failure;
        if (oks > failures && oks > unsure)
            return ReviewVerdict.Ok;
        return ReviewVerdict.Unsure;
    }
}
