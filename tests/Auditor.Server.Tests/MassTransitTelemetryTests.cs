using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Tests;

/// <summary>The server calls no outside host it was not configured to: MassTransit's usage telemetry is off unless asked for.</summary>
public sealed class MassTransitTelemetryTests
{
    [Fact]
    public async Task Usage_telemetry_is_off_with_the_default_settings()
    {
        await using var app = new AuditorApp();
        Assert.False(app.Services.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value.Enabled);
    }

    [Fact]
    public async Task Usage_telemetry_is_on_only_when_configured()
    {
        await using var app = new AuditorApp(new() { ["Auditor:MassTransitUsageTelemetry"] = "true" });
        Assert.True(app.Services.GetRequiredService<IOptions<UsageTelemetryOptions>>().Value.Enabled);
    }
}
