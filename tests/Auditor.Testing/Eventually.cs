namespace Auditor.Testing;

/// <summary>Polls a condition until it holds or a bounded time passes (work crossing a queue is asynchronous).</summary>
public static class Eventually
{
    public static async Task<T> Get<T>(Func<Task<T>> read, Func<T, bool> done, TimeSpan? within = null, string? what = null)
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        T value;
        while (true)
        {
            value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
                break;
            await Task.Delay(100);
        }
        Assert.True(done(value), $"Timed out waiting for {what ?? "the condition"}; last value: {value}");
        return value;
    }
}
