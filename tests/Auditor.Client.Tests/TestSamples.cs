using Auditor.Contracts;

namespace Auditor.Client.Tests;

internal static class TestSamples
{
    public static OutputSample Sample(string? finishReason = "stop", string output = "Paris is the capital of France.") => new()
    {
        SampleId = Guid.CreateVersion7().ToString(),
        OccurredAt = DateTimeOffset.UtcNow,
        Model = "llama-3.1-8b-instruct",
        Route = "client-tests",
        Output = output,
        FinishReason = finishReason,
        CompletionTokens = 7,
        MaxTokens = 256,
    };

    public static Uri RabbitMq =>
        new(Environment.GetEnvironmentVariable("AUDITOR_TEST_RABBITMQ") is { Length: > 0 } s ? s : "amqp://guest:guest@127.0.0.1:5672/");

    public static string Missing(string server, Exception ex) =>
        $"{server} is needed by this test and does not answer ({ex.Message}). Run the tests with tests/run.sh, which starts it, " +
        "or set AUDITOR_TEST_RABBITMQ to an amqp URI.";
}
