using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Auditor.Contracts.Events;
using Auditor.Storage.Incidents;
using MassTransit;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Incidents;

/// <summary>
/// Sends the alert outbox: webhook POSTs and bus events. A failed attempt is logged and retried with exponential
/// backoff; after MaxAttempts the delivery is marked failed and logged as an error, and stays in alert_deliveries
/// (GET /api/v1/alerts) with its last error. Nothing is dropped.
/// </summary>
public sealed partial class AlertSender(
    AlertOutbox outbox, IHttpClientFactory http, IBus bus, IOptionsMonitor<AlertOptions> options, TimeProvider clock, ILogger<AlertSender> logger) : BackgroundService
{
    public const string HttpClientName = "auditor-alerts";
    private readonly SemaphoreSlim _one = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SendDueAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogLoopFailed(ex);
            }
            await Task.Delay(TimeSpan.FromSeconds(Math.Max(0.1, options.CurrentValue.PollSeconds)), stoppingToken);
        }
    }

    /// <summary>Sends every due delivery once; returns how many were sent.</summary>
    public async Task<int> SendDueAsync(CancellationToken ct)
    {
        await _one.WaitAsync(ct);
        try
        {
            var config = options.CurrentValue;
            var sent = 0;
            foreach (var d in await outbox.ClaimDueAsync(50, TimeSpan.FromSeconds(config.TimeoutSeconds * 3 + 30), ct))
            {
                try
                {
                    await SendAsync(d, config, ct);
                    await outbox.MarkSentAsync(d.DeliveryId, ct);
                    sent++;
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    var attempts = d.Attempts + 1;
                    var error = $"{ex.GetType().Name}: {ex.Message}";
                    if (attempts >= config.MaxAttempts)
                    {
                        await outbox.MarkAttemptFailedAsync(d.DeliveryId, error, null, CancellationToken.None);
                        LogGaveUp(d.DeliveryId, d.Channel, d.Kind, attempts, error);
                    }
                    else
                    {
                        var retryAt = clock.GetUtcNow() + config.BackoffAfter(attempts);
                        await outbox.MarkAttemptFailedAsync(d.DeliveryId, error, retryAt, CancellationToken.None);
                        LogRetry(d.DeliveryId, d.Channel, d.Kind, attempts, retryAt, error);
                    }
                }
            }
            return sent;
        }
        finally
        {
            _one.Release();
        }
    }

    private async Task SendAsync(AlertDelivery d, AlertOptions config, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(config.TimeoutSeconds));
        switch (d.Channel)
        {
            case AlertChannels.Webhook:
                if (string.IsNullOrWhiteSpace(config.WebhookUrl))
                    throw new InvalidOperationException("No webhook URL is configured (Auditor:Alerts:WebhookUrl).");
                using (var content = new StringContent(d.Payload, Encoding.UTF8, new MediaTypeHeaderValue("application/json")))
                {
                    using var response = await http.CreateClient(HttpClientName).PostAsync(config.WebhookUrl, content, timeout.Token);
                    if (!response.IsSuccessStatusCode)
                        throw new HttpRequestException($"The webhook answered {(int)response.StatusCode} {response.ReasonPhrase}.", null, response.StatusCode);
                }
                break;
            case AlertChannels.Bus when d.Kind == AlertKinds.IncidentOpened:
                await bus.Publish(Payload<IncidentOpened>(d), timeout.Token);
                break;
            case AlertChannels.Bus when d.Kind == AlertKinds.DriftDetected:
                await bus.Publish(Payload<DriftDetected>(d), timeout.Token);
                break;
            default:
                throw new InvalidOperationException($"No sender for channel '{d.Channel}' and kind '{d.Kind}'.");
        }
    }

    private static T Payload<T>(AlertDelivery d) where T : class =>
        JsonSerializer.Deserialize<T>(d.Payload, AlertPayloads.Json) ?? throw new InvalidOperationException($"The outbox payload is not a {typeof(T).Name} event.");

    [LoggerMessage(Level = LogLevel.Warning, Message = "Alert delivery {DeliveryId} ({Channel}, {Kind}) failed on attempt {Attempts}; retrying at {RetryAt:O}: {Error}")]
    private partial void LogRetry(long deliveryId, string channel, string kind, int attempts, DateTimeOffset retryAt, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Alert delivery {DeliveryId} ({Channel}, {Kind}) failed {Attempts} times and is given up; it stays in alert_deliveries as failed: {Error}")]
    private partial void LogGaveUp(long deliveryId, string channel, string kind, int attempts, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The alert sender loop failed; it tries again at the next poll")]
    private partial void LogLoopFailed(Exception exception);
}
