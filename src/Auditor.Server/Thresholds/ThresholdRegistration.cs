using Auditor.Detection;
using Auditor.Storage.Thresholds;

namespace Auditor.Server.Thresholds;

public static class ThresholdRegistration
{
    /// <summary>Threshold versions, the settings layer consumers read, reloads, and the calibration job.</summary>
    public static IServiceCollection AddAuditorThresholds(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<CalibrationOptions>().Bind(configuration.GetSection(CalibrationOptions.Section))
            .Validate(o => o.TargetPrecision is > 0 and < 1, "Auditor:Calibration:TargetPrecision must be between 0 and 1.")
            .Validate(o => o.MaxStep > 0, "Auditor:Calibration:MaxStep must be positive.")
            .Validate(o => o.Modes.Values.All(m => m is "auto" or "propose"), "Auditor:Calibration:Modes values must be auto or propose.")
            .ValidateOnStart();
        services.AddSingleton<ThresholdStore>();
        services.AddSingleton<CalibrationLabels>();
        services.AddSingleton<CalibratedDetectorSettings>();
        services.AddSingleton<ThresholdTable>();
        services.AddHostedService(sp => sp.GetRequiredService<ThresholdTable>());
        services.AddSingleton<CalibrationRun>();
        services.AddHostedService<CalibrationJob>();
        return services;
    }
}
