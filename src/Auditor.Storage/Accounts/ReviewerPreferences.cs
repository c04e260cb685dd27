using Dapper;

namespace Auditor.Storage.Accounts;

/// <summary>
/// A reviewer's choices about the review flow, kept with their account so they follow them to any browser. One-key
/// review (the verdict key saves and opens the next item) is on unless the reviewer switched it off.
/// </summary>
public sealed class ReviewerPreferences(AuditorDatabase database)
{
    /// <summary>Whether the account reviews with one key per item; true for an unknown name (the default).</summary>
    public async Task<bool> OneKeyReviewAsync(string name, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteScalarAsync<bool?>(new CommandDefinition(
            "SELECT one_key_review FROM users WHERE name = @name", new { name }, cancellationToken: ct)) ?? true;
    }

    /// <summary>Switches one-key review on or off for the account; false when there is no such account.</summary>
    public async Task<bool> SetOneKeyReviewAsync(string name, bool on, CancellationToken ct)
    {
        await using var c = await database.OpenAsync(ct);
        return await c.ExecuteAsync(new CommandDefinition(
            "UPDATE users SET one_key_review = @on WHERE name = @name", new { name, on }, cancellationToken: ct)) == 1;
    }
}
