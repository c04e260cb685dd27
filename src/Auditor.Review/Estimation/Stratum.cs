namespace Auditor.Review.Estimation;

/// <summary>
/// One estimation stratum: samples of one stream that share a flag status, hence one inclusion probability,
/// so its decisive reviews are a simple random sample of it.
/// </summary>
/// <param name="Name">For messages, e.g. "llama-3/chat flagged".</param>
/// <param name="Flagged">Whether a detector flagged these samples (precision and recall depend on it).</param>
/// <param name="Population">Samples in the stratum this week (counters, not scaled by the sampling rate).</param>
/// <param name="Reviewed">Decisive verdicts (ok or failure); unsure verdicts and pending items are not counted.</param>
/// <param name="Failures">Failure verdicts among them.</param>
public sealed record Stratum(string Name, bool Flagged, long Population, int Reviewed, int Failures)
{
    public Stratum Validated()
    {
        if (Population < 0)
            throw new ArgumentOutOfRangeException(nameof(Population), Population, $"Stratum {Name}: a population cannot be negative.");
        if (Reviewed < 0 || Failures < 0 || Failures > Reviewed)
            throw new ArgumentOutOfRangeException(nameof(Failures), Failures, $"Stratum {Name}: failures must be between 0 and the {Reviewed} decisive reviews.");
        return this;
    }

    /// <summary>Traffic but no decisive review: its rate is unknown and can only be bounded by 0 and 1.</summary>
    public bool Unknown => Population > 0 && Reviewed == 0;

    public bool Measured => Population > 0 && Reviewed > 0;

    public double? ObservedRate => Reviewed > 0 ? (double)Failures / Reviewed : null;
}
