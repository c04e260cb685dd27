using Auditor.Contracts;

namespace Auditor.Testing;

/// <summary>Valid samples to start tests from; tests change one field with `with`.</summary>
public static class TestSamples
{
    public static OutputSample Valid(string? id = null, string output = "The capital of France is Paris.") => new()
    {
        SampleId = id ?? Guid.NewGuid().ToString("N"),
        OccurredAt = DateTimeOffset.UtcNow.AddMinutes(-1),
        Model = "llama-3.1-8b-instruct",
        Route = "chat/answer",
        Deployment = "h100-fp8",
        Prompt = "What is the capital of France?",
        Output = output,
        FinishReason = "stop",
        CompletionTokens = 9,
        MaxTokens = 256,
    };
}
