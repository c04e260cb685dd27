using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Auditor.Client;
using Auditor.Contracts;

namespace Auditor.Cli.Ship;

/// <summary>
/// Reads a JSONL log from its checkpoint, maps each line, publishes the samples through <see cref="AuditorPublisher"/>
/// and moves the checkpoint only after the chunk's samples are confirmed. After a crash at most one chunk is sent again,
/// with the same sample ids, so the server counts each line once; no line is skipped. A line that is not JSON, cannot be
/// mapped or breaks the contract is counted and written to the rejects file with its reason.
/// </summary>
public sealed class LogShipper(ShipSettings settings, AuditorPublisher publisher, TextWriter progress)
{
    private const int ChunkLines = 1000;
    // The rejects file is for people: keep the log's quotes readable (it is never rendered as HTML).
    private static readonly JsonSerializerOptions RejectJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly ILogLineMapper _mapper = settings.Mapper ?? new ChatLogMapper(settings.Mapping);
    private readonly OutputSampleValidator _validator = new(TimeProvider.System);

    public long Shipped { get; private set; }

    public long Rejected { get; private set; }

    public async Task RunAsync(CancellationToken ct)
    {
        var checkpoint = ShipCheckpoint.Load(settings.CheckpointPath);
        if (checkpoint.Offset > 0 && (ShipCheckpoint.HashFirstLine(settings.File) != checkpoint.FirstLineHash || new FileInfo(settings.File).Length < checkpoint.Offset))
        {
            progress.WriteLine($"{settings.File} is not the file of the checkpoint (rotated or replaced): reading it from the start");
            checkpoint = ShipCheckpoint.Start;
        }
        else if (checkpoint.Offset > 0)
        {
            progress.WriteLine($"resuming {settings.File} at line {checkpoint.Line:N0} (byte {checkpoint.Offset:N0})");
        }

        var clock = Stopwatch.StartNew();
        var lastProgress = TimeSpan.Zero;
        await using var rejects = new StreamWriter(new FileStream(settings.RejectsPath, FileMode.Append, FileAccess.Write, FileShare.Read), new UTF8Encoding(false));
        while (!ct.IsCancellationRequested)
        {
            if (settings.Follow && !File.Exists(settings.File))
            {
                // Rotated away and not yet created again: wait for it.
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false);
                continue;
            }
            // While following, a rotated log is replaced under the same name: a new first line, or a shorter file.
            if (settings.Follow && checkpoint.Offset > 0 && (new FileInfo(settings.File).Length < checkpoint.Offset
                || (checkpoint.FirstLineHash is { } hash && ShipCheckpoint.HashFirstLine(settings.File) is { } now && now != hash)))
            {
                progress.WriteLine($"{settings.File} was truncated or replaced: reading it from the start");
                checkpoint = ShipCheckpoint.Start;
            }
            var (lines, endOffset) = ReadChunk(checkpoint.Offset, atEnd: !settings.Follow);
            if (lines.Count == 0)
            {
                if (!settings.Follow)
                    break;
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct).ConfigureAwait(false);
                continue;
            }

            var lineNumber = checkpoint.Line;
            foreach (var (offset, bytes) in lines)
            {
                lineNumber++;
                if (((ReadOnlySpan<byte>)bytes).Trim(" \t\r"u8).IsEmpty)
                    continue;
                var mapped = _mapper.Map(bytes);
                if (mapped.Skip)
                    continue;
                var reason = mapped.Reason;
                if (mapped.Sample is { } sample && _validator.Check(sample) is { Count: > 0 } violations)
                    reason = "breaks the contract: " + string.Join("; ", violations.Select(v => $"{v.Rule} ({v.Message})"));
                if (reason is null)
                {
                    await publisher.PublishAsync(mapped.Sample!, ct);
                    Shipped++;
                    continue;
                }
                Rejected++;
                await rejects.WriteLineAsync(JsonSerializer.Serialize(new { line = lineNumber, offset, reason, text = Encoding.UTF8.GetString(bytes) }, RejectJson));
            }
            // The checkpoint moves only once every sample of the chunk is confirmed and every reject is on disk.
            await publisher.FlushAsync(ct);
            await rejects.FlushAsync(ct);
            // The first line's hash comes from the bytes just shipped, never from the file again: it may have been
            // replaced meanwhile, and the new file's hash would pair with the old file's offset.
            var firstLineHash = checkpoint.FirstLineHash ?? (checkpoint.Offset == 0 ? ShipCheckpoint.HashLine(lines[0].Bytes) : ShipCheckpoint.HashFirstLine(settings.File));
            checkpoint = new ShipCheckpoint(endOffset, lineNumber, firstLineHash);
            checkpoint.Save(settings.CheckpointPath);

            if (clock.Elapsed - lastProgress > TimeSpan.FromSeconds(2))
            {
                lastProgress = clock.Elapsed;
                var length = new FileInfo(settings.File).Length;
                progress.WriteLine($"line {lineNumber:N0}, {100.0 * endOffset / Math.Max(1, length):F1}% of {length:N0} bytes: {Shipped:N0} shipped, {Rejected:N0} rejected, {Shipped / clock.Elapsed.TotalSeconds:N0} lines/s");
            }
        }
    }

    /// <summary>
    /// Up to <see cref="ChunkLines"/> complete lines from <paramref name="offset"/>, each with its start offset, and the
    /// offset after the last one. A last line without its newline is left for later while following (it may be half
    /// written), and taken at the end of a file that is read once.
    /// </summary>
    private (List<(long Offset, byte[] Bytes)> Lines, long End) ReadChunk(long offset, bool atEnd)
    {
        var lines = new List<(long, byte[])>();
        using var stream = new FileStream(settings.File, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (offset > stream.Length)
            return (lines, offset);
        stream.Position = offset;
        var pending = new MemoryStream();
        var lineStart = offset;
        var bufferBase = offset;
        var buffer = new byte[256 * 1024];
        int read;
        while (lines.Count < ChunkLines && (read = stream.Read(buffer)) > 0)
        {
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] != (byte)'\n')
                    continue;
                pending.Write(buffer, start, i - start);
                lines.Add((lineStart, pending.ToArray()));
                pending.SetLength(0);
                start = i + 1;
                lineStart = bufferBase + start;
                if (lines.Count >= ChunkLines)
                    return (lines, lineStart);
            }
            pending.Write(buffer, start, read - start);
            bufferBase += read;
        }
        if (atEnd && pending.Length > 0)
        {
            lines.Add((lineStart, pending.ToArray()));
            return (lines, lineStart + pending.Length);
        }
        return (lines, lineStart);
    }
}

/// <summary>What `auditor ship` was asked to do.</summary>
public sealed record ShipSettings(string File, bool Follow, string CheckpointPath, string RejectsPath, ChatLogMapping Mapping, ILogLineMapper? Mapper = null);
