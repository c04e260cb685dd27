using Auditor.Server.Reports;
using Auditor.Server.Store;
using Auditor.Storage;
using Auditor.Storage.Incidents;
using Auditor.Storage.Reports;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Incidents;

public static class IncidentRegistration
{
    /// <summary>Incident detection, the alert outbox and its sender, the weekly report and its scheduled run.</summary>
    public static IServiceCollection AddAuditorIncidentsAndReports(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<IncidentOptions>().Bind(configuration.GetSection(IncidentOptions.Section))
            .Validate(o => o.ScanHours >= 1 && o.BaselineHours >= 1, "Auditor:Incidents:ScanHours and BaselineHours must be at least 1.")
            .Validate(o => o.DecisionThreshold > 0 && o.RelativeIncrease > 1, "Auditor:Incidents:DecisionThreshold must be positive and RelativeIncrease above 1.")
            .ValidateOnStart();
        services.AddOptions<AlertOptions>().Bind(configuration.GetSection(AlertOptions.Section))
            .Validate(o => o.WebhookUrl is null or "" || Uri.TryCreate(o.WebhookUrl, UriKind.Absolute, out _), "Auditor:Alerts:WebhookUrl must be an absolute URL.")
            .Validate(o => o.MaxAttempts >= 1 && o.InitialBackoffSeconds > 0, "Auditor:Alerts:MaxAttempts must be at least 1 and InitialBackoffSeconds positive.")
            .ValidateOnStart();
        services.AddOptions<ReportOptions>().Bind(configuration.GetSection(ReportOptions.Section))
            .Validate(o => o.TryGetSchedule(out _), "Auditor:Reports:Day must be a day name and Auditor:Reports:Time a UTC time such as 06:00.")
            .Validate(o => o.CacheSeconds is >= 0 and <= 3600, "Auditor:Reports:CacheSeconds must be between 0 and 3600.")
            .ValidateOnStart();

        services.AddSingleton(sp =>
        {
            var alerts = sp.GetRequiredService<IOptions<AlertOptions>>().Value;
            return new AlertSettings(!string.IsNullOrWhiteSpace(alerts.WebhookUrl), alerts.PublicUrl);
        });
        services.AddSingleton<IncidentStore>();
        services.AddSingleton<IncidentSignalReader>();
        services.AddSingleton<IncidentRecorder>();
        services.AddSingleton<IncidentScanner>();
        services.AddSingleton<IncidentEvidenceReader>();
        services.AddSingleton<IncidentDetailsQuery>();
        services.AddSingleton<AlertOutbox>();
        services.AddHttpClient(AlertSender.HttpClientName);
        services.AddSingleton<AlertSender>();
        services.AddHostedService(sp => sp.GetRequiredService<AlertSender>());
        services.AddHostedService<IncidentScanJob>();

        // The report pages and API read the replica (ConnectionStrings:PostgresReplica, else the primary); the scheduled
        // run, a job whose report is stored and alerted on, reads the primary.
        services.AddSingleton(sp => new ReportDataReader(sp.GetRequiredService<ReadReplica>().Database));
        services.AddSingleton(sp => new WeeklyReportLoader(sp.GetRequiredService<ReportDataReader>(),
            new IncidentStore(sp.GetRequiredService<ReadReplica>().Database, sp.GetRequiredService<TimeProvider>()), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ReportCache>();                                // readers get a report built at most once a minute per week
        services.AddSingleton<WeeklyReportStore>();
        services.AddSingleton(sp => new WeeklyReportRun(
            new WeeklyReportLoader(new ReportDataReader(sp.GetRequiredService<AuditorDatabase>()), sp.GetRequiredService<IncidentStore>(), sp.GetRequiredService<TimeProvider>()),
            sp.GetRequiredService<WeeklyReportStore>(), sp.GetRequiredService<AlertOutbox>(), sp.GetRequiredService<IOptionsMonitor<AlertOptions>>(),
            sp.GetRequiredService<ILogger<WeeklyReportRun>>()));
        services.AddHostedService<WeeklyReportJob>();
        services.AddSingleton<WeeklyEstimateMetrics>();                      // the newest report's estimates on /metrics
        services.AddHostedService(sp => sp.GetRequiredService<WeeklyEstimateMetrics>());
        return services;
    }

    /// <summary>The incident and report APIs.</summary>
    public static IEndpointRouteBuilder MapIncidentsAndReports(this IEndpointRouteBuilder app) => app.MapIncidentApi().MapReportApi();
}
