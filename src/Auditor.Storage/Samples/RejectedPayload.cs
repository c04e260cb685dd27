using System.Globalization;
using System.Security.Cryptography;
using System.Text;

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
    public byte[] Bytes() => IsBase64 ? Convert.FromBase64String(Stored) : System.Text.Encoding.UTF8.GetBytes(Stored);

    /// <summary>The payload was not UTF-8 text without NUL, so its exact bytes are kept as base64.</summary>
    public bool IsBase64 => Encoding == Base64;

    /// <summary>
    /// Text fit to show a person: the payload, with each byte that is not valid UTF-8 written as \xNN and each control
    /// character other than tab and newline (NUL included) written as \u{NNNN}, so nothing invisible or unprintable
    /// reaches a page or a terminal. Pages still HTML-encode it. Past <paramref name="maxChars"/> the rest is cut and said.
    /// Every reader of rejected payloads shows them through this one method.
    /// </summary>
    public string Display(int maxChars = int.MaxValue)
    {
        var text = IsBase64 ? DecodeEscapingInvalid(Bytes()) : Stored;
        var s = new StringBuilder(Math.Min(text.Length, maxChars) + 64);
        foreach (var rune in text.EnumerateRunes())
        {
            if (s.Length >= maxChars)
            {
                s.Append(CultureInfo.InvariantCulture, $" … (cut: {text.Length} characters in all)");
                break;
            }
            if (Rune.IsControl(rune) && rune.Value is not ('\t' or '\n' or '\r'))
                s.Append(CultureInfo.InvariantCulture, $"\\u{{{rune.Value:X4}}}");
            else
                s.Append(rune.ToString());
        }
        if (Truncated)
            s.Append(CultureInfo.InvariantCulture, $" … (only the first bytes were kept: {Length} bytes arrived)");
        return s.ToString();
    }

    private static string DecodeEscapingInvalid(byte[] bytes)
    {
        var s = new StringBuilder(bytes.Length);
        var rest = bytes.AsSpan();
        while (!rest.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(rest, out var rune, out var used) == System.Buffers.OperationStatus.Done)
                s.Append(rune.ToString());
            else
                for (var i = 0; i < used; i++)
                    s.Append(CultureInfo.InvariantCulture, $"\\x{rest[i]:X2}");
            rest = rest[Math.Max(used, 1)..];
        }
        return s.ToString();
    }

    // Back off from the cut so a multi-byte character is not split (which would make valid text look like bytes).
    private static int CharacterBoundary(ReadOnlySpan<byte> bytes, int cut)
    {
        var at = cut;
        while (at > 0 && at > cut - 4 && (bytes[at] & 0xC0) == 0x80)
            at--;
        return at;
    }
}
