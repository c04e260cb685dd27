using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Auditor.Server.Tests;

/// <summary>Weeks the calendar cannot hold a report for are a 400 with a reason, on every report endpoint and the page.</summary>
public sealed class ReportWeekTests : IAsyncLifetime
{
    private readonly AuditorApp _app = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _app.DisposeAsync();

    [Theory]
    [InlineData("0001-W01")]
    [InlineData("9999-W53")]
    [InlineData("9999-W01")]
    [InlineData("2026-W60")]
    public async Task An_out_of_range_week_is_a_400_problem_on_json_md_html_and_charts(string week)
    {
        var client = _app.CreateIngestClient();
        foreach (var path in new[] { "/api/v1/reports/weekly", "/api/v1/reports/weekly.json", "/api/v1/reports/weekly.md", "/api/v1/reports/weekly.html", "/api/v1/reports/weekly/charts/summary.svg" })
        {
            var response = await client.GetAsync($"{path}?week={week}");

            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("is not an ISO week", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("0001-W01")]
    [InlineData("9999-W53")]
    public async Task The_reports_page_answers_400_and_says_why(string week)
    {
        var response = await _app.CreateIngestClient().GetAsync($"/reports?week={week}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("is not an ISO week", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_first_parseable_week_builds_a_report()
    {
        var response = await _app.CreateIngestClient().GetAsync("/api/v1/reports/weekly?week=1970-W01");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
