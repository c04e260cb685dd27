using Auditor.Storage.Rejected;

namespace Auditor.Server.Rejected;

public static class RejectedRegistration
{
    public static IServiceCollection AddAuditorRejected(this IServiceCollection services)
    {
        services.AddSingleton<RejectedSampleReader>();
        services.AddSingleton<RejectedReplay>();
        return services;
    }
}
