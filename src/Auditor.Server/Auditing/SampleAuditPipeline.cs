using Auditor.Contracts;
using Auditor.Detection;
using Auditor.Review.Routing;
using Auditor.Server.Detection;
using Auditor.Storage.Samples;

namespace Auditor.Server.Auditing;

/// <summary>
/// validate -> extract features and run detectors -> route to review -> commit, for one batch.
/// The consumer calls this; the batch is acknowledged only after <see cref="ProcessAsync"/> returns.
/// </summary>
public sealed partial class SampleAuditPipeline(
    OutputSampleValidator validator,
    DetectorRegistry detectors,
    StreamReviewFractions fractions,
    SampleBatchWriter writer,
    ILogger<SampleAuditPipeline> logger)
{
    public async Task<BatchOutcome> ProcessAsync(IReadOnlyList<IncomingSample> batch, string source, CancellationToken ct)
    {
        var accepted = new List<AuditedSample>(batch.Count);
        var rejected = new List<RejectedSample>();
        foreach (var incoming in batch)
        {
            var violations = validator.Check(incoming.Sample);
            if (violations.Count > 0)
            {
                rejected.Add(new RejectedSample(source, incoming.Sample.SampleId, violations, incoming.Payload()));
                continue;
            }
            var inspection = detectors.Inspect(incoming.Sample);
            var routing = ReviewRouter.Route(incoming.Sample.SampleId!, inspection.Flagged, fractions.For(incoming.Sample.Model!, incoming.Sample.Route!));
            accepted.Add(new AuditedSample(incoming.Sample, inspection, routing));
        }

        var outcome = await writer.CommitAsync(accepted, rejected, ct);
        LogBatch(batch.Count, outcome.Counted, outcome.Duplicates, outcome.Stored, outcome.Selected, rejected.Count);
        foreach (var r in rejected)
            LogRejected(source, r.SampleId, string.Join("; ", r.Errors.Select(e => $"{e.Rule}: {e.Message}")));
        return outcome;
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Batch of {Size}: {Counted} counted, {Duplicates} duplicates, {Stored} stored, {Selected} to review, {Rejected} rejected")]
    private partial void LogBatch(int size, int counted, int duplicates, int stored, int selected, int rejected);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected a sample from {Source} (sampleId {SampleId}): {Errors}")]
    private partial void LogRejected(string source, string? sampleId, string errors);
}
