using Auditor.Detection.Drift;
using Auditor.Storage.Drift;

namespace Auditor.Server.Drift;

public static class DriftRegistration
{
    /// <summary>
    /// The drift.anomaly detector (picked up by the detector registry), its models (loaded from the store, trained on a
    /// schedule), the window sketches fed after each commit, and the monitor that tests windows and raises alerts.
    /// </summary>
    public static IServiceCollection AddAuditorDrift(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DriftOptions>().Bind(configuration.GetSection(DriftOptions.Section))
            .Validate(o => o.Alpha is > 0 and < 1, "Auditor:Drift:Alpha must be between 0 and 1.")
            .Validate(o => o.Quantile is > 0.5 and < 1, "Auditor:Drift:Quantile must be between 0.5 and 1.")
            .Validate(o => o.TrainEveryHours > 0 && o.RefreshMinutes > 0 && o.MonitorSeconds > 0, "Auditor:Drift intervals must be positive.")
            .ValidateOnStart();
        services.AddSingleton<SwappableDriftModels>();
        services.AddSingleton<DriftWindowSketches>();
        services.AddSingleton(sp => new DriftAnomalyDetector(sp.GetRequiredService<SwappableDriftModels>()));
        services.AddSingleton<DriftWindowFeed>();
        services.AddSingleton<DriftModelStore>();
        services.AddSingleton<DriftBaselineReader>();
        services.AddSingleton<DriftWindowStore>();
        services.AddSingleton<DriftAlertStore>();
        services.AddSingleton<DriftTraining>();
        services.AddSingleton<DriftModelJob>();
        services.AddHostedService(sp => sp.GetRequiredService<DriftModelJob>());
        services.AddSingleton<DriftMonitor>();
        services.AddHostedService<DriftMonitorJob>();
        return services;
    }
}
