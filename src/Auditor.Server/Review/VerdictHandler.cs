using Auditor.Storage.Review;

namespace Auditor.Server.Review;

/// <summary>
/// How saving a verdict went: <paramref name="Problem"/> when the verdict itself is not acceptable (nothing saved),
/// else the store's <paramref name="Result"/>; once saved, the item's verdicts and whether it now waits for another
/// reviewer (a double-review item after its first verdict).
/// </summary>
public sealed record VerdictOutcome(string? Problem, SaveVerdictResult Result, IReadOnlyList<VerdictView> Verdicts, bool AwaitsAnotherReviewer)
{
    public bool Saved => Problem is null && Result == SaveVerdictResult.Saved;
}

/// <summary>
/// The one way a verdict is saved, for the JSON API and the item page alike: the verdict checked
/// (<see cref="Verdicts.Problem"/>, a note of at most <see cref="MaxNoteChars"/>), then saved by the queue, which decides
/// inside its transaction whether it was given blind (from the item's stratum as stored, not from a read made before).
/// </summary>
public sealed class VerdictHandler(ReviewQueue queue, ReviewSettings settings)
{
    public const int MaxNoteChars = 4000;

    public async Task<VerdictOutcome> SaveAsync(long itemId, string reviewer, string? verdict, string? category, string? note, CancellationToken ct)
    {
        verdict ??= "";
        category = string.IsNullOrWhiteSpace(category) ? null : category;
        note = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
        if (Verdicts.Problem(verdict, category) is { } problem)
            return new VerdictOutcome(problem, default, [], false);
        if (note is { Length: > MaxNoteChars })
            return new VerdictOutcome($"The note is longer than {MaxNoteChars} characters.", default, [], false);
        var result = await queue.SaveVerdictAsync(itemId, reviewer, verdict, category, note, settings.BlindUniform, ct);
        if (result != SaveVerdictResult.Saved)
            return new VerdictOutcome(null, result, [], false);
        var verdicts = await queue.VerdictsAsync(itemId, ct);
        var item = await queue.FindAsync(itemId, ct);
        return new VerdictOutcome(null, result, verdicts, item is not null && verdicts.Count < item.ReviewsRequired);
    }
}
