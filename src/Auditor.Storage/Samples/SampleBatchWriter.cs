using System.Data.Common;
using System.Text.Json;
using Auditor.Contracts;
using Auditor.Detection.Drift;
using Auditor.Review.Routing;
using Auditor.Storage.Retention;
using Auditor.Storage.Review;

namespace Auditor.Storage.Samples;

/// <summary>
/// Commits one consumer batch in one transaction: dedupe of sample ids, stream-hour and detector-hour
/// counters, stored samples with detector results, review items, and rejected payloads. Either all of it
/// lands or none of it does, so a batch acknowledged after this returns is never half-counted.
/// A batch the store refuses for a data reason (<see cref="StoreFailure.IsDataError"/>) is split in halves until
/// the refused samples are alone; those are kept in rejected_samples with the store's message (rule <c>store</c>)
/// and the rest is committed, so one bad row never holds up its neighbours. Other failures are thrown.
/// </summary>
public sealed class SampleBatchWriter(AuditorDatabase database, TimeProvider clock)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The rule of a sample the store refused.</summary>
    public const string StoreRule = "store";

    public Task<BatchOutcome> CommitAsync(IReadOnlyList<AuditedSample> accepted, IReadOnlyList<RejectedSample> rejected, CancellationToken ct) =>
        CommitAsync(accepted, rejected, "bus", ct);

    /// <param name="accepted">Valid samples with their inspection and routing.</param>
    /// <param name="rejected">Input already rejected, kept as is.</param>
    /// <param name="source">Where the accepted samples came from, for any the store refuses.</param>
    /// <param name="ct">Cancels the commit.</param>
    public async Task<BatchOutcome> CommitAsync(IReadOnlyList<AuditedSample> accepted, IReadOnlyList<RejectedSample> rejected, string source, CancellationToken ct)
    {
        var refused = new List<RejectedSample>();
        var outcome = await CommitSplittingAsync(accepted, rejected, source, refused, ct);
        if (refused.Count == 0)
            return outcome;
        var kept = await CommitOnceAsync([], refused, ct);
        return outcome with { Rejected = outcome.Rejected + kept.Rejected, Refused = refused };
    }

    /// <summary>Records rejected payloads outside a consumer batch (the HTTP endpoint).</summary>
    public Task<BatchOutcome> RecordRejectedAsync(IReadOnlyList<RejectedSample> rejected, CancellationToken ct) => CommitAsync([], rejected, ct);

    // Bisection: a part that fails for a data reason is split until a failing part is one sample. With k bad samples
    // among n this takes about 2k log2(n) commits; a batch without bad samples takes one.
    private async Task<BatchOutcome> CommitSplittingAsync(IReadOnlyList<AuditedSample> accepted, IReadOnlyList<RejectedSample> rejected,
        string source, List<RejectedSample> refused, CancellationToken ct)
    {
        try
        {
            return await CommitOnceAsync(accepted, rejected, ct);
        }
        catch (Exception ex) when (StoreFailure.IsDataError(ex) && !ct.IsCancellationRequested)
        {
            if (accepted.Count + rejected.Count > 1)
            {
                var a = accepted.Count / 2;
                var r = rejected.Count / 2;
                var left = await CommitSplittingAsync(accepted.Take(a).ToList(), rejected.Take(r).ToList(), source, refused, ct);
                var right = await CommitSplittingAsync(accepted.Skip(a).ToList(), rejected.Skip(r).ToList(), source, refused, ct);
                return Sum(left, right);
            }
            if (accepted.Count == 1)
            {
                refused.Add(Refused(accepted[0], source, ex));
                return new BatchOutcome(0, 0, 0, 0, 0);
            }
            // A rejected payload is always storable (encoded, id and messages made storable): this is a fault of ours,
            // not of the data, and is thrown rather than dropped.
            throw;
        }
    }

    private static BatchOutcome Sum(BatchOutcome a, BatchOutcome b) =>
        new(a.Counted + b.Counted, a.Duplicates + b.Duplicates, a.Stored + b.Stored, a.Selected + b.Selected, a.Rejected + b.Rejected)
        {
            CountedSamples = [.. a.CountedSamples, .. b.CountedSamples],
        };

    private static RejectedSample Refused(AuditedSample sample, string source, Exception error)
    {
        RejectedPayload payload;
        try
        {
            payload = sample.Payload?.Invoke() ?? RejectedPayload.FromText(OutputSampleJson.Serialize(sample.Sample));
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException or NotSupportedException)
        {
            payload = RejectedPayload.FromText($"(the sample could not be written out as JSON: {ex.Message})");
        }
        return new RejectedSample(source, sample.Sample.SampleId,
            [new ContractViolation("$", StoreRule, $"the store refused this sample: {StoreFailure.Describe(error)}")], payload);
    }

    private async Task<BatchOutcome> CommitOnceAsync(IReadOnlyList<AuditedSample> accepted, IReadOnlyList<RejectedSample> rejected, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        // A sample repeated inside one batch is a duplicate like any other; the first copy wins.
        var unique = accepted.DistinctBy(a => a.Sample.SampleId, StringComparer.Ordinal)
            .OrderBy(a => a.Sample.SampleId, StringComparer.Ordinal) // one lock order for every consumer: no deadlocks
            .ToList();

        await using var connection = await database.OpenAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        var fresh = unique.Count == 0
            ? []
            : await database.InsertNewSampleIdsAsync(connection, tx, unique.Select(a => (a.Sample.SampleId!, a.Sample.OccurredAt!.Value)).ToList(), now, ct);
        var counted = unique.Where(a => fresh.Contains(a.Sample.SampleId!)).ToList();

        await UpsertCountersAsync(connection, tx, counted, ct);
        var toStore = counted.Where(a => a.Inspection.Flagged || a.Routing.Selected).ToList();
        await InsertSamplesAsync(connection, tx, toStore, now, ct);
        var selected = toStore.Where(a => a.Routing.Selected).ToList();
        await InsertReviewItemsAsync(connection, tx, selected, now, ct);
        var rejectedCount = await InsertRejectedAsync(connection, tx, rejected, now, ct);

        await tx.CommitAsync(ct);
        return new BatchOutcome(counted.Count, accepted.Count - counted.Count, toStore.Count, selected.Count, rejectedCount) { CountedSamples = counted };
    }

    // One statement per table, whatever the batch size (RowsInsert): counter rows are summed here per key first, in one
    // key order for every consumer (no deadlocks), so a batch of 500 samples of one stream is one row per counter table.
    private static readonly RowsInsert StreamCounters = new("stream_hour_counters", """
        ON CONFLICT (model, route, deployment, hour) DO UPDATE SET
            total = stream_hour_counters.total + excluded.total,
            flagged = stream_hour_counters.flagged + excluded.flagged,
            volume = stream_hour_counters.volume + excluded.volume,
            flagged_volume = stream_hour_counters.flagged_volume + excluded.flagged_volume
        """);

    private static readonly RowsInsert DetectorCounters = new("detector_hour_counters", """
        ON CONFLICT (model, route, deployment, hour, detector) DO UPDATE SET
            flagged = detector_hour_counters.flagged + excluded.flagged,
            flagged_volume = detector_hour_counters.flagged_volume + excluded.flagged_volume
        """);

    private static readonly RowsInsert IndicatorCounters = new("indicator_hour_counters", """
        ON CONFLICT (model, route, hour, indicator) DO UPDATE SET
            samples = indicator_hour_counters.samples + excluded.samples,
            met = indicator_hour_counters.met + excluded.met
        """);

    private static readonly RowsInsert Samples = new("samples", "", "Params", "Attributes", "Features");

    private static readonly RowsInsert DetectorResults = new("detector_results", "", "Evidence");

    private static readonly RowsInsert ReviewItems = new("review_items");

    private static readonly RowsInsert RejectedSamples = new("rejected_samples", "ON CONFLICT (payload_hash) DO NOTHING", "Errors");

    private async Task UpsertCountersAsync(DbConnection c, DbTransaction tx, List<AuditedSample> counted, CancellationToken ct)
    {
        var streams = counted
            .GroupBy(a => (a.Sample.Model!, a.Sample.Route!, a.Sample.Deployment ?? "", UtcHour.Floor(a.Sample.OccurredAt!.Value)))
            .OrderBy(g => g.Key)
            .Select(g => new
            {
                Model = g.Key.Item1, Route = g.Key.Item2, Deployment = g.Key.Item3, Hour = g.Key.Item4,
                Total = (long)g.Count(),
                Flagged = (long)g.Count(a => a.Inspection.Flagged),
                Volume = g.Sum(a => 1 / a.Sample.EffectiveSamplingRate),
                FlaggedVolume = g.Where(a => a.Inspection.Flagged).Sum(a => 1 / a.Sample.EffectiveSamplingRate),
            }).ToList();
        await StreamCounters.ExecuteAsync(database, c, tx, streams, ct);

        var detectors = counted
            .SelectMany(a => a.Inspection.Results.Where(r => r.Flagged).Select(r => (a, r.Detector)))
            .GroupBy(x => (x.a.Sample.Model!, x.a.Sample.Route!, x.a.Sample.Deployment ?? "", UtcHour.Floor(x.a.Sample.OccurredAt!.Value), x.Detector))
            .OrderBy(g => g.Key)
            .Select(g => new
            {
                Model = g.Key.Item1, Route = g.Key.Item2, Deployment = g.Key.Item3, Hour = g.Key.Item4, Detector = g.Key.Detector,
                Flagged = (long)g.Count(),
                FlaggedVolume = g.Sum(x => 1 / x.a.Sample.EffectiveSamplingRate),
            }).ToList();
        await DetectorCounters.ExecuteAsync(database, c, tx, detectors, ct);

        await WeeklyAggregates.UpsertAsync(database, c, tx, streams.Select(r => new WeeklyAggregates.StreamRow(r.Model, r.Route, r.Deployment, r.Hour, r.Total, r.Flagged, r.Volume, r.FlaggedVolume)),
            detectors.Select(r => new WeeklyAggregates.DetectorRow(r.Model, r.Route, r.Deployment, r.Hour, r.Detector, r.Flagged, r.FlaggedVolume)), ct);

        // A sample without its text has no text to loop or be blank: it would count as blank in the indicator rates.
        await UpsertIndicatorCountersAsync(c, tx, counted.Where(a => a.Sample.HasOutputText).ToList(), ct);
    }

    // Every judged sample counts for every drift indicator rule (met or not), so a rule's share per stream and hour is
    // met / samples over the whole traffic: the drift model's indicator baseline (IndicatorHistory).
    private async Task UpsertIndicatorCountersAsync(DbConnection c, DbTransaction tx, List<AuditedSample> counted, CancellationToken ct)
    {
        var rows = counted
            .GroupBy(a => (a.Sample.Model!, a.Sample.Route!, UtcHour.Floor(a.Sample.OccurredAt!.Value)))
            .OrderBy(g => g.Key)
            .SelectMany(g =>
            {
                var met = DriftIndicators.Count(g.Select(a => a.Inspection.Features));
                return DriftIndicators.All.Select((indicator, i) => new
                {
                    Model = g.Key.Item1, Route = g.Key.Item2, Hour = g.Key.Item3, Indicator = indicator.Name,
                    Samples = (long)g.Count(), Met = (long)met[i],
                });
            }).ToList();
        await IndicatorCounters.ExecuteAsync(database, c, tx, rows, ct);
    }

    private async Task InsertSamplesAsync(DbConnection c, DbTransaction tx, List<AuditedSample> rows, DateTimeOffset now, CancellationToken ct)
    {
        await Samples.ExecuteAsync(database, c, tx, rows.Select(a => new
        {
            a.Sample.SampleId, a.Sample.Model, a.Sample.Route, a.Sample.Deployment, OccurredAt = a.Sample.OccurredAt!.Value, ReceivedAt = now,
            Prompt = Storable(a.Sample.Prompt), Output = Storable(a.Sample.Output) ?? "", OutputCaptured = a.Sample.HasOutputText, a.Sample.FinishReason, a.Sample.PromptTokens, a.Sample.CompletionTokens, a.Sample.MaxTokens,
            a.Sample.LatencyMs, TtftMs = a.Sample.TimeToFirstTokenMs, SamplingRate = a.Sample.EffectiveSamplingRate,
            Params = a.Sample.Params is null ? null : StorableJson(a.Sample.Params),
            Attributes = a.Sample.Attributes is null ? null : StorableJson(a.Sample.Attributes),
            a.Inspection.Flagged,
            Features = JsonSerializer.Serialize(a.Inspection.Features, Json),
        }).ToList(), ct);
        await DetectorResults.ExecuteAsync(database, c, tx, rows.SelectMany(a => a.Inspection.Results.Select(r => new
        {
            a.Sample.SampleId, r.Detector, r.Score, r.Threshold, r.Flagged, r.Abstained,
            Evidence = JsonSerializer.Serialize(r.Evidence, Json), r.Explanation, OccurredAt = a.Sample.OccurredAt!.Value,
        })).ToList(), ct);
    }

    private async Task InsertReviewItemsAsync(DbConnection c, DbTransaction tx, List<AuditedSample> rows, DateTimeOffset now, CancellationToken ct)
    {
        await ReviewItems.ExecuteAsync(database, c, tx, rows.Select(a => new
        {
            a.Sample.SampleId, a.Sample.Model, a.Sample.Route,
            Stratum = StratumName(a.Routing.Stratum!.Value),
            a.Routing.InclusionProbability, State = "pending", CreatedAt = now, a.Routing.ReviewsRequired,
            OccurredAt = a.Sample.OccurredAt!.Value, a.Inspection.Flagged,
        }).ToList(), ct);
        // Each new item enters its week's tally as pending (one statement for the batch).
        await ReviewTallies.AddAsync(database, c, tx, rows.Select(a => (new ReviewTallies.Key(
            TimePartitionedTables.WeekStart(a.Sample.OccurredAt!.Value), a.Sample.Model!, a.Sample.Route!, a.Sample.Deployment ?? "",
            StratumName(a.Routing.Stratum!.Value), a.Inspection.Flagged, ReviewTallies.FlaggedByText(a.Inspection.Results.Where(r => r.Flagged).Select(r => r.Detector)),
            a.Routing.InclusionProbability, ReviewTallies.Pending), 1L)), ct);
    }

    // Ids and messages may hold what no store can (a NUL, a lone surrogate): they are made visible as U+FFFD, while the
    // payload keeps the exact bytes.
    private async Task<int> InsertRejectedAsync(DbConnection c, DbTransaction tx, IReadOnlyList<RejectedSample> rejected, DateTimeOffset now, CancellationToken ct) =>
        await RejectedSamples.ExecuteAsync(database, c, tx, rejected.Select(r => new
        {
            PayloadHash = r.Payload.Hash,
            ReceivedAt = now,
            Source = TextDefects.Storable(r.Source),
            SampleId = TextDefects.Storable(r.SampleId),
            Errors = StorableJson(r.Errors.Select(e => new ContractViolation(TextDefects.Storable(e.Field)!, TextDefects.Storable(e.Rule)!, TextDefects.Storable(e.Message)!))),
            Payload = r.Payload.Stored,
            PayloadEncoding = r.Payload.Encoding,
            PayloadLength = r.Payload.Length,
            PayloadTruncated = r.Payload.Truncated,
        }).ToList(), ct);

    // PostgreSQL text and jsonb cannot hold NUL, and model output may contain it. NUL is kept visible as U+FFFD
    // (one UTF-16 unit for one, so evidence offsets stay true) in both stores, so they store the same text.
    internal static string? Storable(string? text) => text?.Replace('\0', '\uFFFD');

    private static string StorableJson<T>(T value) => JsonSerializer.Serialize(value, Json).Replace("\\u0000", "\\uFFFD");

    internal static string StratumName(ReviewStratum stratum) => stratum switch
    {
        ReviewStratum.Uniform => "uniform",
        ReviewStratum.Flagged => "flagged",
        _ => throw new ArgumentOutOfRangeException(nameof(stratum)),
    };

    /// <summary>The stratum a stored name stands for (<see cref="StratumName"/> read back; the column holds only these two).</summary>
    internal static ReviewStratum StratumOf(string name) => name == "uniform" ? ReviewStratum.Uniform : ReviewStratum.Flagged;
}
