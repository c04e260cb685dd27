using Auditor.Contracts.Events;
using MassTransit;

namespace Auditor.Server.Thresholds;

/// <summary>Reloads this process's thresholds when any process activates a new version.</summary>
public sealed class ThresholdsChangedConsumer(ThresholdTable table) : IConsumer<ThresholdsChanged>
{
    public Task Consume(ConsumeContext<ThresholdsChanged> context) => table.ReloadAsync(context.CancellationToken);
}

/// <summary>One temporary queue per process, so every consumer process hears every change (fan-out, not competition).</summary>
public sealed class ThresholdsChangedConsumerDefinition : ConsumerDefinition<ThresholdsChangedConsumer>
{
    public ThresholdsChangedConsumerDefinition()
    {
        Endpoint(e =>
        {
            e.Name = "auditor.thresholds-changed";
            e.InstanceId = Guid.NewGuid().ToString("N")[..12];
            e.Temporary = true;
        });
    }
}
