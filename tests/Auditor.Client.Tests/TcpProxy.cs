using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Auditor.Client.Tests;

/// <summary>
/// A TCP forwarder on 127.0.0.1 in front of the broker. Cutting its connections looks, to the client, like a broker
/// restart, without restarting the broker other tests share.
/// </summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly DnsEndPoint _target;
    private readonly ConcurrentBag<Socket> _sockets = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public TcpProxy(string host, int port)
    {
        _target = new DnsEndPoint(host, port);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    public int Connections { get; private set; }

    /// <summary>Cuts every open connection (both sides); new ones are accepted again.</summary>
    public void Cut()
    {
        while (_sockets.TryTake(out var socket))
        {
            try { socket.Close(0); } catch (ObjectDisposedException) { }
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try { client = await _listener.AcceptSocketAsync(_stop.Token); }
            catch (Exception) { return; }
            var server = new Socket(SocketType.Stream, ProtocolType.Tcp);
            try { await server.ConnectAsync(_target, _stop.Token); }
            catch (Exception) { client.Close(0); server.Dispose(); continue; }
            Connections++;
            _sockets.Add(client);
            _sockets.Add(server);
            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer)) > 0)
                await to.SendAsync(buffer.AsMemory(0, read));
        }
        catch (Exception) { }
        try { from.Close(0); to.Close(0); } catch (ObjectDisposedException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        Cut();
        await _accepting;
        _stop.Dispose();
    }
}
