using Auditor.Detection;
using Auditor.Detection.Length;
using Auditor.Detection.Rules;
using Auditor.Review.Routing;
using Auditor.Storage.Baselines;

namespace Auditor.Server.Detection;

public static class DetectionRegistration
{
    /// <summary>rules/ (watched, reloaded on change), length baselines (refreshed from the store), and the detector registry.</summary>
    public static IServiceCollection AddAuditorDetection(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(sp => new RulesWatcher(RulesFolder.Resolve(configuration["Auditor:Rules:Path"]),
            detectorNames: DetectorRegistry.All().Select(d => d.Name).Append(Auditor.Detection.Drift.DriftAnomalyDetector.DetectorName).ToList(), clock: sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<SwappableStreamBaselines>();
        services.AddSingleton(sp => DetectorRegistry.FromRules(sp.GetRequiredService<RulesWatcher>(),
            sp.GetRequiredService<SwappableStreamBaselines>(), sp.GetRequiredService<CalibratedDetectorSettings>(), extra: sp.GetService<Auditor.Detection.Drift.DriftAnomalyDetector>() is { } drift ? [drift] : null));
        services.AddSingleton<IReviewFractionsSource, StreamReviewFractions>();
        services.AddSingleton<UniformLengthReader>();
        services.AddHostedService<RulesLogging>();
        services.AddHostedService<LengthBaselineJob>();
        services.AddHealthChecks().AddCheck<RulesHealthCheck>("rules", tags: ["ready"]);
        return services;
    }
}

/// <summary>Where rules/ is: Auditor:Rules:Path (default "rules") in the working folder, else the copy beside the server.</summary>
public static class RulesFolder
{
    public static string Resolve(string? configured)
    {
        var path = string.IsNullOrWhiteSpace(configured) ? "rules" : configured;
        if (Path.IsPathRooted(path) || Directory.Exists(path))
            return Path.GetFullPath(path);
        var besideServer = Path.Combine(AppContext.BaseDirectory, path);
        return Directory.Exists(besideServer) ? besideServer : Path.GetFullPath(path);
    }
}
