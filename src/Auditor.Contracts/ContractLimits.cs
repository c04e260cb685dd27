namespace Auditor.Contracts;

/// <summary>The size and time limits of contract v1. The defaults are the contract's; a server may lower or raise the output size.</summary>
public sealed record ContractLimits
{
    /// <summary>Largest accepted output (and prompt), in UTF-8 bytes. Default 1 MiB.</summary>
    public int MaxOutputBytes { get; init; } = 1024 * 1024;

    /// <summary>How far ahead of the server clock occurredAt may be. Default 5 minutes.</summary>
    public TimeSpan MaxClockSkew { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How old occurredAt may be. Default 30 days.</summary>
    public TimeSpan MaxAge { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Most attribute entries.</summary>
    public const int MaxAttributes = 64;
    /// <summary>Longest attribute key.</summary>
    public const int MaxAttributeKeyLength = 100;
    /// <summary>Longest attribute value.</summary>
    public const int MaxAttributeValueLength = 1000;
    /// <summary>Longest sample id.</summary>
    public const int MaxSampleIdLength = 128;
    /// <summary>Longest model, route or deployment name.</summary>
    public const int MaxNameLength = 200;
    /// <summary>Smallest head-sampling rate: one sample stands for at most a million (volumes are scaled by 1/rate).</summary>
    public const double MinSamplingRate = 1e-6;
    /// <summary>Largest <c>params</c> object, in bytes of its JSON.</summary>
    public const int MaxParamsBytes = 64 * 1024;
    /// <summary>Deepest nesting of <c>params</c> (the object itself is level 1).</summary>
    public const int MaxParamsDepth = 32;
}
