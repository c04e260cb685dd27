using System.Text.Json;
using MassTransit.Serialization;

namespace Auditor.Server.Auditing;

/// <summary>
/// How a samples queue body is parsed as JSON, in one place for both paths that read one: the endpoints' deserializer
/// (<see cref="SampleBodyDeserializer"/>) and the reading of a body whose receive failed
/// (<see cref="IncomingSample.FromBody"/>, for <see cref="UnreadableMessageObserver"/>). The options are MassTransit's own
/// (trailing commas and comments allowed, its depth limit), so a publisher sees what MassTransit's raw JSON reader
/// accepted; an empty body reads as <c>{}</c> (every required field missing), as MassTransit made of it.
/// </summary>
internal static class SampleBodyJson
{
    public static readonly JsonDocumentOptions ReaderOptions = new()
    {
        AllowTrailingCommas = SystemTextJsonMessageSerializer.Options.AllowTrailingCommas,
        CommentHandling = SystemTextJsonMessageSerializer.Options.ReadCommentHandling,
        MaxDepth = SystemTextJsonMessageSerializer.Options.MaxDepth,
    };

    private static readonly byte[] EmptyObject = "{}"u8.ToArray();

    /// <summary>The body as JSON text: an empty one as <c>{}</c>.</summary>
    public static byte[] OrEmptyObject(byte[] body) => body.Length == 0 ? EmptyObject : body;

    /// <summary>Parses <paramref name="body"/>; throws <see cref="JsonException"/> when it is not JSON.</summary>
    public static JsonDocument Parse(byte[] body) => JsonDocument.Parse(OrEmptyObject(body), ReaderOptions);
}
