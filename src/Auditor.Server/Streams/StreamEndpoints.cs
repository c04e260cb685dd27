using Auditor.Server.Web;
using Auditor.Storage.Streams;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Auditor.Server.Streams;

public static class StreamEndpoints
{
    public static IEndpointRouteBuilder MapStreamReads(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/streams", ListAsync).WithName("ListStreams");
        return app;
    }

    /// <summary>GET /api/v1/streams?from=&amp;to= (RFC 3339, optional): streams with distinct-sample counts and flag rates.</summary>
    private static async Task<Results<Ok<IReadOnlyList<StreamSummary>>, ProblemHttpResult>> ListAsync(
        string? from, string? to, StreamSummaryReader reader, CancellationToken ct)
    {
        if (!TimeRange.TryParse(from, to, out var start, out var end))
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad time range",
                detail: "from and to must be RFC 3339 times, e.g. 2026-11-23T00:00:00Z.");
        return TypedResults.Ok(await reader.ListAsync(start, end, ct));
    }
}
