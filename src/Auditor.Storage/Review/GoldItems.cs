using Dapper;

namespace Auditor.Storage.Review;

/// <summary>A sample whose verdict an admin knows.</summary>
public sealed record GoldItem(string SampleId, string Verdict, string? Category, string AddedBy, DateTimeOffset AddedAt);

public enum AddGoldResult
{
    Added,
    Replaced,
    UnknownSample,
}

/// <summary>
/// Gold items (migration 0009): an admin records the known verdict of a stored sample. Reviewers meet the sample through
/// its ordinary review item, blind; the gold verdict is shown to no reviewer and enters no rate. It only measures reviewers.
/// </summary>
public sealed class GoldItems(AuditorDatabase database, TimeProvider clock)
{
    public async Task<AddGoldResult> AddAsync(string sampleId, string verdict, string? category, string addedBy, CancellationToken ct)
    {
        if (verdict == Verdicts.Unsure)
            throw new ArgumentException("A gold verdict is ok or failure, never unsure.", nameof(verdict));
        if (Verdicts.Problem(verdict, category) is { } problem)
            throw new ArgumentException(problem, nameof(verdict));
        await using var c = await database.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        if (await c.ExecuteScalarAsync<long>(new CommandDefinition("SELECT COUNT(*) FROM samples WHERE sample_id = @sampleId", new { sampleId }, tx, cancellationToken: ct)) == 0)
            return AddGoldResult.UnknownSample;
        var replaced = await c.ExecuteAsync(new CommandDefinition("DELETE FROM gold_items WHERE sample_id = @sampleId", new { sampleId }, tx, cancellationToken: ct)) > 0;
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO gold_items (sample_id, verdict, category, added_by, added_at) VALUES (@sampleId, @verdict, @category, @addedBy, @now)
            """, new { sampleId, verdict, category, addedBy, now = clock.GetUtcNow() }, tx, cancellationToken: ct));
        // A gold verdict is the reference for every verdict on its sample: the sample's items are counted again for accuracy.
        await ReviewerTallies.ResettleSampleAsync(database, c, tx, sampleId, ct);
        await tx.CommitAsync(ct);
        return replaced ? AddGoldResult.Replaced : AddGoldResult.Added;
    }

    public async Task<IReadOnlyList<GoldItem>> ListAsync(int limit, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<GoldItem>(new CommandDefinition("""
            SELECT sample_id AS SampleId, verdict AS Verdict, category AS Category, added_by AS AddedBy, added_at AS AddedAt
            FROM gold_items ORDER BY added_at DESC, sample_id LIMIT @limit
            """, new { limit }, cancellationToken: ct))).ToList();
    }
}
