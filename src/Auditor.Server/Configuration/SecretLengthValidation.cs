using Microsoft.Extensions.Options;

namespace Auditor.Server.Configuration;

/// <summary>
/// Refuses to start with a configured ingestion key shorter than <see cref="MinimumApiKeyLength"/> characters, naming
/// the setting: a short key can be guessed over the network. Generated keys are far longer.
/// </summary>
public sealed class SecretLengthValidation : IValidateOptions<AuditorOptions>
{
    public const int MinimumApiKeyLength = 16;

    public ValidateOptionsResult Validate(string? name, AuditorOptions options)
    {
        var failures = options.Ingest.ApiKeys
            .Select((key, i) => (key, i))
            .Where(k => !string.IsNullOrWhiteSpace(k.key) && k.key.Length < MinimumApiKeyLength)
            .Select(k => $"Auditor:Ingest:ApiKeys:{k.i} (Auditor__Ingest__ApiKeys__{k.i}) is {k.key.Length} characters; an ingestion key must be at least {MinimumApiKeyLength}.")
            .ToList();
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>The first admin's password as configured (AUDITOR_ADMIN_PASSWORD), checked at start.</summary>
public sealed class FirstAdminOptions
{
    public string? Password { get; set; }
}
