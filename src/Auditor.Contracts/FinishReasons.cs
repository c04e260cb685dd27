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
}
