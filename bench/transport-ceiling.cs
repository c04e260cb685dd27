// What MassTransit's receive path alone leaves of the broker-only ceiling (issue #18 item 0: "if its receive path is the
// ceiling, show the profile"). Alternates, ROUNDS times, runs of the same N confirmed publishes of bench samples into
// a fresh quorum queue, from one process:
//   plain: the ceiling of `bench e2e` (BrokerCeiling: a RabbitMQ.Client consumer that only acknowledges, every 100);
//   masstransit: a MassTransit 8 bus whose receive endpoint is set up by the server's own samples endpoint definition
//     (AuditOutputSamplesConsumerDefinition.ConfigureReceive and SetBatches at the default settings: the contract's body
//     reader, quorum queue, batches of 500, two at once, one multiple ack per batch), with a consumer that only counts:
//     no detectors, no database;
//   +detectors: the same, its consumer validating each sample and running every detector of rules/ on it (the server's
//     OutputSampleValidator and DetectorRegistry.FromRules), still without a database;
//   +det yield: the same, the consumer yielding first: MassTransit's batch collector runs a completed batch's consumer
//     inside its one serial executor until the consumer's first await, so without it one batch's detectors hold up the
//     collection of the next.
// Prints the rate of each run (first publish to last message consumed), this process's CPU (publisher + consumer) and
// the broker's per 1,000 messages. The end-to-end ratio of the server can be no higher than masstransit / plain.
// Run from the repository root against a private stack (src/Auditor.Cli/Bench/private-stack.sh; no server needed):
//   dotnet run -c Release bench/transport-ceiling.cs -- "$ConnectionStrings__RabbitMq" $AUDITOR_BROKER_PID 50000 3
// and the detectors' share on the same outputs: write them as a corpus, then time them with `auditor bench detectors`:
//   dotnet run -c Release bench/transport-ceiling.cs -- --write-corpus /tmp/bench-outputs.jsonl
#:project ../src/Auditor.Cli
#:property ServerGarbageCollection=true
#:property PublishAot=false
using System.Diagnostics;
using Auditor.Cli.Bench;
using Auditor.Server.Auditing;
using Auditor.Server.Configuration;
using MassTransit;
using RabbitMQ.Client;

if (args[0] == "--write-corpus")
{
    // The bench's 64 outputs as a corpus for `auditor bench detectors --corpus`: what the detectors cost per bench sample.
    var texts = new SamplePayloads("corpus", 2048);
    await File.WriteAllLinesAsync(args[1], Enumerable.Range(0, 64).Select(i => System.Text.Json.JsonSerializer.Serialize(
        new { id = $"bench/{i}", source = "bench", output = System.Text.Json.JsonDocument.Parse(texts.Body(i, DateTimeOffset.UnixEpoch)).RootElement.GetProperty("output").GetString(), label = 0 })));
    return;
}
var broker = new Uri(args[0]);
var brokerPid = int.Parse(args[1]);
var count = int.Parse(args[2]);
var rounds = args.Length > 3 ? int.Parse(args[3]) : 3;

var payloads = new SamplePayloads($"tc{DateTime.UtcNow:HHmmss}", 2048);
byte[] Body(int i) => payloads.Body(i, DateTimeOffset.UtcNow);
var validator = new Auditor.Contracts.OutputSampleValidator(TimeProvider.System);
var rules = Auditor.Detection.Rules.RulesLoader.LoadDirectory(Path.GetFullPath("rules")).RuleSet ?? throw new InvalidOperationException("rules/ did not load: run from the repository root");
var registry = Auditor.Detection.DetectorRegistry.FromRules(rules);
await using var connection = await new ConnectionFactory { Uri = broker, ClientProvidedName = "auditor-transport-ceiling" }.CreateConnectionAsync();

for (var round = 1; round <= rounds; round++)
{
    await Measure("plain", () => BrokerCeiling.MeasureAsync(connection, count, Body, CancellationToken.None));
    await Measure("masstransit", () => MassTransitAsync(inspect: null));
    await Measure("+detectors", () => MassTransitAsync(inspect: sample =>
    {
        if (validator.Check(sample).Count == 0)
            registry.Inspect(sample);
    }));
    await Measure("+det yield", () => MassTransitAsync(inspect: sample =>
    {
        if (validator.Check(sample).Count == 0)
            registry.Inspect(sample);
    }, yieldFirst: true));
}

async Task Measure(string name, Func<Task<double>> run)
{
    var (cpu0, broker0) = (Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, BrokerCpu());
    var rate = await run();
    var (cpu1, broker1) = (Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, BrokerCpu());
    Console.WriteLine($"{name,-12} {rate,8:N0} msg/s   this process {1000 * (cpu1 - cpu0) / count:F3}   broker {1000 * (broker1 - broker0) / count:F3} CPU s per 1,000   load {File.ReadAllText("/proc/loadavg").Split(' ')[0]}");
}

double BrokerCpu()
{
    var fields = File.ReadAllText($"/proc/{brokerPid}/stat").Split(')')[^1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
    return (long.Parse(fields[11]) + long.Parse(fields[12])) / 100.0;
}

async Task<double> MassTransitAsync(Action<Auditor.Contracts.OutputSample>? inspect, bool yieldFirst = false)
{
    var queue = $"auditor.bench.transport-{Guid.NewGuid().ToString("N")[..8]}";
    var counter = new BatchCounter(count, inspect, yieldFirst);
    // The server's endpoint neither declares nor binds its queue (IntakeTopologyJob does): declared here the same way.
    await using (var declare = await connection.CreateChannelAsync())
        await declare.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false,
            arguments: new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
    var bus = Bus.Factory.CreateUsingRabbitMq(cfg =>
    {
        cfg.Host(broker, h =>
        {
            var user = broker.UserInfo.Split(':');
            h.Username(Uri.UnescapeDataString(user[0]));
            h.Password(Uri.UnescapeDataString(user[1]));
        });
        cfg.ReceiveEndpoint(queue, e =>
        {
            // The server's own receive settings and batches at their defaults; only the consumer differs.
            var defaults = new ConsumerOptions();
            AuditOutputSamplesConsumerDefinition.ConfigureReceive(e, defaults, TimeProvider.System);
            // What the bus's consumer registration gives the server's endpoint (`rabbitmqctl list_consumers`: 1,000); a
            // consumer added to an endpoint by hand keeps the transport's small default and its batches never fill.
            e.PrefetchCount = defaults.BatchSize * defaults.ConcurrentBatches;
            e.Consumer(() => counter, c => c.Options<BatchOptions>(o => AuditOutputSamplesConsumerDefinition.SetBatches(o, defaults)));
        });
    });
    await bus.StartAsync();
    try
    {
        await using var publish = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        var clock = Stopwatch.StartNew();
        await PacedPublisher.PublishAsync(publish, "", queue, count, Body, rate: null, CancellationToken.None);
        await counter.Done.WaitAsync(TimeSpan.FromMinutes(5));
        return count / clock.Elapsed.TotalSeconds;
    }
    finally
    {
        await bus.StopAsync();
        await using var setup = await connection.CreateChannelAsync();
        await setup.QueueDeleteAsync(queue);
        await setup.ExchangeDeleteAsync(queue);
    }
}

/// <summary>
/// Counts the messages of each batch (each was read by the server's deserializer on receipt) after handing each sample
/// to <paramref name="inspect"/>, if any, one after another as the server's pipeline does.
/// </summary>
sealed class BatchCounter(int expected, Action<Auditor.Contracts.OutputSample>? inspect, bool yieldFirst) : IConsumer<Batch<QueuedSample>>
{
    private int _seen;
    private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Done => _done.Task;

    public async Task Consume(ConsumeContext<Batch<QueuedSample>> context)
    {
        if (yieldFirst)
            await Task.Yield();
        if (inspect is not null)
            foreach (var message in context.Message)
                if (message.Message.Reading.Sample is { } sample)
                    inspect(sample);
        if (Interlocked.Add(ref _seen, context.Message.Length) >= expected)
            _done.TrySetResult();
    }
}
