using Auditor.Storage.Thresholds;

namespace Auditor.Storage.Tests;

public abstract class ThresholdStoreContractTests : MigratedDatabaseTest
{
    private ThresholdStore Store => new(Database, TimeProvider.System);

    private static NewThresholdVersion V(double t, string by = "calibration job") => new("truncation", "m", "r", t, by, "because", new { labels = 60 });

    [Fact]
    public async Task A_new_active_version_supersedes_the_previous_one_and_every_version_is_kept()
    {
        await Store.ActivateAsync(V(1.0), default);
        var second = await Store.ActivateAsync(V(0.9), default);

        var active = Assert.Single(await Store.ActiveAsync(default));
        Assert.Equal((second.VersionId, 0.9), (active.VersionId, active.Threshold));
        var history = await Store.HistoryAsync(10, default);
        Assert.Equal(["active", "superseded"], history.Select(v => v.Status));
        Assert.Equal(60, System.Text.Json.JsonDocument.Parse(history[0].Evidence!).RootElement.GetProperty("labels").GetInt32());
    }

    [Fact]
    public async Task A_proposal_takes_effect_only_when_approved()
    {
        await Store.ActivateAsync(V(1.0), default);
        var proposal = await Store.ProposeAsync(V(0.8), default);

        Assert.Equal(1.0, Assert.Single(await Store.ActiveAsync(default)).Threshold);
        var approved = await Store.ApproveAsync(proposal.VersionId, "ana", default);

        Assert.Equal(("active", 0.8), (approved!.Status, approved.Threshold));
        Assert.EndsWith("Approved by ana.", approved.Reason, StringComparison.Ordinal);
        Assert.Null(await Store.ApproveAsync(proposal.VersionId, "ana", default));
    }

    [Fact]
    public async Task A_newer_proposal_replaces_a_pending_one_and_rejection_leaves_the_active_version()
    {
        await Store.ActivateAsync(V(1.0), default);
        var first = await Store.ProposeAsync(V(0.8), default);
        var second = await Store.ProposeAsync(V(0.85), default);

        Assert.Equal("superseded", (await Store.FindAsync(first.VersionId, default))!.Status);
        Assert.True(await Store.RejectAsync(second.VersionId, default));
        Assert.Equal(1.0, Assert.Single(await Store.ActiveAsync(default)).Threshold);
    }

    [Fact]
    public async Task A_pin_stays_with_the_stream_when_an_admin_replaces_its_version()
    {
        await Store.ActivateAsync(V(1.0), default);
        Assert.True(await Store.PinAsync("truncation", "m", "r", true, default));

        var replaced = await Store.ActivateAsync(V(0.7, "admin ana"), default);

        Assert.True(replaced.Pinned);
        Assert.False(await Store.PinAsync("truncation", "m", "other", true, default));
    }
}

public sealed class SqliteThresholdStoreTests : ThresholdStoreContractTests
{
    protected override StoreKind Kind => StoreKind.Sqlite;
}

public sealed class PostgresThresholdStoreTests : ThresholdStoreContractTests
{
    protected override StoreKind Kind => StoreKind.Postgres;
}
