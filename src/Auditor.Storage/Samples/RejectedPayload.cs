using System.Security.Cryptography;

namespace Auditor.Storage.Samples;

/// <summary>
/// What arrived, as it will be kept in rejected_samples: as text when the bytes are UTF-8 without NUL (what every store
/// holds as text), otherwise as base64 of the exact bytes, so nothing a publisher sent is altered or lost to encoding.
/// </summary>
/// <param name="Stored">The text or base64 kept in the payload column.</param>
/// <param name="Encoding"><see cref="Utf8"/> or <see cref="Base64"/>.</param>
/// <param name="Length">Size in bytes of what arrived.</param>
/// <param name="Truncated">Only the first bytes were kept (a whole request body that was not JSON).</param>
/// <param name="Hash">SHA-256 (hex) of everything that arrived: a redelivered payload is kept once.</param>
public sealed record RejectedPayload(string Stored, string Encoding, long Length, bool Truncated, string Hash)
{
    public const string Utf8 = "utf8";
    public const string Base64 = "base64";

    /// <summary>How much of a whole unreadable request body is kept.</summary>
    public const int MaxWholeBodyBytes = 64 * 1024;

    /// <summary>Keeps <paramref name="bytes"/>, or its first <paramref name="maxBytes"/> bytes (cut at a character boundary).</summary>
    public static RejectedPayload FromBytes(ReadOnlySpan<byte> bytes, int maxBytes = int.MaxValue)
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(bytes));
        var kept = bytes.Length <= maxBytes ? bytes : bytes[..CharacterBoundary(bytes, maxBytes)];
        var truncated = kept.Length < bytes.Length;
        return System.Text.Unicode.Utf8.IsValid(kept) && kept.IndexOf((byte)0) < 0
            ? new RejectedPayload(System.Text.Encoding.UTF8.GetString(kept), Utf8, bytes.Length, truncated, hash)
            : new RejectedPayload(Convert.ToBase64String(kept), Base64, bytes.Length, truncated, hash);
    }

    /// <summary>Keeps text as its UTF-8 bytes.</summary>
    public static RejectedPayload FromText(string text) => FromBytes(System.Text.Encoding.UTF8.GetBytes(text));

    /// <summary>The bytes kept (all of them unless <see cref="Truncated"/>).</summary>
    public byte[] Bytes() => Encoding == Base64 ? Convert.FromBase64String(Stored) : System.Text.Encoding.UTF8.GetBytes(Stored);

    // Back off from the cut so a multi-byte character is not split (which would make valid text look like bytes).
    private static int CharacterBoundary(ReadOnlySpan<byte> bytes, int cut)
    {
        var at = cut;
        while (at > 0 && at > cut - 4 && (bytes[at] & 0xC0) == 0x80)
            at--;
        return at;
    }
}
