using System.Globalization;
using Auditor.Contracts;

namespace Auditor.Storage.Review;

/// <summary>
/// Which part of the queue a reviewer works through: a stream (model, route), a stratum, a deployment, an incident,
/// or any mix of them; every part left null matches everything. The claim API, the queue page and the item page all
/// take it, so "next" stays in the scope the reviewer chose.
/// </summary>
public sealed record ReviewScope(string? Model = null, string? Route = null, string? Stratum = null, string? Deployment = null, long? IncidentId = null)
{
    /// <summary>The longest model, route or deployment name a sample can have (the wire contract's limit).</summary>
    public const int MaxNameLength = 200;

    public static ReviewScope All { get; } = new();

    /// <summary>A scope from request values: empty strings mean "any".</summary>
    public static ReviewScope Of(string? model, string? route, string? stratum, string? deployment, long? incidentId) =>
        new(Blank(model), Blank(route), Blank(stratum), Blank(deployment), incidentId);

    public bool IsAll => this == All;

    /// <summary>Why this scope cannot be used (the parameter and the rule it breaks), or null when it can.</summary>
    public string? Problem() =>
        NameProblem("model", Model) ?? NameProblem("route", Route) ?? NameProblem("deployment", Deployment)
        ?? (Stratum is null or "uniform" or "flagged" ? null : $"stratum must be 'uniform' or 'flagged', not '{Printable(Stratum)}'.")
        ?? (IncidentId is null or > 0 ? null : "incident must be a positive incident number.");

    /// <summary>The scope in words for the pages: "support-model / answer, flagged, deployment h100-fp8-v2, incident #3".</summary>
    public string Describe()
    {
        if (IsAll)
            return "the whole queue";
        var parts = new List<string>(4);
        if (Model is not null || Route is not null)
            parts.Add($"{Model ?? "any model"} / {Route ?? "any route"}");
        if (Stratum is not null)
            parts.Add(Stratum);
        if (Deployment is not null)
            parts.Add($"deployment {Deployment}");
        if (IncidentId is { } id)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"incident #{id}"));
        return string.Join(", ", parts);
    }

    /// <summary>The scope as query values for links and forms (only the parts that are set).</summary>
    public IReadOnlyDictionary<string, string> ToQuery()
    {
        var query = new Dictionary<string, string>(5);
        if (Model is not null) query["model"] = Model;
        if (Route is not null) query["route"] = Route;
        if (Stratum is not null) query["stratum"] = Stratum;
        if (Deployment is not null) query["deployment"] = Deployment;
        if (IncidentId is { } id) query["incident"] = id.ToString(CultureInfo.InvariantCulture);
        return query;
    }

    /// <summary>
    /// The SQL condition on review_items aliased <c>r</c> (parameters @Model, @Route, @Stratum, @Deployment, @IncidentId).
    /// An incident's items are those of its stream whose sample occurred from its onset to its resolution (or now).
    /// </summary>
    internal const string Condition = """
        (@Model IS NULL OR r.model = @Model) AND (@Route IS NULL OR r.route = @Route) AND (@Stratum IS NULL OR r.stratum = @Stratum)
        AND (@Deployment IS NULL OR EXISTS (SELECT 1 FROM samples s WHERE s.sample_id = r.sample_id AND s.deployment = @Deployment))
        AND (@IncidentId IS NULL OR EXISTS (
            SELECT 1 FROM incidents i JOIN samples s ON s.sample_id = r.sample_id
            WHERE i.incident_id = @IncidentId AND i.model = r.model AND i.route = r.route
              AND s.occurred_at >= i.onset_at AND (i.resolved_at IS NULL OR s.occurred_at <= i.resolved_at)))
        """;

    private static string? Blank(string? value) => string.IsNullOrEmpty(value) ? null : value;

    private static string? NameProblem(string parameter, string? value) => value switch
    {
        null => null,
        { Length: > MaxNameLength } => $"{parameter} is longer than {MaxNameLength} characters.",
        _ when TextDefects.IndexOfNul(value) >= 0 => $"{parameter} holds a NUL character.",
        _ when TextDefects.IndexOfLoneSurrogate(value) >= 0 => $"{parameter} holds a lone UTF-16 surrogate (not valid Unicode text).",
        _ when value.Any(char.IsControl) => $"{parameter} holds a control character.",
        _ => null,
    };

    private static string Printable(string value) => value.Length > 40 || value.Any(c => char.IsControl(c) || char.IsSurrogate(c)) ? "(unprintable or long value)" : value;
}
