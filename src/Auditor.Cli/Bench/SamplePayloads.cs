using System.Text;
using Auditor.Contracts;

namespace Auditor.Cli.Bench;

/// <summary>
/// Bench samples: varied text of an exact size (no loops, so detectors see ordinary output), ids unique per run, spread
/// round-robin over <paramref name="streams"/> routes (one by default; more so a sharded intake has streams to spread).
/// </summary>
public sealed class SamplePayloads(string runId, int size, int streams = 1)
{
    private static readonly string[] Words =
        ["the", "cache", "model", "request", "answer", "token", "latency", "user", "server", "queue", "report", "value", "change",
         "deploy", "check", "result", "because", "after", "before", "which", "would", "should", "system", "output", "reason", "first",
         "second", "then", "while", "every", "customer", "account", "setting", "update", "version", "error", "response", "shows"];

    private readonly string[] _texts = Texts(size);

    public const string Model = "auditor-bench";

    public string Route { get; } = $"bench/e2e-{runId}";

    public string IdPrefix { get; } = $"e2e-{runId}-";

    /// <summary>The route of sample <paramref name="i"/>: <see cref="Route"/> itself with one stream, else Route/k.</summary>
    public string RouteOf(int i) => streams == 1 ? Route : $"{Route}/{i % streams}";

    /// <summary>The stream routing key of sample <paramref name="i"/>, as publishers set it.</summary>
    public string RoutingKeyOf(int i) => Auditor.Client.AuditorTopology.StreamRoutingKey(Model, RouteOf(i));

    /// <summary>The JSON body of sample <paramref name="i"/>, stamped with the time it is about to be published.</summary>
    public byte[] Body(int i, DateTimeOffset publishedAt) => Encoding.UTF8.GetBytes(OutputSampleJson.Serialize(new OutputSample
    {
        SampleId = IdPrefix + i.ToString("D8"),
        OccurredAt = publishedAt,
        Model = Model,
        Route = RouteOf(i),
        Output = _texts[i % _texts.Length],
        FinishReason = FinishReasons.Stop,
        CompletionTokens = size / 4,
        MaxTokens = 4096,
    }));

    private static string[] Texts(int size)
    {
        var random = new Random(42);
        return Enumerable.Range(0, 64).Select(_ =>
        {
            var text = new StringBuilder(size + 16);
            while (text.Length < size)
                text.Append(Words[random.Next(Words.Length)]).Append(random.Next(12) == 0 ? ". " : " ");
            return text.ToString(0, size);
        }).ToArray();
    }
}
