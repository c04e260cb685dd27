namespace Auditor.Detection.Features;

/// <summary>
/// The feature vector of one output, built in one pass by <see cref="FeatureExtractor"/>.
/// Stored as JSON for uniform-stratum samples: baselines and the drift model are trained on it.
/// </summary>
public sealed record OutputFeatures
{
    /// <summary>Length in UTF-16 characters (the unit of evidence offsets).</summary>
    public int CharLength { get; init; }

    /// <summary>Length in UTF-8 bytes.</summary>
    public int Utf8Bytes { get; init; }

    /// <summary>Characters that are not white space.</summary>
    public int NonWhitespaceChars { get; init; }

    /// <summary>Offset of the first and last non-white-space character, or -1 when there is none.</summary>
    public int FirstNonWhitespace { get; init; } = -1;
    public int LastNonWhitespace { get; init; } = -1;

    /// <summary>The publisher said generation stopped at the token limit.</summary>
    public bool FinishedByLength { get; init; }

    /// <summary>completionTokens / maxTokens when both are known and maxTokens &gt; 0.</summary>
    public double? TokenBudgetUsed { get; init; }

    public bool IsBlank => NonWhitespaceChars == 0;
}
