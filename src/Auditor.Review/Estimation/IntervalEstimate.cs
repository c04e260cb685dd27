namespace Auditor.Review.Estimation;

/// <summary>
/// A proportion with its interval. Value is null when the data cannot give a point estimate (a stratum with
/// traffic but no decisive reviews, no failures for a recall, no flagged samples for a precision); the interval
/// is then the range the unknown parts could produce, never a guess. Note says why, or on what data it rests.
/// AtLeast: the data bound the estimate from below only (a recall where no missed failure was found): Value is null,
/// and the estimate reads "at least Lower", never a point of 1.0 that no evidence supports.
/// </summary>
public sealed record IntervalEstimate(double? Value, double Lower, double Upper, string? Note = null, bool AtLeast = false)
{
    public bool Known => Value is not null;

    public double HalfWidth => (Upper - Lower) / 2;

    public bool Contains(double truth) => truth >= Lower && truth <= Upper;

    public static IntervalEstimate Unknown(string note) => new(null, 0, 1, note);
}
