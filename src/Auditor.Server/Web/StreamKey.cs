namespace Auditor.Server.Web;

/// <summary>
/// A stream (model, route) as one URL query value, for links and select lists: "model/route" with each part
/// percent-escaped, so a '/' inside a model or route name (meta-llama/Llama-3) cannot move the split. The samples
/// page takes it as ?stream=, and the streams page links the review queue with the same value.
/// </summary>
public static class StreamKey
{
    public static string Of(string model, string route) => Uri.EscapeDataString(model) + "/" + Uri.EscapeDataString(route);

    /// <summary>Reads a key back; false when it is not two escaped parts joined by one '/'.</summary>
    public static bool TryParse(string? key, out string model, out string route)
    {
        model = route = "";
        var parts = key?.Split('/') ?? [];
        if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            return false;
        model = Uri.UnescapeDataString(parts[0]);
        route = Uri.UnescapeDataString(parts[1]);
        return true;
    }
}
