using Auditor.Server.Configuration;
using Auditor.Storage.Review;
using Auditor.Storage.Samples;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Review;

public static class ReviewRegistration
{
    public static IServiceCollection AddAuditorReview(this IServiceCollection services)
    {
        services.AddSingleton<ReviewQueue>();
        services.AddSingleton<GoldItems>();
        services.AddSingleton<SampleSearch>();
        services.AddSingleton<ReviewSettings>();
        return services;
    }
}

/// <summary>Review settings the pages and the API share.</summary>
public sealed class ReviewSettings(IOptions<AuditorOptions> options)
{
    public TimeSpan Lease => TimeSpan.FromMinutes(options.Value.Review.LeaseMinutes);

    /// <summary>How far back "undo" reaches.</summary>
    public TimeSpan UndoWindow => TimeSpan.FromMinutes(30);

    /// <summary>Uniform items are judged blind (detector results hidden until the verdict), so the verdict is not anchored on them.</summary>
    public bool IsBlind(string stratum) => options.Value.Review.BlindUniform && stratum == "uniform";
}
