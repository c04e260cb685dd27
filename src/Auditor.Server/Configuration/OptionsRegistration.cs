
namespace Auditor.Server.Configuration;

public static class OptionsRegistration
{
    /// <summary>Binds the Auditor section and refuses to start on values that make no sense, saying which.</summary>
    public static IServiceCollection AddAuditorOptions(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<AuditorOptions>()
            .Bind(configuration.GetSection(AuditorOptions.Section))
            .Validate(o => o.Review.UniformFraction is >= 0 and <= 1, "Auditor:Review:UniformFraction must be between 0 and 1.")
            .Validate(o => o.Review.FlaggedFraction is >= 0 and <= 1, "Auditor:Review:FlaggedFraction must be between 0 and 1.")
            .Validate(o => o.Review.DoubleReviewFraction is >= 0 and <= 1, "Auditor:Review:DoubleReviewFraction must be between 0 and 1.")
            .Validate(o => o.Review.LeaseMinutes is > 0 and <= 24 * 60, "Auditor:Review:LeaseMinutes must be between 1 and 1440.")
            .Validate(o => o.Ingest.MaxBodyBytes > 0, "Auditor:Ingest:MaxBodyBytes must be positive.")
            .Validate(o => o.Ingest.MaxOutputBytes > 0, "Auditor:Ingest:MaxOutputBytes must be positive.")
            .Validate(o => o.Consumer.BatchSize is > 0 and <= 10_000, "Auditor:Consumer:BatchSize must be between 1 and 10000.")
            .Validate(o => o.Consumer.ConcurrentBatches is > 0 and <= 64, "Auditor:Consumer:ConcurrentBatches must be between 1 and 64.")
            .Validate(o => o.Consumer.AckWindowMs is >= 0 and <= 1000, "Auditor:Consumer:AckWindowMs must be between 0 (one ack per message) and 1000.")
            .Validate(o => o.Pipeline.StallSeconds is > 0 and <= 86_400, "Auditor:Pipeline:StallSeconds must be between 1 and 86400.")
            .Validate(o => o.Pipeline.MaxPendingSamples > 0, "Auditor:Pipeline:MaxPendingSamples must be positive.")
            .Validate(o => o.Pipeline.MaxPendingBytes > 0, "Auditor:Pipeline:MaxPendingBytes must be positive.")
            .Validate(o => o.Pipeline.AcceptTimeoutSeconds > 0, "Auditor:Pipeline:AcceptTimeoutSeconds must be positive.")
            .Validate(o => o.Pipeline.FailedBatchesUnhealthy > 0, "Auditor:Pipeline:FailedBatchesUnhealthy must be positive.")
            .Validate(o => o.Pipeline.RejectionSpikeShare is > 0 and <= 1, "Auditor:Pipeline:RejectionSpikeShare must be in (0, 1].")
            .Validate(o => o.Metrics.MaxStreams is >= 0 and <= 10_000, "Auditor:Metrics:MaxStreams must be between 0 and 10000.")
            .ValidateOnStart();
        services.AddSingleton<Microsoft.Extensions.Options.IValidateOptions<AuditorOptions>, SecretLengthValidation>(); // short ingestion keys
        services.AddOptions<FirstAdminOptions>()
            .Configure(o => o.Password = configuration[Accounts.FirstAdminService.PasswordVariable])
            .Validate(o => string.IsNullOrEmpty(o.Password) || o.Password.Length >= Accounts.PasswordCheck.MinimumLength,
                $"{Accounts.FirstAdminService.PasswordVariable} is shorter than {Accounts.PasswordCheck.MinimumLength} characters: set a longer admin password, or unset it to have one generated.")
            .ValidateOnStart();
        services.AddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>Reads the options before the container exists (transport and store choice shape the registrations).</summary>
    public static AuditorOptions ReadAuditorOptions(this IConfiguration configuration)
    {
        var options = new AuditorOptions();
        configuration.GetSection(AuditorOptions.Section).Bind(options);
        return options;
    }
}
