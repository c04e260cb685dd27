using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Auditor.Client.Tests;

/// <summary>
/// A small in-process stand-in for POST /api/v1/samples on 127.0.0.1, answering as docs/contract.md documents:
/// 401 without the key, 413 past <see cref="MaxSamplesPerRequest"/>, 503 for the first <see cref="FailFirst"/>
/// requests, else 202 {accepted, rejected[index, sampleId, errors]} rejecting samples whose output is "REJECT ME".
/// </summary>
internal sealed class FakeAuditorServer : IAsyncDisposable
{
    public const string ApiKey = "test-key";
    private readonly WebApplication _app;
    private int _failFirst;

    private FakeAuditorServer(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;
    public int MaxSamplesPerRequest { get; init; } = int.MaxValue;
    public int FailFirst { get => _failFirst; init => _failFirst = value; }
    public ConcurrentQueue<(string? ContentType, JsonElement Body)> Requests { get; } = new();
    public ConcurrentBag<string> AcceptedIds { get; } = [];

    public static async Task<FakeAuditorServer> StartAsync(int port = 0, int maxSamplesPerRequest = int.MaxValue, int failFirst = 0)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new FakeAuditorServer(app) { MaxSamplesPerRequest = maxSamplesPerRequest, FailFirst = failFirst };
        app.MapPost("/api/v1/samples", server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address + "/");
        return server;
    }

    private async Task<IResult> HandleAsync(HttpRequest request)
    {
        if (request.Headers["X-Api-Key"] != ApiKey)
            return Results.Problem(statusCode: 401, title: "Missing or unknown API key");
        using var doc = await JsonDocument.ParseAsync(request.Body);
        var body = doc.RootElement.Clone();
        Requests.Enqueue((request.ContentType, body));
        if (Interlocked.Decrement(ref _failFirst) >= 0)
            return Results.Problem(statusCode: 503, title: "Unavailable");
        if (body.ValueKind == JsonValueKind.Array && body.GetArrayLength() > MaxSamplesPerRequest)
            return Results.Problem(statusCode: 413, title: "Request body too large");

        var items = body.ValueKind == JsonValueKind.Array ? body.EnumerateArray().ToList() : [body];
        var rejected = new List<object>();
        var accepted = 0;
        for (var i = 0; i < items.Count; i++)
        {
            var id = items[i].GetProperty("sampleId").GetString()!;
            if (items[i].GetProperty("output").GetString() == "REJECT ME")
                rejected.Add(new { index = i, sampleId = id, errors = new[] { new { field = "output", rule = "test.reject", message = "rejected by the test" } } });
            else
            {
                accepted++;
                AcceptedIds.Add(id);
            }
        }
        return Results.Json(new { accepted, rejected }, statusCode: 202);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
