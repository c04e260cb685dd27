using Auditor.Storage.Transport;

namespace Auditor.Storage.Tests;

/// <summary>The intake shard count's versions (migration 0018): the newest recorded value is the topology every server binds.</summary>
public abstract class IntakeShardCountContractTests : MigratedDatabaseTest
{
    private IntakeShardCountStore Store => new(Database, TimeProvider.System);

    [Fact]
    public async Task A_changed_count_becomes_the_newest_version_and_the_same_count_again_adds_none()
    {
        Assert.Null(await Store.NewestAsync(default));

        var first = await Store.RecordIfChangedAsync(2, "host-a pid 1", default);
        var same = await Store.RecordIfChangedAsync(2, "host-b pid 2", default);
        var changed = await Store.RecordIfChangedAsync(4, "host-b pid 2", default);
        var newest = await Store.NewestAsync(default);

        Assert.Equal((2, "host-a pid 1"), (first.Shards, first.SetBy));
        Assert.Equal(first, same); // the second process with 2 records nothing: the version stays the first one's
        Assert.Equal(changed, newest);
        Assert.Equal((4, "host-b pid 2"), (newest!.Shards, newest.SetBy));
        Assert.True(newest.VersionId > first.VersionId);
        Assert.True(newest.SetAt >= first.SetAt && newest.SetAt > DateTimeOffset.UtcNow.AddMinutes(-1));
        Assert.Equal(TimeSpan.Zero, newest.SetAt.Offset);
    }

    [Fact]
    public async Task Going_back_to_an_earlier_count_records_it_again_as_the_newest()
    {
        await Store.RecordIfChangedAsync(4, "a", default);
        await Store.RecordIfChangedAsync(0, "b", default);
        var back = await Store.RecordIfChangedAsync(4, "c", default);

        Assert.Equal((4, "c"), ((await Store.NewestAsync(default))!.Shards, back.SetBy));
    }

    [Fact]
    public async Task A_count_outside_0_to_64_is_refused_by_the_table()
    {
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => Store.RecordIfChangedAsync(65, "a", default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.RecordIfChangedAsync(-1, "a", default));
        Assert.Null(await Store.NewestAsync(default));
    }
}

public sealed class SqliteIntakeShardCountTests : IntakeShardCountContractTests
{
    protected override StoreKind Kind => StoreKind.Sqlite;
}

public sealed class PostgresIntakeShardCountTests : IntakeShardCountContractTests
{
    protected override StoreKind Kind => StoreKind.Postgres;
}
