using Auditor.Server.Configuration;
using Auditor.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Hosting;

/// <summary>
/// Secrets the server generates at its first start (the ingestion API key, the first admin's password). Each is shown
/// once in a banner on standard output, outside the log (so it neither drowns among request lines nor lands in a log
/// store), and appended to <c>first-start-secrets.txt</c> beside the SQLite database (./data with PostgreSQL), readable
/// by its owner only, so a scrolled-away terminal does not lose it. Delete the file once the secrets are kept elsewhere.
/// </summary>
public sealed class FirstStartSecrets(IConfiguration configuration, IOptions<AuditorOptions> options)
{
    public const string FileName = "first-start-secrets.txt";

    private readonly Lock _lock = new();

    /// <summary>Where the secrets are written.</summary>
    public string FilePath => Path.Combine(Folder(), FileName);

    /// <param name="line">One line that names the secret and holds it, e.g. "ingestion API key (X-Api-Key): aud_...".</param>
    /// <param name="advice">How to choose one's own instead.</param>
    public void Record(string line, string advice)
    {
        lock (_lock)
        {
            var path = FilePath;
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            var file = new FileStreamOptions { Mode = FileMode.Append, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
                file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            using (var writer = new StreamWriter(path, System.Text.Encoding.UTF8, file))
                writer.WriteLine($"{DateTimeOffset.UtcNow:u}  {line}");
            var rule = new string('=', 100);
            Console.Out.WriteLine($"{rule}\n  Auditor, first start: {line}\n  {advice}\n  Also written to {path} (owner only).\n{rule}");
            Console.Out.Flush();
        }
    }

    private string Folder()
    {
        if (options.Value.Store == StoreKind.Sqlite
            && new SqliteConnectionStringBuilder(ConnectionStrings.Sqlite(configuration)).DataSource is { Length: > 0 } file
            && file != ":memory:")
            return Path.GetDirectoryName(Path.GetFullPath(file))!;
        return Path.GetFullPath("data");
    }
}
