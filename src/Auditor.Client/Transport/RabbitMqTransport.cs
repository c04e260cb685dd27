using System.Text;
using Auditor.Contracts;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Auditor.Client.Transport;

/// <summary>
/// Publishes raw JSON samples with publisher confirms. The connection recovers by itself after a broker restart
/// (RabbitMQ.Client automatic recovery, which also redeclares the topology); publishes whose confirm was lost with
/// the connection are reported for retry.
/// </summary>
internal sealed class RabbitMqTransport(AuditorPublisherOptions options, AuditorPublisherCounters counters) : ISampleTransport
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;
    private IChannel? _channel;
    private bool _topologyDeclared;

    public string Name => "rabbitmq";

    public async Task<DeliveryReport> SendAsync(IReadOnlyList<OutputSample> batch, CancellationToken cancellationToken)
    {
        var report = new DeliveryReport();
        IChannel channel;
        try
        {
            channel = await EnsureChannelAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            report.Retry.AddRange(batch);
            report.Problems.Add(new DeliveryProblem(Name, batch.Count, $"cannot reach the broker: {ex.Message}", ex));
            return report;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.ConfirmTimeout);
        var pending = new List<(OutputSample Sample, ValueTask Confirm)>(batch.Count);
        var notSent = 0;
        foreach (var sample in batch)
        {
            try
            {
                var body = Encoding.UTF8.GetBytes(OutputSampleJson.Serialize(sample));
                // mandatory: an unroutable sample (no queue bound) comes back as a failed confirm instead of vanishing.
                // The stream's routing key keeps a stream on one queue when the server shards its intake.
                var confirm = channel.BasicPublishAsync(options.Exchange, AuditorTopology.StreamRoutingKey(sample.Model, sample.Route), mandatory: true,
                    AuditorTopology.JsonMessage(sample.SampleId!), body, timeout.Token);
                counters.AddPublished(1);
                pending.Add((sample, confirm));
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                report.Retry.Add(sample);
                notSent++;
            }
        }

        string? reason = null;
        Exception? problem = null;
        foreach (var (sample, confirm) in pending)
        {
            try
            {
                await confirm.ConfigureAwait(false);
                report.Confirmed++;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                report.Retry.Add(sample);
                counters.AddUnconfirmed(1);
                problem ??= ex;
                reason ??= Describe(ex);
                // A return means no queue was bound: declare the topology again before the retry.
                if (ex is PublishException { IsReturn: true }) _topologyDeclared = false;
            }
        }
        if (notSent > 0) reason ??= "the channel closed while publishing";
        if (report.Retry.Count > 0)
            report.Problems.Add(new DeliveryProblem(Name, report.Retry.Count, reason ?? "not confirmed", problem));
        return report;
    }

    private string Describe(Exception ex) => ex switch
    {
        PublishException { IsReturn: true } => $"unroutable: no queue bound to exchange '{options.Exchange}'",
        PublishException => "the broker nacked the message",
        OperationCanceledException => $"no confirm within {options.ConfirmTimeout}",
        AlreadyClosedException or OperationInterruptedException => $"the connection or channel closed: {ex.Message}",
        _ => ex.Message,
    };

    private async Task<IChannel> EnsureChannelAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is null)
            {
                var factory = new ConnectionFactory
                {
                    Uri = options.RabbitMqUri!,
                    ClientProvidedName = options.ClientName,
                    AutomaticRecoveryEnabled = true,
                    TopologyRecoveryEnabled = true,
                    NetworkRecoveryInterval = TimeSpan.FromSeconds(2),
                };
                // Only the first connection is made here; after that, automatic recovery reconnects the same object.
                _connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
            }
            if (!_connection.IsOpen)
                throw new InvalidOperationException("the connection is down; automatic recovery is reconnecting");
            if (_channel is not { IsOpen: true })
            {
                if (_channel is not null) await _channel.DisposeAsync().ConfigureAwait(false);
                _channel = null;
                _channel = await _connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
                    cancellationToken).ConfigureAwait(false);
                _topologyDeclared = false;
            }
            if (!_topologyDeclared)
            {
                await AuditorTopology.DeclareAsync(_channel, options.Exchange, options.Queue, cancellationToken).ConfigureAwait(false);
                _topologyDeclared = true;
            }
            return _channel;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (_channel is not null) await _channel.CloseAsync().ConfigureAwait(false);
            if (_connection is not null) await _connection.CloseAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AlreadyClosedException or OperationInterruptedException or IOException)
        {
            // Closing a connection that is already gone has nothing left to do.
        }
        if (_channel is not null) await _channel.DisposeAsync().ConfigureAwait(false);
        if (_connection is not null) await _connection.DisposeAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}
