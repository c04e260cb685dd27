using Auditor.Storage.Samples;

namespace Auditor.Storage.Tests;

/// <summary>How a kept rejected payload is shown: the one place every reader goes through.</summary>
public sealed class RejectedPayloadTests
{
    [Fact]
    public void Shows_invalid_utf8_bytes_as_hex_escapes_and_control_characters_as_code_points()
    {
        byte[] bytes = [(byte)'{', 0xC3, 0x28, (byte)'a', 0x00, (byte)'\n', 0xFF, (byte)'}'];
        var payload = RejectedPayload.FromBytes(bytes);
        Assert.True(payload.IsBase64);

        Assert.Equal("{\\xC3(a\\u{0000}\n\\xFF}", payload.Display());
        Assert.Equal(bytes, payload.Bytes());
    }

    [Fact]
    public void Shows_text_as_it_is_but_for_control_characters_and_cuts_a_long_one_saying_so()
    {
        var payload = RejectedPayload.FromText("é<b>\u0007ok\t" + new string('x', 100));
        Assert.False(payload.IsBase64);

        Assert.StartsWith("é<b>\\u{0007}ok\t", payload.Display(), StringComparison.Ordinal);
        Assert.EndsWith("(cut: 108 characters in all)", payload.Display(20), StringComparison.Ordinal);
        Assert.Equal("é<b>\u0007ok\t" + new string('x', 100), System.Text.Encoding.UTF8.GetString(payload.Bytes()));
    }

    [Fact]
    public void Says_when_only_the_start_of_a_body_was_kept()
    {
        var payload = RejectedPayload.FromBytes(System.Text.Encoding.UTF8.GetBytes(new string('{', 100)), maxBytes: 10);

        Assert.True(payload.Truncated);
        Assert.EndsWith("(only the first bytes were kept: 100 bytes arrived)", payload.Display(), StringComparison.Ordinal);
    }
}
