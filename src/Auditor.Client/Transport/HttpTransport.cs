using System.Net;
using System.Text;
using System.Text.Json;
using Auditor.Contracts;

namespace Auditor.Client.Transport;

/// <summary>
/// Posts batches to <c>POST /api/v1/samples</c> as JSON arrays with <c>X-Api-Key</c>. 202 answers list rejected
/// records by index; 413 splits the batch in halves; 5xx, 408, 429 and connection errors are reported for retry
/// (the publisher backs off); any other answer cannot succeed by retrying and its samples are given up on, counted.
/// </summary>
internal sealed class HttpTransport : ISampleTransport
{
    private readonly AuditorPublisherOptions _options;
    private readonly AuditorPublisherCounters _counters;
    private readonly HttpClient _http;
    private readonly bool _ownsClient;
    private readonly Uri _endpoint;

    public HttpTransport(AuditorPublisherOptions options, AuditorPublisherCounters counters)
    {
        _options = options;
        _counters = counters;
        _ownsClient = options.HttpClient is null;
        _http = options.HttpClient ?? new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        var baseAddress = options.HttpBaseAddress!;
        if (!baseAddress.AbsoluteUri.EndsWith('/')) baseAddress = new Uri(baseAddress.AbsoluteUri + "/");
        _endpoint = new Uri(baseAddress, "api/v1/samples");
    }

    public string Name => "http";

    public async Task<DeliveryReport> SendAsync(IReadOnlyList<OutputSample> batch, CancellationToken cancellationToken)
    {
        var report = new DeliveryReport();
        await SendSliceAsync(batch, report, cancellationToken).ConfigureAwait(false);
        return report;
    }

    private async Task SendSliceAsync(IReadOnlyList<OutputSample> slice, DeliveryReport report, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, _endpoint)
        {
            Content = new StringContent(JsonArray(slice), Encoding.UTF8, AuditorTopology.JsonContentType),
        };
        if (_options.ApiKey is { Length: > 0 } key) request.Headers.Add("X-Api-Key", key);

        HttpResponseMessage response;
        _counters.AddPublished(slice.Count);
        try
        {
            response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Retry(slice, report, $"POST {_endpoint} failed: {ex.Message}", ex);
            return;
        }

        using (response)
        {
            var status = response.StatusCode;
            if (status is HttpStatusCode.Accepted or HttpStatusCode.OK)
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                ReadAccepted(slice, body, report);
            }
            else if (status == HttpStatusCode.RequestEntityTooLarge && slice.Count > 1)
            {
                // Nothing of a 413 body was read, so nothing was ingested: send each half on its own.
                var half = slice.Count / 2;
                await SendSliceAsync(slice.Take(half).ToList(), report, cancellationToken).ConfigureAwait(false);
                await SendSliceAsync(slice.Skip(half).ToList(), report, cancellationToken).ConfigureAwait(false);
            }
            else if (status == HttpStatusCode.RequestEntityTooLarge)
            {
                var sample = slice[0];
                report.Rejected.Add(new SampleRejection(sample.SampleId,
                    [new ContractViolation("$", "body.size", "the sample alone is larger than the server accepts in one request (413)")]));
            }
            else if ((int)status >= 500 || status is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
            {
                _counters.AddUnconfirmed(slice.Count);
                report.Retry.AddRange(slice);
                report.Problems.Add(new DeliveryProblem(Name, slice.Count, $"POST {_endpoint} answered {(int)status}", null));
            }
            else
            {
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                var reason = $"POST {_endpoint} answered {(int)status} {response.ReasonPhrase}: {Excerpt(body)}";
                foreach (var sample in slice) report.Undeliverable.Add((sample, reason));
                report.Problems.Add(new DeliveryProblem(Name, slice.Count, reason + " (not retried)", null));
            }
        }
    }

    private void Retry(IReadOnlyList<OutputSample> slice, DeliveryReport report, string reason, Exception? ex)
    {
        _counters.AddUnconfirmed(slice.Count);
        report.Retry.AddRange(slice);
        report.Problems.Add(new DeliveryProblem(Name, slice.Count, reason, ex));
    }

    private static void ReadAccepted(IReadOnlyList<OutputSample> slice, string body, DeliveryReport report)
    {
        var rejectedIndexes = new HashSet<int>();
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("rejected", out var rejected) && rejected.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in rejected.EnumerateArray())
                {
                    if (!item.TryGetProperty("index", out var indexElement) || !indexElement.TryGetInt32(out var index)
                        || index < 0 || index >= slice.Count || !rejectedIndexes.Add(index))
                        continue;
                    var errors = new List<ContractViolation>();
                    if (item.TryGetProperty("errors", out var errorArray) && errorArray.ValueKind == JsonValueKind.Array)
                        foreach (var error in errorArray.EnumerateArray())
                            errors.Add(new ContractViolation(Text(error, "field"), Text(error, "rule"), Text(error, "message")));
                    report.Rejected.Add(new SampleRejection(slice[index].SampleId, errors));
                }
            }
        }
        catch (JsonException)
        {
            // A 202 whose body cannot be read still means the request was taken: count the batch accepted.
        }
        report.Confirmed += slice.Count - rejectedIndexes.Count;
    }

    private static string Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private static string JsonArray(IReadOnlyList<OutputSample> slice)
    {
        var builder = new StringBuilder("[");
        for (var i = 0; i < slice.Count; i++)
        {
            if (i > 0) builder.Append(',');
            builder.Append(OutputSampleJson.Serialize(slice[i]));
        }
        return builder.Append(']').ToString();
    }

    private static string Excerpt(string body) => body.Length <= 300 ? body : body[..300] + "...";

    public ValueTask DisposeAsync()
    {
        if (_ownsClient) _http.Dispose();
        return ValueTask.CompletedTask;
    }
}
