using System.Security.Cryptography;
using System.Text.Json;

namespace Auditor.Cli.Ship;

/// <summary>
/// Where the shipper is in a log: the byte offset after the last line whose sample was confirmed (or rejected and
/// written to the rejects file), its line number, and a hash of the file's first line so a rotated or replaced file is
/// read from its start. Written atomically (temp file, then rename) after each confirmed chunk.
/// </summary>
public sealed record ShipCheckpoint(long Offset, long Line, string? FirstLineHash)
{
    public static ShipCheckpoint Start { get; } = new(0, 0, null);

    public static ShipCheckpoint Load(string path)
    {
        if (!File.Exists(path))
            return Start;
        return JsonSerializer.Deserialize<ShipCheckpoint>(File.ReadAllText(path)) ?? Start;
    }

    public void Save(string path)
    {
        var temp = path + ".tmp";
        File.WriteAllText(temp, JsonSerializer.Serialize(this));
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>How much of a first line the hash covers: a log line longer than this is told apart by its start.</summary>
    private const int HashedBytes = 64 * 1024;

    /// <summary>
    /// The hash of the first line of a file (all of it when it has no newline yet, as a file read once ships its last
    /// line without one), or null when the file is empty.
    /// </summary>
    public static string? HashFirstLine(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var buffer = new byte[HashedBytes];
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        var end = Array.IndexOf(buffer, (byte)'\n', 0, read);
        if (read == 0)
            return null;
        return HashLine(buffer.AsSpan(0, end < 0 ? read : end));
    }

    /// <summary>The same hash of a first line already read (without its newline).</summary>
    public static string HashLine(ReadOnlySpan<byte> line) =>
        Convert.ToHexStringLower(SHA256.HashData(line[..Math.Min(line.Length, HashedBytes)]))[..16];
}
