namespace Auditor.Detection.Rules;

/// <summary>The watcher's state for logs and /health/ready: which configuration runs and the last load error.</summary>
public sealed record RulesStatus(string Fingerprint, DateTimeOffset LoadedAt, IReadOnlyList<RuleError> LastErrors, DateTimeOffset? LastErrorAt)
{
    /// <summary>True when the files on disk are what runs (the last load succeeded).</summary>
    public bool Healthy => LastErrors.Count == 0;
}

/// <summary>
/// Keeps the rules/ configuration current: loads it at start, reloads when a file changes (FileSystemWatcher,
/// plus polling because watchers miss events on network and container file systems), and swaps the whole
/// <see cref="RuleSet"/> atomically. A bad edit keeps the last good rule set running and is reported in
/// <see cref="Status"/> and <see cref="Reloaded"/>.
/// </summary>
public sealed class RulesWatcher : IRuleSetSource, IDisposable
{
    private readonly string _directory;
    private readonly IReadOnlyCollection<string>? _detectorNames;
    private readonly Lock _gate = new();
    private readonly FileSystemWatcher? _watcher;
    private readonly Timer _poll;
    private readonly Timer _debounce;
    private volatile RuleSet _current;
    private volatile RulesStatus _status;
    private string _lastStamp = "";
    private string? _settlingStamp;

    // Editors and `cp` write a file in steps (truncate, then write): a change is loaded once the files have stood still
    // this long, so a half-written file is never put in force, even for one poll.
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(500);

    /// <summary>Loads the directory now (falling back to <see cref="RuleSet.Defaults"/> if it is invalid) and starts watching.</summary>
    public RulesWatcher(string directory, TimeSpan? pollInterval = null, IReadOnlyCollection<string>? detectorNames = null, TimeProvider? clock = null)
    {
        _directory = Path.GetFullPath(directory);
        _detectorNames = detectorNames;
        Clock = clock ?? TimeProvider.System;
        _current = RuleSet.Defaults;
        _status = new RulesStatus(RuleSet.Defaults.Fingerprint, Clock.GetUtcNow(), [], null);
        Reload();
        _debounce = new Timer(_ => Reload(), null, Timeout.Infinite, Timeout.Infinite);
        if (Directory.Exists(_directory))
        {
            try
            {
                _watcher = new FileSystemWatcher(_directory) { IncludeSubdirectories = true, NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size };
                _watcher.Changed += OnFileEvent;
                _watcher.Created += OnFileEvent;
                _watcher.Deleted += OnFileEvent;
                _watcher.Renamed += OnFileEvent;
                _watcher.EnableRaisingEvents = true;
            }
            catch (IOException)
            {
                // Out of inotify watches, for example: polling alone still picks up every edit.
                _watcher?.Dispose();
                _watcher = null;
            }
        }
        var interval = pollInterval ?? TimeSpan.FromSeconds(5);
        _poll = new Timer(_ => ReloadIfChanged(), null, interval, interval);
    }

    private TimeProvider Clock { get; }

    /// <summary>The rule set in force (the last one that loaded without error).</summary>
    public RuleSet Current => _current;

    public RulesStatus Status => _status;

    /// <summary>Raised after every load attempt: with the new rule set on success, or with the errors (and the old rule set kept).</summary>
    public event EventHandler<RulesReloadedEventArgs>? Reloaded;

    /// <summary>Loads the directory now. Returns true when the new configuration was valid and is now in force.</summary>
    public bool Reload()
    {
        RulesReloadedEventArgs args;
        lock (_gate)
        {
            _lastStamp = Stamp();
            _settlingStamp = null;
            RulesLoadResult result;
            try
            {
                result = RulesLoader.LoadDirectory(_directory, _detectorNames);
            }
            catch (IOException e)
            {
                // A file vanished or was locked mid-read (an editor saving): report it; the next change retries.
                result = new RulesLoadResult(null, [new RuleError(_directory, 0, $"could not read the rules: {e.Message}")]);
            }
            catch (UnauthorizedAccessException e)
            {
                result = new RulesLoadResult(null, [new RuleError(_directory, 0, $"could not read the rules: {e.Message}")]);
            }
            var now = Clock.GetUtcNow();
            if (result.RuleSet is { } set)
            {
                var changed = set.Fingerprint != _current.Fingerprint;
                _current = set;
                _status = new RulesStatus(set.Fingerprint, changed ? now : _status.LoadedAt, [], null);
                args = new RulesReloadedEventArgs(set, changed, []);
            }
            else
            {
                _status = _status with { LastErrors = result.Errors, LastErrorAt = now };
                args = new RulesReloadedEventArgs(_current, false, result.Errors);
            }
        }
        RaiseReloaded(args);
        return args.Errors.Count == 0;
    }

    // Handlers run on timer threads: one that throws must not take the process down, nor stop the next reload.
    private void RaiseReloaded(RulesReloadedEventArgs args)
    {
        var handlers = Reloaded;
        if (handlers is null)
            return;
        foreach (var handler in handlers.GetInvocationList().Cast<EventHandler<RulesReloadedEventArgs>>())
        {
            try
            {
                handler(this, args);
            }
#pragma warning disable CA1031 // a subscriber's bug is theirs; the watcher keeps running
            catch (Exception)
#pragma warning restore CA1031
            {
            }
        }
    }

    private void OnFileEvent(object sender, FileSystemEventArgs e) =>
        _debounce.Change(Settle, Timeout.InfiniteTimeSpan);

    // A change seen by polling waits to settle like a file event; each further change restarts the wait, the same
    // stamp seen again does not (a poll shorter than the wait would otherwise put the load off for ever).
    private void ReloadIfChanged()
    {
        var stamp = Stamp();
        lock (_gate)
        {
            if (stamp == _lastStamp || stamp == _settlingStamp)
                return;
            _settlingStamp = stamp;
        }
        _debounce.Change(Settle, Timeout.InfiniteTimeSpan);
    }

    // Names, sizes and write times of the rule files: cheap to compare on every poll.
    private string Stamp()
    {
        if (!Directory.Exists(_directory))
            return "missing";
        try
        {
            return StampFiles();
        }
        catch (IOException)
        {
            return "unreadable";
        }
    }

    // The JSON Schema files of rules/schemas/ count too: a stream's schema is part of its configuration.
    private string StampFiles()
    {
        var schemas = Path.Combine(_directory, RulesLoader.SchemaFolder);
        var schemaFiles = Directory.Exists(schemas) ? Directory.EnumerateFiles(schemas, "*.json") : [];
        return string.Join('|', Directory.EnumerateFiles(_directory)
            .Where(f => f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            .Concat(schemaFiles)
            .Order(StringComparer.Ordinal)
            .Select(f => new FileInfo(f))
            .Select(fi => $"{fi.FullName}:{fi.Length}:{fi.LastWriteTimeUtc.Ticks}"));
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _poll.Dispose();
        _debounce.Dispose();
    }
}

/// <summary>The outcome of one reload: the rule set in force afterwards, whether it changed, and the errors if the load failed.</summary>
public sealed class RulesReloadedEventArgs(RuleSet current, bool changed, IReadOnlyList<RuleError> errors) : EventArgs
{
    public RuleSet Current { get; } = current;
    public bool Changed { get; } = changed;
    public IReadOnlyList<RuleError> Errors { get; } = errors;
}
