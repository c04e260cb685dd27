namespace Auditor.Server.Ingestion.LiteLlm;

/// <summary>Auditor:Ingest:LiteLlm: how a LiteLLM log record names its route (the model is its model group).</summary>
public sealed class LiteLlmOptions
{
    /// <summary>
    /// The key looked up in the request's metadata (LiteLLM logs it as <c>metadata.requester_metadata</c>; a virtual
    /// key's or team's metadata as <c>metadata.spend_logs_metadata</c>) for the route. Default <c>auditor_route</c>.
    /// </summary>
    public string RouteMetadataKey { get; set; } = "auditor_route";

    /// <summary>The route of a record whose metadata names none. Default <c>litellm</c>.</summary>
    public string DefaultRoute { get; set; } = "litellm";
}
