namespace Auditor.Storage.Review;

/// <summary>What a reviewer may say about an output.</summary>
public static class Verdicts
{
    public const string Ok = "ok";
    public const string Failure = "failure";
    public const string Unsure = "unsure";

    public static IReadOnlyList<string> All { get; } = [Ok, Failure, Unsure];

    /// <summary>Failure categories, in the order the UI numbers them (keys 1 to 9).</summary>
    public static IReadOnlyList<string> Categories { get; } =
        ["degeneration", "truncation", "empty", "template_leak", "wrong_language", "format_broken", "refusal", "factually_wrong", "other"];

    /// <summary>Why a verdict is not acceptable, or null when it is.</summary>
    public static string? Problem(string verdict, string? category) => verdict switch
    {
        Failure when category is null => "A failure verdict needs a category.",
        Failure when !Categories.Contains(category) => $"Unknown category '{category}'; use one of {string.Join(", ", Categories)}.",
        Ok or Unsure when category is not null => "Only a failure verdict takes a category.",
        Ok or Unsure or Failure => null,
        _ => $"Unknown verdict '{verdict}'; use ok, failure or unsure.",
    };
}

/// <summary>An item a reviewer holds, until <paramref name="LeaseExpiresAt"/>.</summary>
public sealed record ClaimedItem(long ItemId, string SampleId, string Model, string Route, string Stratum, double InclusionProbability,
    int ReviewsRequired, DateTimeOffset LeaseExpiresAt);

/// <summary>One verdict on an item.</summary>
public sealed record VerdictView(long VerdictId, string Reviewer, string Verdict, string? Category, string? Note, bool Blind, DateTimeOffset CreatedAt);

/// <summary>How saving a verdict went.</summary>
public enum SaveVerdictResult
{
    Saved,
    /// <summary>The item is not (or no longer) claimed by this reviewer: the lease expired and someone else took it.</summary>
    NotClaimedByYou,
    /// <summary>This reviewer already gave a verdict on the item.</summary>
    AlreadyReviewed,
    NotFound,
}

/// <summary>Waiting and done items of one stream and stratum; <paramref name="AwaitingSecond"/>: not done, one verdict in, waiting for another reviewer.</summary>
public sealed record QueueCell(string Model, string Route, string Stratum, long Waiting, long Claimed, long Done, long AwaitingSecond = 0);

/// <summary>
/// What a claim gave: the item (null when nothing waits in the scope); <paramref name="Resumed"/> when it is the item the
/// reviewer already held; <paramref name="ReleasedItemId"/> when an item they held outside the scope was given back.
/// </summary>
public sealed record ClaimOutcome(ClaimedItem? Item, bool Resumed, long? ReleasedItemId);

/// <summary>A reviewer's progress through a scope: items left for them, of all items in it, and those back for a second reviewer.</summary>
public sealed record ScopeProgress(long Left, long Total, long AwaitingSecond);
