using Auditor.Storage.Retention;

namespace Auditor.Server.Store;

/// <summary>
/// Auditor:Retention: days each time-partitioned table keeps its rows (0 keeps them for good), e.g.
/// Auditor__Retention__SamplesDays=180. See <see cref="RetentionPolicy"/> for the minimums and why.
/// </summary>
public sealed class RetentionOptions
{
    public const string Section = "Auditor:Retention";

    public int SampleIdsDays { get; set; } = RetentionPolicy.MinimumSampleIdsDays;
    public int SamplesDays { get; set; }
    public int DetectorResultsDays { get; set; }
    public int ReviewItemsDays { get; set; }

    public RetentionPolicy ToPolicy() => new(SampleIdsDays, SamplesDays, DetectorResultsDays, ReviewItemsDays);
}

/// <summary>Refuses to start with a retention that would count a re-sent sample twice or lose rows a report still reads.</summary>
public sealed class RetentionOptionsValidation : Microsoft.Extensions.Options.IValidateOptions<RetentionOptions>
{
    public Microsoft.Extensions.Options.ValidateOptionsResult Validate(string? name, RetentionOptions options) =>
        options.ToPolicy().Problems() is { Count: > 0 } problems
            ? Microsoft.Extensions.Options.ValidateOptionsResult.Fail(problems)
            : Microsoft.Extensions.Options.ValidateOptionsResult.Success;
}
