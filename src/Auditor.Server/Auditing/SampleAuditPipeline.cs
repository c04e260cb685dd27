using Auditor.Contracts;
using Auditor.Detection;
using Auditor.Review.Routing;
using Auditor.Server.Drift;
using Auditor.Server.Pipeline;
using Auditor.Storage.Samples;

namespace Auditor.Server.Auditing;

/// <summary>
/// validate -> extract features and run detectors -> route to review -> commit -> feed in-process state, for one batch.
/// The consumer calls this; the batch is acknowledged only after <see cref="ProcessAsync"/> returns.
/// </summary>
public sealed partial class SampleAuditPipeline(
    OutputSampleValidator validator,
    DetectorRegistry detectors,
    IReviewFractionsSource fractions,
    SampleBatchWriter writer,
    DriftWindowFeed driftWindows,
    PipelineMonitor monitor,
    ILogger<SampleAuditPipeline> logger)
{
    public async Task<BatchOutcome> ProcessAsync(IReadOnlyList<IncomingSample> batch, string source, CancellationToken ct)
    {
        // Health and /metrics see every batch: in progress, committed or failed.
        using var attempt = monitor.BatchStarted(source, batch.Count);
        try
        {
            return await ProcessCoreAsync(batch, source, attempt, ct);
        }
        catch (Exception ex) when (attempt.Failed(ex))
        {
            throw; // never reached: Failed records and returns false
        }
    }

    private async Task<BatchOutcome> ProcessCoreAsync(IReadOnlyList<IncomingSample> batch, string source, PipelineMonitor.BatchAttempt attempt, CancellationToken ct)
    {
        var accepted = new List<AuditedSample>(batch.Count);
        var rejected = new List<RejectedSample>();
        foreach (var incoming in batch)
        {
            var violations = incoming.Sample is { } read ? validator.Check(read) : incoming.ReadErrors;
            if (violations.Count > 0 || incoming.Sample is null)
            {
                rejected.Add(new RejectedSample(source, incoming.SampleId, violations, incoming.Payload()));
                continue;
            }
            var sample = incoming.Sample;
            Inspection inspection;
            try
            {
                inspection = detectors.Inspect(sample);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // A sample that breaks a detector is poison for that sample only: kept with the reason where rejected
                // input is, so the rest of its batch is still counted instead of going to the error queue with it.
                LogPoison(ex, source, sample.SampleId);
                rejected.Add(new RejectedSample(source, sample.SampleId,
                    [new ContractViolation("$", "processing", $"a detector failed on this sample: {ex.GetType().Name}: {ex.Message}")], incoming.Payload()));
                continue;
            }
            var routing = ReviewRouter.Route(sample.SampleId!, inspection.Flagged, fractions.For(sample.Model!, sample.Route!));
            accepted.Add(new AuditedSample(sample, inspection, routing, incoming.Payload));
        }

        // The writer sets aside any sample the store refuses (rule "store") and commits the rest.
        var outcome = await writer.CommitAsync(accepted, rejected, source, ct);
        // In-process state that depends on what was counted learns it only now, from the samples this commit counted.
        driftWindows.Record(outcome.CountedSamples);
        IReadOnlyList<RejectedSample> allRejected = outcome.Refused.Count == 0 ? rejected : [.. rejected, .. outcome.Refused];
        attempt.Committed(outcome, allRejected);
        LogBatch(batch.Count, outcome.Counted, outcome.Duplicates, outcome.Stored, outcome.Selected, allRejected.Count);
        foreach (var r in allRejected)
            LogRejected(source, r.SampleId, string.Join("; ", r.Errors.Select(e => $"{e.Rule}: {e.Message}")));
        return outcome;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Batch of {Size}: {Counted} counted, {Duplicates} duplicates, {Stored} stored, {Selected} to review, {Rejected} rejected")]
    private partial void LogBatch(int size, int counted, int duplicates, int stored, int selected, int rejected);

    [LoggerMessage(Level = LogLevel.Error, Message = "A detector failed on a sample from {Source} (sampleId {SampleId}); it is kept in rejected_samples")]
    private partial void LogPoison(Exception exception, string source, string? sampleId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a sample from {Source} (sampleId {SampleId}): {Errors}")]
    private partial void LogRejected(string source, string? sampleId, string errors);
}
