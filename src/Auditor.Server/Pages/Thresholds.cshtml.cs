using Auditor.Detection;
using Auditor.Review.Calibration;
using Auditor.Server.Accounts;
using Auditor.Server.Thresholds;
using Auditor.Storage.Thresholds;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace Auditor.Server.Pages;

/// <summary>Admins approve or reject proposed thresholds, pin streams, roll back, and run calibration.</summary>
[Authorize(Policy = AccountsRegistration.AdminPolicy)]
public sealed class ThresholdsModel(ThresholdStore store, CalibrationRun run, DetectorRegistry detectors, IOptionsMonitor<CalibrationOptions> options) : PageModel
{
    /// <summary>What calibration would do now, per detector and stream (nothing written).</summary>
    public IReadOnlyList<CalibrationPlan> Plans { get; private set; } = [];

    public CalibrationPolicy Policy => options.CurrentValue.Policy;

    /// <summary>The pending proposal for a detector and stream, if any.</summary>
    public ThresholdVersion? ProposalOf(CalibrationPlan p) =>
        Proposed.FirstOrDefault(v => v.Detector == p.Detector && v.Model == p.Model && v.Route == p.Route);

    public IReadOnlyList<ThresholdVersion> Proposed { get; private set; } = [];
    public IReadOnlyList<ThresholdVersion> Active { get; private set; } = [];
    public IReadOnlyList<ThresholdVersion> History { get; private set; } = [];
    public IReadOnlyDictionary<string, double> Defaults { get; private set; } = new Dictionary<string, double>();

    public double CurrentOf(ThresholdVersion v) =>
        detectors.Detectors.FirstOrDefault(d => d.Name == v.Detector) is { } d ? detectors.SettingsFor(d, v.Model, v.Route).Threshold : double.NaN;

    public async Task OnGetAsync(CancellationToken ct)
    {
        History = await store.HistoryAsync(200, ct);
        Proposed = History.Where(v => v.Status == "proposed").ToList();
        Active = await store.ActiveAsync(ct);
        Defaults = detectors.Detectors.ToDictionary(d => d.Name, d => d.DefaultThreshold);
        Plans = (await run.PlanAsync(ct)).OrderBy(p => p.Detector, StringComparer.Ordinal).ThenBy(p => p.Model, StringComparer.Ordinal)
            .ThenBy(p => p.Route, StringComparer.Ordinal).ToList();
    }

    public async Task<IActionResult> OnPostCalibrateAsync(CancellationToken ct)
    {
        var reports = await run.RunAsync($"admin {User.Identity!.Name}", ct);
        // One line; the table shows each detector and stream.
        TempData["Message"] = reports.Count == 0
            ? "Calibration found no reviewed items to learn from."
            : $"Calibration ran over {reports.Count} detector-streams: " + string.Join(", ",
                reports.GroupBy(r => r.Action).OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Count()} {g.Key}")) + ".";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostApproveAsync(long versionId, CancellationToken ct)
    {
        var version = await store.ApproveAsync(versionId, User.Identity!.Name!, ct);
        if (version is not null)
            await run.AnnounceAsync(version, ct);
        TempData["Message"] = version is null ? $"Version {versionId} is no longer a pending proposal." : $"Version {versionId} is now in force.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostRejectAsync(long versionId, CancellationToken ct)
    {
        TempData["Message"] = await store.RejectAsync(versionId, ct) ? $"Version {versionId} rejected." : $"Version {versionId} is no longer a pending proposal.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostPinAsync(long versionId, bool pinned, CancellationToken ct)
    {
        if (await store.FindAsync(versionId, ct) is { } v)
            await store.PinAsync(v.Detector, v.Model, v.Route, pinned, ct);
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostRollbackAsync(long versionId, CancellationToken ct)
    {
        if (await store.FindAsync(versionId, ct) is not { } old)
            return NotFound();
        var version = await store.ActivateAsync(new NewThresholdVersion(old.Detector, old.Model, old.Route, old.Threshold,
            $"admin {User.Identity!.Name}", $"Rolled back to version {versionId}."), ct);
        await run.AnnounceAsync(version, ct);
        TempData["Message"] = $"Rolled back: version {version.VersionId} ({old.Threshold:0.###}) is in force.";
        return RedirectToPage();
    }
}
