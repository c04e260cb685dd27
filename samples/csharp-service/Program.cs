// A stand-in for an LLM-serving service: it "answers" requests and publishes each output to Auditor through
// Auditor.Client. Usage (see README.md):
//   dotnet run --project samples/csharp-service -- --rabbitmq amqp://guest:guest@127.0.0.1:5672/ [--count 200] [--rate 0.25] [--exchange X --queue X]
//   dotnet run --project samples/csharp-service -- --http http://127.0.0.1:5181/ --api-key KEY [--count 200] [--rate 0.25]
using System.Diagnostics;
using Auditor.Client;
using Auditor.Contracts;

var settings = Arguments.Parse(args);
if (settings.RabbitMq is null && settings.Http is null)
{
    Console.Error.WriteLine("Give --rabbitmq AMQP_URI, --http BASE_URL --api-key KEY, or both (HTTP is then the fallback).");
    return 2;
}

var options = new AuditorPublisherOptions
{
    RabbitMqUri = settings.RabbitMq,
    Exchange = settings.Exchange,
    Queue = settings.Queue,
    HttpBaseAddress = settings.Http,
    ApiKey = settings.ApiKey,
    // A serving process must never wait on its auditor: drop on a full buffer, and count it.
    WhenBufferFull = BufferFullMode.DropAndCount,
    Sampling = new HeadSamplingOptions { Rate = settings.Rate },
    OnRejected = r => Console.Error.WriteLine($"rejected {r.SampleId}: {string.Join("; ", r.Errors.Select(e => $"{e.Field} {e.Rule}"))}"),
    OnDeliveryProblem = p => Console.Error.WriteLine($"{p.Transport}: {p.Samples} sample(s) not delivered yet, retrying: {p.Reason}"),
};
// Always send answers that leaked a chat-template token, whatever the rate (they carry samplingRate 1).
options.Sampling.AlwaysSample.Add(s => s.Output?.Contains("<|im_end|>", StringComparison.Ordinal) == true);

await using (var publisher = new AuditorPublisher(options))
{
    var model = new FakeModel(seed: 1);
    for (var i = 0; i < settings.Count; i++)
    {
        var started = Stopwatch.GetTimestamp();
        var (text, finishReason, completionTokens) = model.Answer(i);
        await publisher.PublishAsync(new OutputSample
        {
            SampleId = Guid.CreateVersion7().ToString(),
            OccurredAt = DateTimeOffset.UtcNow,
            Model = "qwen2.5-7b-instruct",
            Route = "support/answer",
            Deployment = "sample-h100-fp8",
            Prompt = $"Customer question #{i}",
            Output = text,
            FinishReason = finishReason,
            PromptTokens = 42,
            CompletionTokens = completionTokens,
            MaxTokens = 256,
            LatencyMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds + 350,
            Attributes = new() { ["tenant"] = "sample" },
        });
    }

    using var flushTimeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    try
    {
        await publisher.FlushAsync(flushTimeout.Token);
    }
    catch (OperationCanceledException)
    {
        Console.Error.WriteLine("not everything was confirmed within 30 s; disposing counts what is left as dropped");
    }
    Console.WriteLine($"before shutdown: {publisher.Counters}");
    Console.Out.Flush();
    // The counters below are final: DisposeAsync sends what is left or counts it dropped.
    await publisher.DisposeAsync();
    var c = publisher.Counters.Snapshot();
    Console.WriteLine($"offered {c.Offered}, sampled out {c.SampledOut}, confirmed {c.Confirmed}, rejected {c.Rejected}, " +
                      $"dropped {c.Dropped}, unconfirmed attempts {c.Unconfirmed}");
    return c.Confirmed + c.Rejected + c.SampledOut == c.Offered ? 0 : 1;
}

/// <summary>Answers like a model that sometimes loops, truncates, leaks a template token or says nothing.</summary>
internal sealed class FakeModel(int seed)
{
    private readonly Random _random = new(seed);

    public (string Text, string FinishReason, int CompletionTokens) Answer(int i) => _random.Next(100) switch
    {
        < 4 => (string.Concat(Enumerable.Repeat("I can help with that. ", 60)), FinishReasons.Length, 256),
        < 6 => ("", FinishReasons.Stop, 0),
        < 8 => ($"Your order #{i} ships tomorrow.<|im_end|>", FinishReasons.Stop, 9),
        _ => ($"Your order #{i} ships tomorrow. You can track it from the Orders page.", FinishReasons.Stop, 16),
    };
}

/// <summary>The sample's command-line settings.</summary>
internal sealed record Arguments(Uri? RabbitMq, Uri? Http, string? ApiKey, int Count, double Rate, string Exchange, string Queue)
{
    public static Arguments Parse(string[] args)
    {
        string? Value(string name) => Array.IndexOf(args, name) is var i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
        return new Arguments(
            Value("--rabbitmq") is { } amqp ? new Uri(amqp) : null,
            Value("--http") is { } http ? new Uri(http) : null,
            Value("--api-key") ?? Environment.GetEnvironmentVariable("AUDITOR_API_KEY"),
            int.Parse(Value("--count") ?? "200", System.Globalization.CultureInfo.InvariantCulture),
            double.Parse(Value("--rate") ?? "0.25", System.Globalization.CultureInfo.InvariantCulture),
            Value("--exchange") ?? AuditorTopology.Exchange,
            Value("--queue") ?? AuditorTopology.Queue);
    }
}
