using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Auditor.Contracts.Events;
using Auditor.Review.Estimation;
using Auditor.Storage.Incidents;
using Auditor.Testing;
using Microsoft.AspNetCore.Hosting;
using MassTransit;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Auditor.Server.Tests;

/// <summary>A loopback HTTP endpoint that records every request body and answers with a chosen status.</summary>
internal sealed class LoopbackWebhook : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _loop;

    public LoopbackWebhook(HttpStatusCode status)
    {
        var port = FreePort();
        Url = $"http://127.0.0.1:{port}/hook/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(async () =>
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception) when (!_listener.IsListening)
                {
                    return;
                }
                using var reader = new StreamReader(context.Request.InputStream);
                Requests.Add((DateTime.UtcNow, context.Request.HttpMethod, context.Request.ContentType ?? "", await reader.ReadToEndAsync()));
                context.Response.StatusCode = (int)status;
                context.Response.Close();
            }
        });
    }

    public string Url { get; }

    public ConcurrentBag<(DateTime At, string Method, string ContentType, string Body)> Requests { get; } = [];

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}

/// <summary>Collects log entries at Warning and above.</summary>
internal sealed class ListLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Category, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose() { }

    private sealed class Logger(ListLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
                owner.Entries.Enqueue((logLevel, category, formatter(state, exception)));
        }
    }
}

/// <summary>Alerts: an opened incident is POSTed to the webhook as Slack-compatible JSON and published on the bus; a failing endpoint is retried with backoff, then recorded as failed and logged.</summary>
public sealed class ReportsWebhookTests
{
    private static readonly StreamKey Stream = new("llama-3.1-8b-instruct", "chat/<answer>");

    /// <summary>The app with these alert settings, and a factory over it that also collects logs.</summary>
    private static (AuditorApp Owner, WebApplicationFactory<Program> App) App(string webhookUrl, ListLoggerProvider logs)
    {
        var owner = new AuditorApp(new()
        {
        ["Auditor:Alerts:WebhookUrl"] = webhookUrl,
        ["Auditor:Alerts:PublicUrl"] = "http://auditor.example",
        ["Auditor:Alerts:PollSeconds"] = "0.1",
        ["Auditor:Alerts:InitialBackoffSeconds"] = "0.3",
        ["Auditor:Alerts:MaxAttempts"] = "4",
        ["Auditor:Alerts:TimeoutSeconds"] = "5",
        ["Auditor:Reports:Enabled"] = "false",
        });
        return (owner, owner.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(logs))));
    }

    private static HttpClient Admin(WebApplicationFactory<Program> app)
    {
        var client = app.CreateClient();
        client.DefaultRequestHeaders.Authorization = AuditorApp.Basic("admin", AuditorApp.AdminPassword);
        return client;
    }

    [Fact]
    public async Task An_opened_incident_is_posted_to_the_webhook_as_slack_json_and_published_on_the_bus()
    {
        await using var hook = new LoopbackWebhook(HttpStatusCode.OK);
        var logs = new ListLoggerProvider();
        var (owner, app) = App(hook.Url, logs);
        await using var _ = owner;
        await using var __ = app;
        var admin = Admin(app);
        var recorder = app.Services.GetRequiredService<IncidentRecorder>();
        var received = new TaskCompletionSource<IncidentOpened>(TaskCreationOptions.RunContinuationsAsynchronously);
        var endpoint = app.Services.GetRequiredService<IBus>().ConnectReceiveEndpoint($"test-incidents-{Guid.NewGuid():N}",
            e => e.Handler<IncidentOpened>(context => { received.TrySetResult(context.Message); return Task.CompletedTask; }));
        await endpoint.Ready;

        var opened = await recorder.OpenFromDriftAsync(Stream, DateTimeOffset.UtcNow.AddHours(-2), DateTimeOffset.UtcNow.AddHours(-1),
            "mean length fell 40%; distinct-2 fell 25%", default);

        Assert.True(opened.New);
        var request = await Eventually.Get(() => Task.FromResult(hook.Requests.ToArray()), r => r.Length >= 1, what: "the webhook POST");
        var (_, method, contentType, body) = Assert.Single(request);
        Assert.Equal("POST", method);
        Assert.StartsWith("application/json", contentType, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(body);
        var text = json.RootElement.GetProperty("text").GetString()!;
        Assert.Contains($"Incident #{opened.Incident.IncidentId} opened", text, StringComparison.Ordinal);
        Assert.Contains("chat/&lt;answer&gt;", text, StringComparison.Ordinal); // Slack escaping: no forged links or mentions
        Assert.Contains($"<http://auditor.example/incidents#incident-{opened.Incident.IncidentId}|Open in Auditor>", text, StringComparison.Ordinal);

        var deliveries = await Eventually.Get(() => admin.GetFromJsonAsync<JsonElement>("/api/v1/alerts"),
            d => d.EnumerateArray().Count(x => x.GetProperty("state").GetString() == "sent") == 2, what: "both deliveries sent");
        Assert.Equal(["bus", "webhook"], deliveries.EnumerateArray().Select(d => d.GetProperty("channel").GetString()).Order());
        var message = await received.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(opened.Incident.IncidentId, message.IncidentId);
        Assert.Equal("drift", message.Source);
        Assert.Equal(Stream.Route, message.Route);

        // Opening it again (the drift model firing on the next window) returns the open incident and alerts nobody twice.
        var again = await recorder.OpenFromDriftAsync(Stream, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow, "still drifting", default);
        Assert.False(again.New);
        Assert.Equal(opened.Incident.IncidentId, again.Incident.IncidentId);
        Assert.Equal(2, (await app.Services.GetRequiredService<AlertOutbox>().ListAsync(10, default)).Count);
    }

    [Fact]
    public async Task A_failing_webhook_is_retried_with_backoff_then_recorded_as_failed_and_logged()
    {
        await using var hook = new LoopbackWebhook(HttpStatusCode.InternalServerError);
        var logs = new ListLoggerProvider();
        var (owner, app) = App(hook.Url, logs);
        await using var _ = owner;
        await using var __ = app;
        var admin = Admin(app);

        var opened = await app.Services.GetRequiredService<IncidentRecorder>().OpenFromDriftAsync(Stream, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow, "shape moved", default);

        var deliveries = await Eventually.Get(() => admin.GetFromJsonAsync<JsonElement>("/api/v1/alerts"),
            d => d.EnumerateArray().Any(x => x.GetProperty("channel").GetString() == "webhook" && x.GetProperty("state").GetString() == "failed"),
            TimeSpan.FromSeconds(30), "the webhook delivery to be given up");
        var webhook = deliveries.EnumerateArray().Single(x => x.GetProperty("channel").GetString() == "webhook");
        Assert.Equal(4, webhook.GetProperty("attempts").GetInt32());
        Assert.Contains("500", webhook.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal(opened.Incident.IncidentId, webhook.GetProperty("incidentId").GetInt64());

        // Four attempts, each wait longer than the one before (0.3 s, 0.6 s, 1.2 s: exponential backoff).
        var times = hook.Requests.Select(r => r.At).Order().ToArray();
        Assert.Equal(4, times.Length);
        var gaps = times.Zip(times.Skip(1), (a, b) => (b - a).TotalSeconds).ToArray();
        Assert.True(gaps[0] >= 0.25 && gaps[1] >= 0.55 && gaps[2] >= 1.15, $"gaps: {string.Join(", ", gaps.Select(g => g.ToString("0.00")))}");
        Assert.True(gaps[2] > gaps[0], $"gaps: {string.Join(", ", gaps.Select(g => g.ToString("0.00")))}");

        // Every failed attempt was logged, the last as an error; the bus event went out regardless.
        Assert.Equal(3, logs.Entries.Count(e => e.Level == LogLevel.Warning && e.Message.Contains("retrying", StringComparison.Ordinal)));
        Assert.Contains(logs.Entries, e => e.Level == LogLevel.Error && e.Message.Contains("given up", StringComparison.Ordinal) && e.Message.Contains("500", StringComparison.Ordinal));
        Assert.Equal("sent", deliveries.EnumerateArray().Single(x => x.GetProperty("channel").GetString() == "bus").GetProperty("state").GetString());
    }
}
