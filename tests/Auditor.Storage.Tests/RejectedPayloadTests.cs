using Auditor.Storage.Rejected;

namespace Auditor.Storage.Tests;

/// <summary>How a kept rejected payload is shown: the one place every reader goes through.</summary>
public sealed class RejectedPayloadTests
{
    [Fact]
    public void Shows_invalid_utf8_bytes_as_hex_escapes_and_control_characters_as_code_points()
    {
        byte[] bytes = [(byte)'{', 0xC3, 0x28, (byte)'a', 0x00, (byte)'\n', 0xFF, (byte)'}'];
        var payload = new RejectedPayload(Convert.ToBase64String(bytes), Base64: true);

        Assert.Equal("{\\xC3(a\\u{0000}\n\\xFF}", payload.Display());
        Assert.Equal(bytes, payload.Bytes());
    }

    [Fact]
    public void Shows_text_as_it_is_but_for_control_characters_and_cuts_a_long_one_saying_so()
    {
        var payload = new RejectedPayload("é<b>\u0007ok\t" + new string('x', 100), Base64: false);

        Assert.StartsWith("é<b>\\u{0007}ok\t", payload.Display(), StringComparison.Ordinal);
        Assert.EndsWith("(cut: 108 characters in all)", payload.Display(20), StringComparison.Ordinal);
        Assert.Equal("é<b>\u0007ok\t" + new string('x', 100), System.Text.Encoding.UTF8.GetString(payload.Bytes()));
    }
}
