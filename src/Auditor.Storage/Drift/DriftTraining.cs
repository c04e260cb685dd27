using Auditor.Detection.Drift;

namespace Auditor.Storage.Drift;

/// <summary>What one training run did for one stream.</summary>
public sealed record DriftTrainingOutcome(string Model, string Route, long? Version, int Samples, int ExcludedFailures, string Note);

/// <summary>
/// One training run: read each stream's baseline (uniform samples, confirmed failures left out), train where there are
/// enough samples, take the indicator rules' baseline from every judged sample of the window when that holds more, store
/// the new version as active. Used by the server's schedule and by `auditor drift train`.
/// </summary>
public sealed class DriftTraining(DriftBaselineReader reader, DriftModelStore store, TimeProvider clock)
{
    public static readonly TimeSpan Window = TimeSpan.FromDays(14);
    public const int PerStream = 5000;

    public async Task<IReadOnlyList<DriftTrainingOutcome>> RunAsync(string trainedBy, CancellationToken ct, string? model = null, string? route = null,
        DriftTrainingOptions? options = null)
    {
        options ??= new DriftTrainingOptions();
        var now = clock.GetUtcNow();
        var end = UtcHour.Floor(now);
        var outcomes = new List<DriftTrainingOutcome>();
        foreach (var baseline in await reader.ReadAsync(now, Window, PerStream, ct, model, route))
        {
            if (baseline.Features.Count < options.MinSamples)
            {
                outcomes.Add(new(baseline.Model, baseline.Route, null, baseline.Features.Count, baseline.ExcludedFailures,
                    $"not trained: {baseline.Features.Count} uniform samples, {options.MinSamples} needed"));
                continue;
            }
            var trained = DriftModelTrainer.Train(baseline.Model, baseline.Route, baseline.Features, options, leftOut: baseline.Failures);
            // The indicator rules' baseline rates from every sample judged in the window when that is more than the
            // uniform rows: a share near 1% from a few thousand rows is too uncertain to see 5% looping outputs early.
            if (baseline.JudgedIndicators is { } judged && judged.Samples > trained.Indicators!.Samples)
                trained = trained.WithIndicators(judged);
            var saved = await store.SaveAsync(trained, new DriftModelProvenance(trainedBy, end - Window, end, baseline.Features.Count, baseline.ExcludedFailures), ct);
            outcomes.Add(new(baseline.Model, baseline.Route, saved.Version, baseline.Features.Count, baseline.ExcludedFailures,
                $"trained version {saved.Version}: threshold {saved.Threshold:0.###} at the {saved.Quantile:P1} quantile; indicator rates from {saved.Indicators!.Samples} judged samples"));
        }
        return outcomes;
    }
}
