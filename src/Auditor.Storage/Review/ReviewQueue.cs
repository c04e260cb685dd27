using System.Data.Common;
using Auditor.Review.Blinding;
using Auditor.Review.Estimation;
using Dapper;

namespace Auditor.Storage.Review;

/// <summary>
/// The review queue: claiming items with a lease (two reviewers never hold the same item; an expired lease returns
/// it), saving verdicts (an item needing two reviews goes back to the queue for a different reviewer), and undo.
/// </summary>
public sealed class ReviewQueue(AuditorDatabase database, TimeProvider clock)
{
    private const string ItemColumns = """
        item_id AS ItemId, sample_id AS SampleId, model AS Model, route AS Route, stratum AS Stratum,
        inclusion_probability AS InclusionProbability, reviews_required AS ReviewsRequired, lease_expires_at AS LeaseExpiresAt
        """;

    /// <summary>The oldest item in one stream (or the whole queue), or the one the reviewer holds; see <see cref="ClaimInScopeAsync"/>.</summary>
    public async Task<ClaimedItem?> ClaimAsync(string reviewer, TimeSpan lease, string? model, string? route, CancellationToken ct) =>
        (await ClaimInScopeAsync(reviewer, lease, new ReviewScope(model, route), ct)).Item;

    /// <summary>
    /// Gives the reviewer an item of <paramref name="scope"/>: the one they already hold there (said so by
    /// <see cref="ClaimOutcome.Resumed"/>), else the first they may review (not done, not leased to someone else, not
    /// already judged by them). An item they hold outside the scope is given back first (<see cref="ClaimOutcome.ReleasedItemId"/>):
    /// a reviewer holds one item at a time. Order: items they skipped last; then flagged-stratum items of a stream with an
    /// open incident whose sample occurred since its onset; then oldest first. The order only: what is selected for
    /// review and its weight never change, and uniform items keep their place (promoting a blind uniform item because
    /// a detector flagged it would tell the blind reviewer what the detectors said).
    /// </summary>
    public async Task<ClaimOutcome> ClaimInScopeAsync(string reviewer, TimeSpan lease, ReviewScope scope, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var c = await database.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var held = await c.QuerySingleOrDefaultAsync<ClaimRow>(new CommandDefinition(
            $"SELECT {ItemColumns} FROM review_items WHERE claimed_by = @reviewer AND state = 'claimed' AND lease_expires_at > @now ORDER BY item_id LIMIT 1",
            new { reviewer, now }, tx, cancellationToken: ct));
        long? released = null;
        if (held is not null)
        {
            var inScope = await c.ExecuteScalarAsync<long?>(new CommandDefinition(
                $"SELECT r.item_id FROM review_items r WHERE r.item_id = @ItemId AND {ReviewScope.Condition}",
                Parameters(scope, new { held.ItemId }), tx, cancellationToken: ct));
            if (inScope is not null)
            {
                await tx.CommitAsync(ct);
                return new ClaimOutcome(held.ToItem(), Resumed: true, ReleasedItemId: null);
            }
            await c.ExecuteAsync(new CommandDefinition(
                "UPDATE review_items SET state = 'pending', claimed_by = NULL, lease_expires_at = NULL WHERE item_id = @ItemId",
                new { held.ItemId }, tx, cancellationToken: ct));
            released = held.ItemId;
        }

        // SKIP LOCKED (PostgreSQL) lets concurrent reviewers pass over a row another is claiming; SQLite serializes writers.
        var sql = $"""
            UPDATE review_items SET state = 'claimed', claimed_by = @reviewer, lease_expires_at = @until
            WHERE item_id = (
                SELECT r.item_id FROM review_items r
                WHERE {Claimable} AND {ReviewScope.Condition}
                ORDER BY {ClaimOrder}
                LIMIT 1 {database.SkipLocked})
            RETURNING {ItemColumns}
            """;
        var claimed = await c.QuerySingleOrDefaultAsync<ClaimRow>(new CommandDefinition(sql,
            Parameters(scope, new { reviewer, now, until = now + lease }), tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return new ClaimOutcome(claimed?.ToItem(), Resumed: false, released);
    }

    /// <summary>
    /// How far the reviewer is through a scope: items left for them (waiting or held by them, not yet judged by them),
    /// of all items in it, and how many of those waiting are back for a second reviewer.
    /// </summary>
    public async Task<ScopeProgress> ProgressAsync(string reviewer, ReviewScope scope, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        var row = await c.QuerySingleAsync<ProgressRow>(new CommandDefinition($"""
            SELECT
                SUM(CASE WHEN (r.state = 'pending' OR (r.state = 'claimed' AND (r.lease_expires_at <= @now OR r.claimed_by = @reviewer)))
                          AND NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.item_id = r.item_id AND v.reviewer = @reviewer AND v.retracted_at IS NULL)
                         THEN 1 ELSE 0 END) AS LeftForYou,
                COUNT(*) AS Total,
                SUM(CASE WHEN r.state <> 'done' AND EXISTS (SELECT 1 FROM verdicts v WHERE v.item_id = r.item_id AND v.retracted_at IS NULL)
                         THEN 1 ELSE 0 END) AS AwaitingSecond
            FROM review_items r WHERE {ReviewScope.Condition}
            """, Parameters(scope, new { reviewer, now = clock.GetUtcNow() }), cancellationToken: ct));
        return new ScopeProgress(row.LeftForYou ?? 0, row.Total, row.AwaitingSecond ?? 0);
    }

    /// <summary>
    /// Skips an item: gives it back if the reviewer holds it, and puts it last in their own order (everyone else's is
    /// unchanged). False when there is no such item.
    /// </summary>
    public async Task<bool> SkipAsync(long itemId, string reviewer, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        if (await c.ExecuteScalarAsync<long?>(new CommandDefinition("SELECT item_id FROM review_items WHERE item_id = @itemId", new { itemId }, tx, cancellationToken: ct)) is null)
            return false;
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO review_skips (item_id, reviewer, skipped_at) VALUES (@itemId, @reviewer, @now)
            ON CONFLICT (item_id, reviewer) DO UPDATE SET skipped_at = excluded.skipped_at
            """, new { itemId, reviewer, now = clock.GetUtcNow() }, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE review_items SET state = 'pending', claimed_by = NULL, lease_expires_at = NULL WHERE item_id = @itemId AND claimed_by = @reviewer AND state = 'claimed'",
            new { itemId, reviewer }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>Deployments of samples with items still to review, for the queue page's scope choice (at most 200).</summary>
    public async Task<IReadOnlyList<string>> OpenDeploymentsAsync(CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<string>(new CommandDefinition("""
            SELECT DISTINCT s.deployment FROM review_items r JOIN samples s ON s.sample_id = r.sample_id
            WHERE r.state <> 'done' AND s.deployment IS NOT NULL ORDER BY s.deployment LIMIT 200
            """, cancellationToken: ct))).ToList();
    }

    private const string Claimable = """
        (r.state = 'pending' OR (r.state = 'claimed' AND r.lease_expires_at <= @now))
        AND NOT EXISTS (SELECT 1 FROM verdicts v WHERE v.item_id = r.item_id AND v.reviewer = @reviewer AND v.retracted_at IS NULL)
        """;

    private const string ClaimOrder = """
        CASE WHEN EXISTS (SELECT 1 FROM review_skips k WHERE k.item_id = r.item_id AND k.reviewer = @reviewer) THEN 1 ELSE 0 END,
        CASE WHEN r.stratum = 'flagged' AND EXISTS (
                SELECT 1 FROM incidents i JOIN samples s ON s.sample_id = r.sample_id
                WHERE i.status IN ('open', 'confirmed') AND i.model = r.model AND i.route = r.route AND s.occurred_at >= i.onset_at)
             THEN 0 ELSE 1 END,
        r.created_at, r.item_id
        """;

    private static DynamicParameters Parameters(ReviewScope scope, object more)
    {
        var p = new DynamicParameters(more);
        p.Add("Model", scope.Model, System.Data.DbType.String);
        p.Add("Route", scope.Route, System.Data.DbType.String);
        p.Add("Stratum", scope.Stratum, System.Data.DbType.String);
        p.Add("Deployment", scope.Deployment, System.Data.DbType.String);
        p.Add("IncidentId", scope.IncidentId, System.Data.DbType.Int64);
        return p;
    }

    /// <summary>Gives back an item the reviewer holds (its lease ends now), as if it had never been claimed.</summary>
    public async Task ReleaseAsync(long itemId, string reviewer, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE review_items SET state = 'pending', claimed_by = NULL, lease_expires_at = NULL WHERE item_id = @itemId AND claimed_by = @reviewer AND state = 'claimed'",
            new { itemId, reviewer }, cancellationToken: ct));
    }

    /// <summary>
    /// Saves a verdict on an item the reviewer holds. Validate the verdict with <see cref="Verdicts.Problem"/> first.
    /// Whether the verdict was given blind is decided here, from the item's stratum read in this transaction
    /// (<see cref="BlindReview.IsBlind"/> with <paramref name="blindUniform"/>), so it cannot disagree with the item saved.
    /// </summary>
    public async Task<SaveVerdictResult> SaveVerdictAsync(long itemId, string reviewer, string verdict, string? category, string? note, bool blindUniform, CancellationToken ct)
    {
        if (Verdicts.Problem(verdict, category) is { } problem)
            throw new ArgumentException(problem, nameof(verdict));
        var now = clock.GetUtcNow();
        await using var c = await database.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var item = await c.QuerySingleOrDefaultAsync<ItemState>(new CommandDefinition(
            $"SELECT sample_id AS SampleId, stratum AS Stratum, claimed_by AS ClaimedBy, state AS State, reviews_required AS ReviewsRequired FROM review_items WHERE item_id = @itemId {database.ForUpdate}",
            new { itemId }, tx, cancellationToken: ct));
        if (item is null)
            return SaveVerdictResult.NotFound;
        if (await ActiveVerdictsAsync(c, tx, itemId, reviewer, ct) > 0)
            return SaveVerdictResult.AlreadyReviewed;
        // An expired lease still counts as long as nobody else has taken the item meanwhile.
        if (item.ClaimedBy != reviewer || item.State != "claimed")
            return SaveVerdictResult.NotClaimedByYou;

        var blind = BlindReview.IsBlind(blindUniform, item.Stratum);
        await c.ExecuteAsync(new CommandDefinition("""
            INSERT INTO verdicts (item_id, sample_id, reviewer, verdict, category, note, blind, created_at)
            VALUES (@itemId, @SampleId, @reviewer, @verdict, @category, @note, @blind, @now)
            """, new { itemId, item.SampleId, reviewer, verdict, category, note = string.IsNullOrWhiteSpace(note) ? null : note, blind, now }, tx, cancellationToken: ct));
        var count = await ActiveVerdictsAsync(c, tx, itemId, null, ct);
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE review_items SET state = @state, claimed_by = NULL, lease_expires_at = NULL WHERE item_id = @itemId",
            new { itemId, state = count >= item.ReviewsRequired ? "done" : "pending" }, tx, cancellationToken: ct));
        await ReviewTallies.ResettleAsync(database, c, tx, itemId, ct);
        await tx.CommitAsync(ct);
        return SaveVerdictResult.Saved;
    }

    /// <summary>
    /// Takes back the reviewer's latest verdict (within <paramref name="window"/>) and hands its item back to them.
    /// Returns the item id, or null when there is nothing to undo or another reviewer holds the item now.
    /// </summary>
    public async Task<long?> UndoLastVerdictAsync(string reviewer, TimeSpan window, TimeSpan lease, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        await using var c = await database.OpenAsync(ct);
        await using var tx = await c.BeginTransactionAsync(ct);
        var last = await c.QuerySingleOrDefaultAsync<LastVerdict>(new CommandDefinition("""
            SELECT v.verdict_id AS VerdictId, v.item_id AS ItemId, r.claimed_by AS ClaimedBy, r.lease_expires_at AS LeaseExpiresAt
            FROM verdicts v JOIN review_items r ON r.item_id = v.item_id
            WHERE v.reviewer = @reviewer AND v.retracted_at IS NULL AND v.created_at >= @since
            ORDER BY v.created_at DESC, v.verdict_id DESC LIMIT 1
            """, new { reviewer, since = now - window }, tx, cancellationToken: ct));
        if (last is null || (last.ClaimedBy is not null && last.ClaimedBy != reviewer && last.LeaseExpiresAt > now))
            return null;
        await c.ExecuteAsync(new CommandDefinition("UPDATE verdicts SET retracted_at = @now WHERE verdict_id = @VerdictId",
            new { now, last.VerdictId }, tx, cancellationToken: ct));
        await c.ExecuteAsync(new CommandDefinition(
            "UPDATE review_items SET state = 'claimed', claimed_by = @reviewer, lease_expires_at = @until WHERE item_id = @ItemId",
            new { reviewer, until = now + lease, last.ItemId }, tx, cancellationToken: ct));
        // The item is no longer done: it leaves its settled verdict's tally for the pending one until it is judged again.
        await ReviewTallies.ResettleAsync(database, c, tx, last.ItemId, ct);
        await tx.CommitAsync(ct);
        return last.ItemId;
    }

    /// <summary>The item, whoever holds it (its lease time is that of the last claim, if any).</summary>
    public async Task<ClaimedItem?> FindAsync(long itemId, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QuerySingleOrDefaultAsync<ClaimRow>(new CommandDefinition(
            $"SELECT {ItemColumns} FROM review_items WHERE item_id = @itemId", new { itemId }, cancellationToken: ct)))?.ToItem();
    }

    /// <summary>The item if this reviewer holds it now.</summary>
    public async Task<ClaimedItem?> HeldByAsync(long itemId, string reviewer, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QuerySingleOrDefaultAsync<ClaimRow>(new CommandDefinition(
            $"SELECT {ItemColumns} FROM review_items WHERE item_id = @itemId AND claimed_by = @reviewer AND state = 'claimed'",
            new { itemId, reviewer }, cancellationToken: ct)))?.ToItem();
    }

    public async Task<IReadOnlyList<VerdictView>> VerdictsAsync(long itemId, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return (await c.QueryAsync<VerdictRow>(new CommandDefinition(Samples.SampleReader.VerdictsSql, new { ItemId = itemId }, cancellationToken: ct)))
            .Select(v => v.ToView()).ToList();
    }

    /// <summary>Items per stream and stratum: waiting (nobody holds them), claimed (leased now), done, and of the waiting ones those back for a second reviewer.</summary>
    public async Task<IReadOnlyList<QueueCell>> SummaryAsync(CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        // Read through a settable row: with no items SQLite cannot type the SUM columns, and Dapper's record
        // constructor match then fails (the queue page answered 500 on a fresh install).
        return (await c.QueryAsync<QueueCellRow>(new CommandDefinition("""
            SELECT model AS Model, route AS Route, stratum AS Stratum,
                   SUM(CASE WHEN state = 'pending' OR (state = 'claimed' AND lease_expires_at <= @now) THEN 1 ELSE 0 END) AS Waiting,
                   SUM(CASE WHEN state = 'claimed' AND lease_expires_at > @now THEN 1 ELSE 0 END) AS Claimed,
                   SUM(CASE WHEN state = 'done' THEN 1 ELSE 0 END) AS Done,
                   SUM(CASE WHEN (state = 'pending' OR (state = 'claimed' AND lease_expires_at <= @now))
                             AND EXISTS (SELECT 1 FROM verdicts v WHERE v.item_id = r.item_id AND v.retracted_at IS NULL) THEN 1 ELSE 0 END) AS AwaitingSecond
            FROM review_items r GROUP BY model, route, stratum ORDER BY model, route, stratum
            """, new { now = clock.GetUtcNow() }, cancellationToken: ct))).Select(r => new QueueCell(r.Model, r.Route, r.Stratum, r.Waiting, r.Claimed, r.Done, r.AwaitingSecond)).ToList();
    }

    /// <summary>How many verdicts the reviewer has given since <paramref name="since"/> (undone ones excluded).</summary>
    public async Task<long> VerdictCountAsync(string reviewer, DateTimeOffset since, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM verdicts WHERE reviewer = @reviewer AND created_at >= @since AND retracted_at IS NULL",
            new { reviewer, since }, cancellationToken: ct));
    }

    /// <summary>
    /// Reviewer agreement's rated pairs over all time, counted: the weekly agreement tallies (migration 0017, kept by every
    /// verdict save, undo and re-review through <see cref="ReviewerTallies"/>) summed over their weeks. Each item counts
    /// the pairs <see cref="ReviewerAgreementEstimator.PairsOf"/> gives its standing verdicts, so the estimator's figures
    /// are those it gives from every standing verdict of the double-reviewed items read one by one, while the read
    /// follows reviewer pairs x verdict combinations (at most 9 rows a pair), not verdicts. Like the report's, the
    /// tallies outlive retention: a week whose items and verdicts were dropped still counts (ADR 0017).
    /// </summary>
    public async Task<IReadOnlyList<RatedPair>> AgreementPairsAsync(CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await ReviewerTallies.SummedPairsAsync(c, weeks: null, ct);
    }

    private static Task<long> ActiveVerdictsAsync(DbConnection c, DbTransaction tx, long itemId, string? reviewer, CancellationToken ct) =>
        c.ExecuteScalarAsync<long>(new CommandDefinition(
            "SELECT COUNT(*) FROM verdicts WHERE item_id = @itemId AND retracted_at IS NULL AND (@reviewer IS NULL OR reviewer = @reviewer)",
            new { itemId, reviewer }, tx, cancellationToken: ct));

    private sealed class ClaimRow
    {
        public long ItemId { get; set; }
        public string SampleId { get; set; } = "";
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public string Stratum { get; set; } = "";
        public double InclusionProbability { get; set; }
        public int ReviewsRequired { get; set; }
        public DateTimeOffset? LeaseExpiresAt { get; set; }

        public ClaimedItem ToItem() => new(ItemId, SampleId, Model, Route, Stratum, InclusionProbability, ReviewsRequired, LeaseExpiresAt ?? DateTimeOffset.MinValue);
    }

    private sealed class ProgressRow
    {
        public long? LeftForYou { get; set; }
        public long Total { get; set; }
        public long? AwaitingSecond { get; set; }
    }

    private sealed class QueueCellRow
    {
        public string Model { get; set; } = "";
        public string Route { get; set; } = "";
        public string Stratum { get; set; } = "";
        public long Waiting { get; set; }
        public long Claimed { get; set; }
        public long Done { get; set; }
        public long AwaitingSecond { get; set; }
    }

    private sealed class ItemState
    {
        public string SampleId { get; set; } = "";
        public string Stratum { get; set; } = "";
        public string? ClaimedBy { get; set; }
        public string State { get; set; } = "";
        public int ReviewsRequired { get; set; }
    }

    private sealed class LastVerdict
    {
        public long VerdictId { get; set; }
        public long ItemId { get; set; }
        public string? ClaimedBy { get; set; }
        public DateTimeOffset? LeaseExpiresAt { get; set; }
    }

    internal sealed class VerdictRow
    {
        public long VerdictId { get; set; }
        public string Reviewer { get; set; } = "";
        public string Verdict { get; set; } = "";
        public string? Category { get; set; }
        public string? Note { get; set; }
        public bool Blind { get; set; }
        public DateTimeOffset CreatedAt { get; set; }

        public VerdictView ToView() => new(VerdictId, Reviewer, Verdict, Category, Note, Blind, CreatedAt);
    }
}
