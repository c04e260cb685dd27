using Auditor.Server.Accounts;
using Auditor.Server.Auditing;
using Auditor.Server.Detection;
using Auditor.Server.Drift;
using Auditor.Server.Configuration;
using Auditor.Server.Health;
using Auditor.Server.Hosting;
using Auditor.Server.Incidents;
using Auditor.Server.Ingestion;
using Auditor.Server.Pipeline;
using Auditor.Server.Rejected;
using Auditor.Server.Ingestion.LiteLlm;
using Auditor.Server.Ingestion.Otlp;
using Auditor.Server.Review;
using Auditor.Server.Samples;
using Auditor.Server.Store;
using Auditor.Server.Streams;
using Auditor.Server.Web;
using Auditor.Server.Thresholds;

var builder = WebApplication.CreateBuilder(args);
// Defaults below every other source (appsettings, environment, command line all override them): ASP.NET Core's
// per-request lines only at Warning, so a busy server's log says what matters (Logging__LogLevel__Microsoft.AspNetCore).
builder.Configuration.Sources.Insert(0, new Microsoft.Extensions.Configuration.Memory.MemoryConfigurationSource
{
    InitialData = new Dictionary<string, string?> { ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning" },
});
var options = builder.Configuration.ReadAuditorOptions();

// Where to listen: --urls or ASPNETCORE_URLS, else the documented default.
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
    builder.WebHost.UseUrls("http://localhost:5080");
// Kestrel enforces the same body limit the ingestion endpoint reports as 413.
builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = options.Ingest.MaxBodyBytes);

builder.Services.AddAuditorOptions(builder.Configuration);                 // Auditor:* settings, validated at start
builder.Services.AddAuditorStore(builder.Configuration, options);          // SQLite or PostgreSQL, migrations at start
builder.Services.AddHostedService(sp => sp.GetRequiredService<ApiKeyRing>());
builder.Services.AddSingleton<FirstStartSecrets>();                        // generated key and password: a banner and a 0600 file, not the log
builder.Services.AddSingleton<ApiKeyRing>();                               // ingestion keys (one generated if none set)
builder.Services.AddAuditorAccounts();                                     // logins: cookie for the UI, HTTP Basic for scripts; first admin
builder.Services.AddAuditorThresholds(builder.Configuration);              // threshold versions over rules/, calibration job
builder.Services.AddAuditorDetection(builder.Configuration);               // rules/ (watched), length baselines, detector registry
builder.Services.AddAuditorDrift(builder.Configuration);                   // drift.anomaly models (stored, retrained daily), window tests, alerts
builder.Services.AddAuditorPipeline(builder.Configuration, options);       // validator, consumer on the bus
builder.Services.AddAuditorPipelineMonitoring(options);                    // durable HTTP intake with back-pressure, pipeline health, /metrics
builder.Services.AddAuditorReview();                                       // review queue
builder.Services.AddAuditorRejected();                                     // rejected payloads: admin list and replay
builder.Services.AddAuditorIncidentsAndReports(builder.Configuration);   // incident scan, alert outbox + sender, weekly report and its schedule
builder.Services.AddRazorPages();                                          // the review UI (server-rendered, antiforgery on every form)
builder.Services.AddProblemDetails();                                      // RFC 7807 errors
builder.Services.AddAuditorTelemetry(builder.Configuration);               // OpenTelemetry traces and metrics, OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set

var app = builder.Build();
app.UseAuditorWebRoot();                                                   // the UI's css/js, wherever the server is started from
app.UseAuditorSecurityHeaders();
app.UseStatusCodePages();
app.UseRouting();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();
app.MapAuditorHealth();
app.MapAuditorMetrics(options);
app.MapRazorPages();
app.MapSamplesIngestion();
app.MapLiteLlmIngestion();                                                 // LiteLLM generic_api callback
app.MapOtlpTraces();                                                       // OTLP/HTTP traces: GenAI spans
app.MapSampleReads();
app.MapStreamReads();
app.MapReviewApi();
app.MapRejectedApi();
app.MapGoldApi();
app.MapThresholdApi();
app.MapIncidentsAndReports();
app.MapDriftApi();
app.Run();

/// <summary>The server's entry point, visible to WebApplicationFactory in tests.</summary>
public partial class Program;
