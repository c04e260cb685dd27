namespace Auditor.Server.Ingestion.Otlp;

/// <summary>Auditor:Ingest:Otlp: how a GenAI span's route is named (its model is the response or request model).</summary>
public sealed class OtlpOptions
{
    /// <summary>
    /// The span (then resource) attribute that names the route. Default <c>auditor.route</c>; without it the route is
    /// the resource's <c>service.name</c>, else <see cref="DefaultRoute"/>.
    /// </summary>
    public string RouteAttribute { get; set; } = "auditor.route";

    /// <summary>The route of a span whose attributes and resource name none. Default <c>otlp</c>.</summary>
    public string DefaultRoute { get; set; } = "otlp";
}
