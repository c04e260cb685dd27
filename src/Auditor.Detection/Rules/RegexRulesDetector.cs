using System.Text.RegularExpressions;

namespace Auditor.Detection.Rules;

/// <summary>
/// Runs the named regex rules of rules/ on the output: each match is a failure of the rule's category. Score: the
/// number of rules that matched (threshold 1). The one detector that reads the text itself, because its patterns
/// are configuration; each pattern runs with <see cref="RuleSet.RegexTimeout"/>, and a timeout is reported, not thrown.
/// </summary>
public sealed class RegexRulesDetector : IDetector
{
    public string Name => "rules";

    public double DefaultThreshold => 1;

    public DetectorResult Evaluate(DetectionContext context, DetectorSettings settings)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(settings);
        var rules = context.Rules?.RegexRules ?? [];
        if (rules.Count == 0)
            return new DetectorResult(Name, 0, settings.Threshold, false, [], "No regex rules are configured.");

        var output = context.Sample.Output ?? "";
        List<EvidenceSpan>? evidence = null;
        List<string>? matched = null, timedOut = null;
        foreach (var rule in rules)
        {
            try
            {
                var m = rule.Pattern.Match(output);
                if (!m.Success)
                    continue;
                (evidence ??= []).Add(new EvidenceSpan(m.Index, m.Length, $"rule {rule.Name} ({rule.Category})"));
                (matched ??= []).Add($"{rule.Name} ({rule.Category})");
            }
            catch (RegexMatchTimeoutException)
            {
                (timedOut ??= []).Add(rule.Name);
            }
        }

        var score = matched?.Count ?? 0;
        var explanation = matched is null
            ? $"None of the {rules.Count} regex rules matched."
            : $"Matched rule{(matched.Count > 1 ? "s" : "")} {string.Join(", ", matched)}.";
        if (timedOut is not null)
            explanation += $" Rule{(timedOut.Count > 1 ? "s" : "")} {string.Join(", ", timedOut)} timed out on this output and did not judge it.";
        return new DetectorResult(Name, score, settings.Threshold, score >= settings.Threshold, evidence ?? [], explanation);
    }
}
