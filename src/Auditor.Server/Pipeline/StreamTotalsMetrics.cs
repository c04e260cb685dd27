using System.Diagnostics.Metrics;
using Auditor.Server.Configuration;
using Auditor.Server.Hosting;
using Auditor.Server.Web;
using Auditor.Storage.Streams;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Pipeline;

/// <summary>
/// Per-stream counted and flagged totals for /metrics, read from the store's stream-hour counters every
/// StreamRefreshSeconds: the same figures as GET /api/v1/streams, exact and shared by every process. Cardinality is
/// bounded: the first MaxStreams streams seen (largest first at the first read) keep their own series for the life of
/// the process, every later one is added to model="_other", route="_other", so each series only grows.
/// A step reads only the hours that can still change: a sample older than the contract's window is refused, so an hour
/// older than that window and a day is settled. Settled hours are summed once (at the first step, and
/// then one slice as each hour settles) and kept in memory, so a step costs streams x 31 days of counter rows, not the
/// whole history.
/// </summary>
public sealed partial class StreamTotalsMetrics : PeriodicJob
{
    private const string Other = "_other";
    private readonly StreamTotalsReader _reader;
    private readonly IOptionsMonitor<AuditorOptions> _options;
    private readonly ILogger<StreamTotalsMetrics> _logger;
    private readonly HashSet<(string Model, string Route)> _admitted = [];
    private volatile IReadOnlyList<(string Model, string Route, long Counted, long Flagged)> _totals = [];
    private readonly Dictionary<(string Model, string Route), (long Counted, long Flagged)> _settled = [];
    private DateTimeOffset _settledUntil = TimeRange.Earliest;

    public StreamTotalsMetrics(StreamTotalsReader reader, IOptionsMonitor<AuditorOptions> options, IMeterFactory meters, TimeProvider clock,
        ILogger<StreamTotalsMetrics> logger) : base(clock)
    {
        _reader = reader;
        _options = options;
        _logger = logger;
        var meter = meters.Create(PipelineMetrics.MeterName);
        meter.CreateObservableCounter("auditor.stream.counted", () => _totals.Select(t => Point(t.Counted, t)), "{sample}",
            "Samples counted per stream (model, route), from the store.");
        meter.CreateObservableCounter("auditor.stream.flagged", () => _totals.Select(t => Point(t.Flagged, t)), "{sample}",
            "Samples flagged by any detector per stream (model, route), from the store.");
    }

    protected override TimeSpan Period => TimeSpan.FromSeconds(_options.CurrentValue.Metrics.StreamRefreshSeconds);

    protected override FirstStep FirstStep => FirstStep.Immediately;

    protected override async Task StepAsync(CancellationToken ct)
    {
        var settle = SettledBefore(Clock.GetUtcNow());
        if (settle > _settledUntil)
        {
            // Added to the settled sums only once read in full: a failed read leaves them as they were.
            var slice = await _reader.SumAsync(_settledUntil, settle, ct);
            foreach (var s in slice)
                _settled[(s.Model, s.Route)] = _settled.TryGetValue((s.Model, s.Route), out var t) ? (t.Counted + s.Counted, t.Flagged + s.Flagged) : (s.Counted, s.Flagged);
            _settledUntil = settle;
        }
        var open = await _reader.SumAsync(_settledUntil, TimeRange.Latest, ct);
        var streams = _settled.Select(kv => new StreamTotal(kv.Key.Model, kv.Key.Route, kv.Value.Counted, kv.Value.Flagged))
            .Concat(open)
            .GroupBy(s => (s.Model, s.Route))
            .Select(g => new StreamTotal(g.Key.Model, g.Key.Route, g.Sum(s => s.Counted), g.Sum(s => s.Flagged)))
            .ToList();
        var max = _options.CurrentValue.Metrics.MaxStreams;
        foreach (var s in streams.OrderByDescending(s => s.Counted))
            if (_admitted.Count < max)
                _admitted.Add((s.Model, s.Route));
        _totals = streams
            .GroupBy(s => _admitted.Contains((s.Model, s.Route)) ? (s.Model, s.Route) : (Other, Other))
            .Select(g => (g.Key.Item1, g.Key.Item2, g.Sum(s => s.Counted), g.Sum(s => s.Flagged)))
            .ToList();
    }

    // The start of the oldest hour a commit can still add to (the contract refuses samples older than its MaxAge; a day
    // more for clocks and queues); whole hours, so a slice never splits an hour's row.
    internal static DateTimeOffset SettledBefore(DateTimeOffset now)
    {
        var t = (now - (new Auditor.Contracts.ContractLimits().MaxAge + TimeSpan.FromDays(1))).UtcDateTime;
        return new DateTimeOffset(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero);
    }

    private static Measurement<long> Point(long value, (string Model, string Route, long, long) t) =>
        new(value, new KeyValuePair<string, object?>("model", t.Model), new KeyValuePair<string, object?>("route", t.Route));

    protected override void LogStepFailed(Exception exception) => LogRefreshFailed(exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not read per-stream totals for /metrics; keeping the previous ones")]
    private partial void LogRefreshFailed(Exception exception);
}
