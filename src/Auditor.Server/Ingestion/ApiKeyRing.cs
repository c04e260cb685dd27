using Auditor.Server.Configuration;
using Auditor.Server.Hosting;
using Auditor.Storage.Keys;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Ingestion;

/// <summary>
/// The ingestion keys in force: those configured (Auditor:Ingest:ApiKeys) and, when none is configured, one the
/// server generated at its first start (stored hashed, printed once). Keys are compared by SHA-256 hash.
/// </summary>
public sealed partial class ApiKeyRing(IOptions<AuditorOptions> options, ApiKeyStore store, FirstStartSecrets secrets, ILogger<ApiKeyRing> logger) : IHostedService
{
    public const string Header = "X-Api-Key";

    private volatile IReadOnlySet<string> _hashes = new HashSet<string>();

    public bool Accepts(string? key) => !string.IsNullOrEmpty(key) && _hashes.Contains(ApiKeyStore.Hash(key));

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var configured = options.Value.Ingest.ApiKeys.Where(k => !string.IsNullOrWhiteSpace(k)).Select(ApiKeyStore.Hash).ToHashSet(StringComparer.Ordinal);
        if (configured.Count == 0 && !await store.AnyAsync(cancellationToken))
        {
            var key = await store.CreateAsync("generated at first start", cancellationToken);
            secrets.Record($"ingestion API key (send it as {Header}): {key}", "Set Auditor__Ingest__ApiKeys__0 to choose your own.");
            LogGenerated(secrets.FilePath);
        }
        else if (configured.Count == 0)
        {
            LogUsingGenerated();
        }
        configured.UnionWith(await store.HashesAsync(cancellationToken));
        _hashes = configured;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "No ingestion API key is configured; generated one, printed on standard output and written to {File}. Set Auditor__Ingest__ApiKeys__0 to choose your own.")]
    private partial void LogGenerated(string file);

    [LoggerMessage(Level = LogLevel.Information, Message = "Using the ingestion API key generated at first start (set Auditor__Ingest__ApiKeys__0 to choose your own).")]
    private partial void LogUsingGenerated();
}

/// <summary>Endpoint filter: 401 problem details unless the request carries an accepted X-Api-Key.</summary>
public sealed class RequireApiKey(ApiKeyRing keys) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var key = context.HttpContext.Request.Headers[ApiKeyRing.Header].ToString();
        if (!keys.Accepts(key))
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Missing or unknown API key",
                detail: $"Send a valid key in the {ApiKeyRing.Header} header.");
        return await next(context);
    }
}
