namespace Auditor.Contracts;

/// <summary>The finish reasons the contract accepts. Publishers map provider-specific values onto these.</summary>
public static class FinishReasons
{
    /// <summary>The model ended its answer.</summary>
    public const string Stop = "stop";
    /// <summary>Generation hit the token limit: the output is cut off.</summary>
    public const string Length = "length";
    /// <summary>A content filter ended generation.</summary>
    public const string ContentFilter = "content_filter";
    /// <summary>The model stopped to call tools.</summary>
    public const string ToolCalls = "tool_calls";
    /// <summary>The serving stack reported an error.</summary>
    public const string Error = "error";
    /// <summary>Any other reason.</summary>
    public const string Other = "other";

    /// <summary>All accepted values.</summary>
    public static IReadOnlyList<string> All { get; } = [Stop, Length, ContentFilter, ToolCalls, Error, Other];

    /// <summary>
    /// Maps a provider's or serving engine's finish reason onto the contract's set (case-insensitive): stop, eos,
    /// eos_token, stop_sequence, end_turn -> stop; length, max_tokens, model_length -> length; content_filter, safety ->
    /// content_filter; tool_calls, function_call, tool_use -> tool_calls; error, abort -> error; anything else -> other,
    /// never dropped. Null or empty stays null.
    /// </summary>
    public static string? Map(string? providerReason) => providerReason?.ToLowerInvariant() switch
    {
        null or "" => null,
        "stop" or "eos" or "eos_token" or "stop_sequence" or "end_turn" => Stop,
        "length" or "max_tokens" or "model_length" => Length,
        "content_filter" or "safety" => ContentFilter,
        "tool_calls" or "function_call" or "tool_use" => ToolCalls,
        "error" or "abort" => Error,
        _ => Other,
    };
}
