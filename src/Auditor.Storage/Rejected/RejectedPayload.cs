using System.Globalization;
using System.Text;

namespace Auditor.Storage.Rejected;

/// <summary>
/// A rejected payload as stored: text, or (when <paramref name="Base64"/>) the exact bytes of a body that was not valid
/// UTF-8, base64-encoded. Every reader of rejected payloads goes through this type, so a payload is decoded and shown
/// one way everywhere.
/// </summary>
public sealed record RejectedPayload(string Stored, bool Base64)
{
    /// <summary>The bytes as received (the UTF-8 of the text, or the decoded base64).</summary>
    public byte[] Bytes() => Base64 ? Convert.FromBase64String(Stored) : Encoding.UTF8.GetBytes(Stored);

    /// <summary>
    /// Text fit to show a person: the payload, with each byte that is not valid UTF-8 written as \xNN and each control
    /// character other than tab and newline (NUL included) written as \u{NNNN}, so nothing invisible or unprintable
    /// reaches a page or a terminal. Pages still HTML-encode it. Past <paramref name="maxChars"/> the rest is cut and said.
    /// </summary>
    public string Display(int maxChars = int.MaxValue)
    {
        var text = Base64 ? DecodeEscapingInvalid(Bytes()) : Stored;
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
}
