using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;
using Auditor.Cli.Ship;
using Auditor.Client;

namespace Auditor.Cli.Tests;

public sealed class LogShipperTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("auditor-ship-tests-").FullName;
    private readonly IngestRecorder _server = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    private static string Line(int i) =>
        $$$"""{"metadata":{"route":"ship/test"},"request":{"messages":[{"role":"user","content":"q{{{i}}}"}]},"response":{"id":"resp-{{{i}}}","model":"m","choices":[{"message":{"content":"answer {{{i}}}"},"finish_reason":"stop"}]}}""";

    private async Task<LogShipper> ShipAsync(string file, bool follow = false, CancellationToken ct = default)
    {
        var settings = new ShipSettings(file, follow, file + ".checkpoint", file + ".rejects", new ChatLogMapping(null, null));
        await using var publisher = new AuditorPublisher(new AuditorPublisherOptions { HttpBaseAddress = _server.BaseAddress, ApiKey = "k", WhenBufferFull = BufferFullMode.Wait });
        var shipper = new LogShipper(settings, publisher, TextWriter.Null);
        try
        {
            await shipper.RunAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Following until the test stops it.
        }
        return shipper;
    }

    [Fact]
    public async Task Ships_every_line_once_across_restarts_and_reports_bad_lines()
    {
        var file = Path.Combine(_dir, "requests.jsonl");
        var lines = Enumerable.Range(0, 2500).Select(Line).ToList();
        lines.Insert(700, "{not json");
        lines.Insert(1800, """{"metadata":{"route":"r"},"response":{"id":"x","model":"m"}}""");
        await File.WriteAllLinesAsync(file, lines);

        var first = await ShipAsync(file);
        Assert.Equal((2500, 2), (first.Shipped, first.Rejected));

        // A restart with nothing new sends nothing; lines appended later are sent once.
        Assert.Equal(0, (await ShipAsync(file)).Shipped);
        await File.AppendAllLinesAsync(file, Enumerable.Range(2500, 10).Select(Line));
        Assert.Equal(10, (await ShipAsync(file)).Shipped);

        Assert.Equal(2510, _server.Ids.Count);
        Assert.Equal(2510, _server.Ids.Distinct().Count());
        var rejects = (await File.ReadAllLinesAsync(file + ".rejects")).Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal([701, 1801], rejects.Select(r => r.GetProperty("line").GetInt32()));
        Assert.Contains("not valid JSON", rejects[0].GetProperty("reason").GetString());
        Assert.Contains("choices", rejects[1].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Waits_for_a_half_written_line_while_following()
    {
        var file = Path.Combine(_dir, "follow.jsonl");
        var half = Line(1);
        await File.WriteAllTextAsync(file, Line(0) + "\n" + half[..40]);
        using var stop = new CancellationTokenSource();
        var following = ShipAsync(file, follow: true, stop.Token);
        await WaitForAsync(() => _server.Ids.Count == 1);
        await Task.Delay(700);
        Assert.Single(_server.Ids);
        await File.AppendAllTextAsync(file, half[40..] + "\n");
        await WaitForAsync(() => _server.Ids.Count == 2);
        await stop.CancelAsync();
        var shipper = await following;
        Assert.Equal((2, 0), (shipper.Shipped, shipper.Rejected));
    }

    [Fact]
    public async Task Reads_a_replaced_file_from_its_start_while_following()
    {
        var file = Path.Combine(_dir, "rotated.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, 3).Select(Line));
        using var stop = new CancellationTokenSource();
        var following = ShipAsync(file, follow: true, stop.Token);
        await WaitForAsync(() => _server.Ids.Count == 3);

        // Log rotation: the old file goes away and a new one, longer than the old offset, takes its name.
        File.Delete(file);
        await File.WriteAllLinesAsync(file, Enumerable.Range(100, 5).Select(Line));
        await WaitForAsync(() => _server.Ids.Count == 8);
        await stop.CancelAsync();
        await following;
        Assert.Equal(Enumerable.Range(100, 5).Select(i => $"resp-{i}"), _server.Ids.Skip(3));
    }

    [Fact]
    public async Task Reads_a_file_replaced_before_its_first_chunk_is_confirmed_from_its_start()
    {
        // The replacement lands after the first lines reach the server and before the shipper hears back, which is
        // when it writes its checkpoint: the checkpoint must still describe the file it read, not the new one.
        var file = Path.Combine(_dir, "replaced-early.jsonl");
        await File.WriteAllLinesAsync(file, Enumerable.Range(0, 3).Select(Line));
        _server.BeforeReply = () =>
        {
            _server.BeforeReply = null;
            File.Delete(file);
            File.WriteAllLines(file, Enumerable.Range(100, 5).Select(Line));
        };
        using var stop = new CancellationTokenSource();
        var following = ShipAsync(file, follow: true, stop.Token);
        await WaitForAsync(() => _server.Ids.Count == 8);
        await stop.CancelAsync();
        await following;
        Assert.Equal(Enumerable.Range(100, 5).Select(i => $"resp-{i}"), _server.Ids.Skip(3));
    }

    private static async Task WaitForAsync(Func<bool> condition)
    {
        for (var i = 0; i < 100 && !condition(); i++)
            await Task.Delay(100);
        Assert.True(condition());
    }

    /// <summary>POST /api/v1/samples on loopback that accepts everything and records the sample ids.</summary>
    private sealed class IngestRecorder : IAsyncDisposable
    {
        private readonly HttpListener _listener = new();
        private readonly Task _loop;

        public IngestRecorder()
        {
            for (var attempt = 0; ; attempt++)
            {
                var port = Random.Shared.Next(20_000, 60_000);
                try
                {
                    _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
                    _listener.Start();
                    BaseAddress = new Uri($"http://127.0.0.1:{port}/");
                    break;
                }
                catch (HttpListenerException) when (attempt < 10)
                {
                    _listener.Prefixes.Clear();
                }
            }
            _loop = Task.Run(LoopAsync);
        }

        public Uri BaseAddress { get; } = null!;

        public ConcurrentQueue<string> Ids { get; } = new();

        /// <summary>Runs after a request's ids are recorded and before the reply, when set.</summary>
        public Action? BeforeReply { get; set; }

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await _listener.GetContextAsync();
                }
                catch (Exception)
                {
                    return;
                }
                using var body = JsonDocument.Parse(context.Request.InputStream);
                var count = 0;
                foreach (var sample in body.RootElement.EnumerateArray())
                {
                    Ids.Enqueue(sample.GetProperty("sampleId").GetString()!);
                    count++;
                }
                BeforeReply?.Invoke();
                context.Response.StatusCode = 202;
                context.Response.ContentType = "application/json";
                await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes($$"""{"accepted":{{count}},"rejected":[]}"""));
                context.Response.Close();
            }
        }

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _loop;
            _listener.Close();
        }
    }
}
