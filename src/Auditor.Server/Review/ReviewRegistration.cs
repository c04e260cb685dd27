using System.Security.Claims;
using Auditor.Review.Blinding;
using Auditor.Server.Configuration;
using Auditor.Storage.Accounts;
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
        services.AddSingleton(sp => new SampleSearch(sp.GetRequiredService<Store.ReadReplica>().Database)); // may lag: the read replica when set
        services.AddSingleton<ReviewSettings>();
        services.AddSingleton<ReviewerPreferences>();
        services.AddSingleton<VerdictHandler>();
        return services;
    }
}

/// <summary>Review settings the pages and the API share.</summary>
public sealed class ReviewSettings(IOptions<AuditorOptions> options)
{
    public TimeSpan Lease => TimeSpan.FromMinutes(options.Value.Review.LeaseMinutes);

    /// <summary>How far back "undo" reaches.</summary>
    public TimeSpan UndoWindow => TimeSpan.FromMinutes(30);

    /// <summary>Whether uniform items are judged blind (configuration; the rule is <see cref="BlindReview"/>).</summary>
    public bool BlindUniform => options.Value.Review.BlindUniform;

    /// <summary>Uniform items are judged blind (detector results hidden until the verdict), so the verdict is not anchored on them.</summary>
    public bool IsBlind(string stratum) => BlindReview.IsBlind(options.Value.Review.BlindUniform, stratum);

    /// <summary>Whether this user must not see the detector results of a sample with this review item (see <see cref="BlindReview"/>).</summary>
    public bool HidesResults(ReviewItemView? item, ClaimsPrincipal user) =>
        item is not null && BlindReview.HidesResults(options.Value.Review.BlindUniform, item.Stratum, item.State,
            user.IsInRole(Roles.Admin), item.Verdicts.Any(v => v.Reviewer == user.Identity?.Name));

    /// <summary>
    /// The stratum whose undecided items this user sees blind (null: none), for a search that must leave such rows out
    /// when a filter would reveal their results; the rest of the rule (not done, no verdict of theirs) is per row.
    /// </summary>
    public string? HiddenStratumFor(ClaimsPrincipal user) =>
        !user.IsInRole(Roles.Admin) && BlindReview.IsBlind(options.Value.Review.BlindUniform, "uniform") ? "uniform" : null;

    /// <summary>The same rule for a search result row.</summary>
    public bool HidesResults(SampleListItem row, ClaimsPrincipal user) =>
        row.Stratum is not null && BlindReview.HidesResults(options.Value.Review.BlindUniform, row.Stratum, row.ItemState ?? "",
            user.IsInRole(Roles.Admin), row.DecidedByViewer);

    /// <summary>The same rule for an incident's flagged sample (listing it reveals that a detector flagged it).</summary>
    public bool HidesResults(Auditor.Storage.Incidents.EvidenceSample sample, ClaimsPrincipal user) =>
        sample.Stratum is not null && BlindReview.HidesResults(options.Value.Review.BlindUniform, sample.Stratum, sample.ItemState ?? "",
            user.IsInRole(Roles.Admin), sample.DecidedByViewer);
}
