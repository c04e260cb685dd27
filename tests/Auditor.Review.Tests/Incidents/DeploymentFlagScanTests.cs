using Auditor.Review.Estimation;
using Auditor.Review.Incidents;
using Xunit.Abstractions;

namespace Auditor.Review.Tests.Incidents;

/// <summary>
/// The per-deployment flag-rate scan against known truth: a stream with two deployments, one of which starts looping at
/// a random second; the scan runs every 15 minutes over the counters as they stand (the last hour partial), as the job
/// does. Seeds fixed before looking at the results.
/// </summary>
public sealed class DeploymentFlagScanTests(ITestOutputHelper output)
{
    private static readonly StreamKey Stream = new("llama", "chat");
    private static readonly CusumOptions Options = CusumOptions.Default with { BaselineHours = 72, ScanHours = 24 };
    private const int PerHour = 600;
    private const double BaselineFlagRate = 0.02, LoopingShare = 0.30;
    private const int HoursBefore = 100, HoursAfter = 6;

    [Fact]
    public void An_injected_failure_on_one_deployment_opens_an_alarm_naming_it_with_its_onset_within_5_minutes()
    {
        const int runs = 200;
        var random = new Random(1641);
        int named = 0, wrong = 0, close = 0;
        var detection = new List<double>();
        var errors = new List<double>();
        for (var run = 0; run < runs; run++)
        {
            var start = new DateTimeOffset(2026, 11, 12, 0, 0, 0, TimeSpan.Zero);
            var change = start.AddHours(HoursBefore).AddSeconds(random.Next(0, 3600));
            var world = new World(start, HoursBefore + HoursAfter);
            world.Add("h100-fp8", random, _ => BaselineFlagRate);
            world.Add("h100-fp8-v2", random, t => t >= change ? LoopingShare + (1 - LoopingShare) * BaselineFlagRate : BaselineFlagRate);

            for (var tick = UtcHourOf(change).AddHours(-2); tick <= change.AddHours(HoursAfter - 1); tick = tick.AddMinutes(15))
            {
                var scan = DeploymentFlagScan.Detect(Stream, world.HoursUntil(tick), _ => UtcHourOf(tick).AddHours(-Options.ScanHours + 1), Options);
                if (scan.Alarms.Count == 0)
                    continue;
                wrong += scan.Alarms.Count(a => a.Deployment != "h100-fp8-v2");
                if (scan.Alarms.SingleOrDefault(a => a.Deployment == "h100-fp8-v2") is { } alarm)
                {
                    named++;
                    var (from, to) = DeploymentFlagScan.OnsetWindow(alarm);
                    var timed = DeploymentFlagScan.WithOnset(alarm, world.HoursUntil(tick)["h100-fp8-v2"], world.FlaggedTimes("h100-fp8-v2", from, Min(to, tick)));
                    var error = (timed.OnsetAt - change).TotalMinutes;
                    errors.Add(error);
                    close += Math.Abs(error) <= 5 ? 1 : 0;
                    detection.Add((tick - change).TotalMinutes);
                }
                break;
            }
        }
        detection.Sort();
        output.WriteLine($"{runs} runs: alarm naming the looping deployment in {named}, on the healthy one in {wrong}; onset within 5 minutes in {close} "
            + $"(median error {Median(errors):+0.0;-0.0;0.0} min); median time to detection {Median(detection):0} min");

        Assert.Equal(runs, named);
        Assert.True(wrong <= 2, $"{wrong} alarms on the healthy deployment");
        Assert.True(close >= 0.85 * runs, $"onset within 5 minutes in {close} of {runs} runs");
    }

    [Fact]
    public void A_new_deployment_without_history_is_judged_against_its_stream()
    {
        var start = new DateTimeOffset(2026, 11, 12, 0, 0, 0, TimeSpan.Zero);
        var world = new World(start, 80);
        var random = new Random(1642);
        world.Add("old", random, _ => BaselineFlagRate);
        // The new build starts at hour 76 and flags 12% from its first sample.
        world.Add("new", random, t => t >= start.AddHours(76) ? 0.12 : double.NaN);

        var scan = DeploymentFlagScan.Detect(Stream, world.HoursUntil(start.AddHours(80)), _ => start.AddHours(80 - Options.ScanHours), Options);

        var alarm = Assert.Single(scan.Alarms);
        Assert.Equal("new", alarm.Deployment);
        Assert.True(alarm.StreamBaseline);
        Assert.Contains("llama/chat on deployment new rose from the stream's baseline", alarm.Summary, StringComparison.Ordinal);
        Assert.Equal((2, 0), (scan.Judged, scan.WithoutBaseline));
    }

    [Fact]
    public void A_new_deployment_looping_in_a_stream_that_never_flagged_gets_its_onset_to_the_minute()
    {
        // The demo: a healthy stream with no flag at all, then a new build from 18:23:37 with 30% of its answers looping.
        var start = new DateTimeOffset(2026, 11, 12, 0, 0, 0, TimeSpan.Zero);
        var rollout = start.AddHours(76).AddMinutes(23).AddSeconds(37);
        var world = new World(start, 78);
        var random = new Random(1643);
        world.Add("h100-fp8", random, _ => 0);
        world.Add("h100-fp8-v2", random, t => t >= rollout ? LoopingShare : double.NaN);
        var now = rollout.AddMinutes(15);

        var alarm = Assert.Single(DeploymentFlagScan.Detect(Stream, world.HoursUntil(now), _ => UtcHourOf(now).AddHours(-Options.ScanHours + 1), Options).Alarms);
        Assert.Equal(0, alarm.BaselineRate);
        var (from, to) = DeploymentFlagScan.OnsetWindow(alarm);
        var timed = DeploymentFlagScan.WithOnset(alarm, world.HoursUntil(now)["h100-fp8-v2"], world.FlaggedTimes("h100-fp8-v2", from, Min(to, now)));

        Assert.NotNull(timed.Onset);
        Assert.InRange((timed.OnsetAt - rollout).TotalMinutes, -5, 5);
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;

    private static DateTimeOffset UtcHourOf(DateTimeOffset t) => new(t.Year, t.Month, t.Day, t.Hour, 0, 0, TimeSpan.Zero);

    private static double Median(List<double> x)
    {
        if (x.Count == 0)
            return double.NaN;
        var s = x.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    /// <summary>Samples of each deployment at PerHour evenly spaced times, flagged with a rate that depends on the time (NaN: no traffic yet).</summary>
    private sealed class World(DateTimeOffset start, int hours)
    {
        private readonly Dictionary<string, (int[] Total, int[] Flagged, List<DateTimeOffset> Times)> _minutes = new(StringComparer.Ordinal);

        public void Add(string deployment, Random random, Func<DateTimeOffset, double> flagRate)
        {
            var total = new int[hours * 60];
            var flagged = new int[hours * 60];
            var times = new List<DateTimeOffset>();
            for (var i = 0; i < hours * PerHour; i++)
            {
                var at = start.AddHours((i + 0.5) / PerHour);
                var rate = flagRate(at);
                if (double.IsNaN(rate))
                    continue;
                var minute = (int)(at - start).TotalMinutes;
                total[minute]++;
                if (random.NextDouble() < rate)
                {
                    flagged[minute]++;
                    times.Add(at);
                }
            }
            _minutes[deployment] = (total, flagged, times);
        }

        /// <summary>The hourly counters as they stand at <paramref name="now"/> (the current hour partial).</summary>
        public IReadOnlyDictionary<string, IReadOnlyList<HourlyFlags>> HoursUntil(DateTimeOffset now)
        {
            var upTo = (int)Math.Min(hours * 60, (now - start).TotalMinutes);
            return _minutes.ToDictionary(d => d.Key, d =>
            {
                var list = new List<HourlyFlags>();
                for (var h = 0; h * 60 < upTo; h++)
                {
                    long n = 0, x = 0;
                    for (var m = h * 60; m < Math.Min(upTo, h * 60 + 60); m++)
                    {
                        n += d.Value.Total[m];
                        x += d.Value.Flagged[m];
                    }
                    if (n > 0)
                        list.Add(new HourlyFlags(start.AddHours(h), n, x));
                }
                return (IReadOnlyList<HourlyFlags>)list;
            }, StringComparer.Ordinal);
        }

        public IReadOnlyList<DateTimeOffset> FlaggedTimes(string deployment, DateTimeOffset from, DateTimeOffset to) =>
            _minutes[deployment].Times.Where(t => t >= from && t < to).ToList();
    }
}
