using System.CommandLine;
using System.Diagnostics;
using Auditor.Cli.Ship;

namespace Auditor.Cli.Demo;

/// <summary>
/// `auditor demo`: publishes realistic traffic for three streams and, at a known time, a silent-failure incident: a
/// new deployment of the support model (h100-fp8-v2) takes half the support traffic and a share of its answers loop
/// until max_tokens, with finish reason length and HTTP 200 everywhere. Flags, review items and the incident show up
/// in the UI within minutes on the embedded default (HTTP to http://localhost:5080).
/// </summary>
public static class DemoCommand
{
    public static Command Create()
    {
        var rate = new Option<double>("--rate") { Description = "Samples per second.", DefaultValueFactory = _ => 20 };
        var duration = new Option<int>("--duration") { Description = "Seconds to run (0: until Ctrl+C).", DefaultValueFactory = _ => 300 };
        var incidentAt = new Option<int>("--incident-after") { Description = "Seconds after the start at which the v2 deployment starts looping.", DefaultValueFactory = _ => 60 };
        var failingShare = new Option<double>("--failing-share") { Description = "Share of v2 answers that loop once the incident started.", DefaultValueFactory = _ => 0.3 };
        var history = new Option<int>("--history-minutes") { Description = "Minutes of healthy traffic back-dated before now (a baseline to compare with).", DefaultValueFactory = _ => 120 };
        var seed = new Option<int>("--seed") { Description = "Random seed, for the same traffic twice.", DefaultValueFactory = _ => Environment.TickCount };
        var target = new PublishTarget();
        var command = new Command("demo", "Publish realistic demo traffic with a silent-failure incident at a known time.") { rate, duration, incidentAt, failingShare, history, seed };
        target.AddTo(command);
        // Option validators run on given values only; a command validator would see 0 for an option left at its default.
        rate.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is <= 0 or > 5000)
                r.AddError("--rate must be between 0 and 5,000 samples/s.");
        });
        failingShare.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<double>() is < 0 or > 1)
                r.AddError("--failing-share must be between 0 and 1.");
        });
        command.SetAction(async (ParseResult r, CancellationToken ct) =>
        {
            var random = new Random(r.GetValue(seed));
            var streams = new DemoStreams(random);
            long rejected = 0;
            await using var publisher = target.CreatePublisher(r, CliConfiguration.Load(), "auditor-demo", rejection =>
            {
                Interlocked.Increment(ref rejected);
                Console.Error.WriteLine($"rejected {rejection.SampleId}: {string.Join("; ", rejection.Errors.Select(e => e.Rule))}");
            });

            // A healthy past, back-dated over the last minutes, one sample per stream every few seconds.
            var now = DateTimeOffset.UtcNow;
            var backfilled = 0;
            for (var at = now.AddMinutes(-r.GetValue(history)); at < now; at = at.AddSeconds(10))
            {
                foreach (var stream in streams.Normal)
                    await publisher.PublishAsync(streams.Sample(stream, at, failing: false), ct);
                backfilled += streams.Normal.Count;
            }
            if (backfilled > 0)
                Console.WriteLine($"back-dating {backfilled:N0} healthy samples over the last {r.GetValue(history)} minutes");

            var incident = now.AddSeconds(r.GetValue(incidentAt));
            Console.WriteLine($"live traffic at {r.GetValue(rate)}/s on {string.Join(", ", streams.Normal.Select(s => $"{s.Model} {s.Route}"))}");
            Console.WriteLine($"incident at {incident:HH:mm:ss} UTC: deployment {DemoStreams.Regressed.Deployment} takes half of {DemoStreams.Regressed.Route} and "
                + $"{r.GetValue(failingShare):P0} of its answers loop until max_tokens");
            var clock = Stopwatch.StartNew();
            var sent = 0L;
            var failing = 0L;
            var end = r.GetValue(duration) > 0 ? TimeSpan.FromSeconds(r.GetValue(duration)) : TimeSpan.MaxValue;
            var lastReport = TimeSpan.Zero;
            try
            {
                while (clock.Elapsed < end)
                {
                    var at = DateTimeOffset.UtcNow;
                    var stream = streams.Normal[random.Next(streams.Normal.Count)];
                    var fails = false;
                    if (at >= incident && stream.Route == DemoStreams.Regressed.Route && random.Next(2) == 0)
                    {
                        stream = DemoStreams.Regressed;
                        fails = random.NextDouble() < r.GetValue(failingShare);
                    }
                    await publisher.PublishAsync(streams.Sample(stream, at, fails), ct);
                    sent++;
                    failing += fails ? 1 : 0;
                    if (clock.Elapsed - lastReport > TimeSpan.FromSeconds(10))
                    {
                        lastReport = clock.Elapsed;
                        Console.WriteLine($"{at:HH:mm:ss} sent {sent:N0} live samples ({failing:N0} looping), {publisher.Counters.Confirmed:N0} confirmed{(at >= incident ? ", incident running" : "")}");
                    }
                    await Pace.UntilAsync(clock, TimeSpan.FromSeconds(sent / r.GetValue(rate)), ct);
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                // Ctrl+C: send what is buffered below, then stop.
            }
            using var flush = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await publisher.FlushAsync(flush.Token);
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("the server did not take everything within 30 s; the rest is counted as dropped");
            }
            Console.WriteLine($"done: {sent:N0} live samples ({failing:N0} looping), {backfilled:N0} back-dated, {publisher.Counters.Confirmed:N0} confirmed, {Interlocked.Read(ref rejected)} rejected");
            // Every offered sample ends confirmed, rejected (said above) or not delivered.
            var c = publisher.Counters;
            var undelivered = c.Offered - c.SampledOut - c.Confirmed - c.Rejected;
            if (undelivered <= 0)
                return 0;
            Console.Error.WriteLine($"{undelivered:N0} samples were not delivered (see the delivery problems above)");
            return 1;
        });
        return command;
    }
}
