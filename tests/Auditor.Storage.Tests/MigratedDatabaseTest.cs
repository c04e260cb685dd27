using Auditor.Testing;

namespace Auditor.Storage.Tests;

/// <summary>A fresh, migrated database of the subclass's kind for every test: each contract suite runs once per kind.</summary>
public abstract class MigratedDatabaseTest : IAsyncLifetime
{
    protected TestDatabase Test { get; private set; } = null!;

    protected AuditorDatabase Database => Test.Database;

    protected abstract StoreKind Kind { get; }

    public async Task InitializeAsync()
    {
        Test = await TestDatabase.CreateAsync(Kind);
        await Database.MigrateAsync(default);
    }

    public async Task DisposeAsync() => await Test.DisposeAsync();
}
