using System.Globalization;
using System.Text;
using System.Text.Json;
using OrleansTasks.Benchmarks.Servers;

namespace OrleansTasks.Benchmarks.Load;

/// <summary>The run's figures side by side — the gateway, the Kestrel peer, the SignalR peer — with ratios, as a Markdown table and JSON.</summary>
internal static class LoadReport
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string Table(IReadOnlyList<FigureSink> sinks)
    {
        var byKind = sinks.ToDictionary(sink => sink.Kind, sink => sink.Figures.ToDictionary(f => (f.Scenario, f.Measure)));
        var rows = sinks.SelectMany(sink => sink.Figures).Select(f => (f.Scenario, f.Measure, f.Unit)).Distinct().ToList();
        var table = new StringBuilder();
        table.AppendLine("| scenario | measure | unit | OrleansTasks | Kestrel peer | SignalR peer | ÷ Kestrel | ÷ SignalR |");
        table.AppendLine("|---|---|---|---:|---:|---:|---:|---:|");
        foreach (var (scenario, measure, unit) in rows)
        {
            var ours = Value(byKind, ServerHosts.OrleansTasks, scenario, measure);
            var kestrel = Value(byKind, ServerHosts.Kestrel, scenario, measure);
            var signalR = Value(byKind, ServerHosts.SignalR, scenario, measure);
            table.AppendLine(CultureInfo.InvariantCulture,
                $"| {scenario} | {measure} | {unit} | {Format(ours)} | {Format(kestrel)} | {Format(signalR)} | {Ratio(ours, kestrel)} | {Ratio(ours, signalR)} |");
        }

        return table.ToString();
    }

    public static string Json(IReadOnlyList<FigureSink> sinks, string mode, DateTimeOffset started) =>
        JsonSerializer.Serialize(new
        {
            mode,
            started,
            machine = new { processors = Environment.ProcessorCount, os = Environment.OSVersion.VersionString, runtime = Environment.Version.ToString() },
            servers = sinks.ToDictionary(sink => sink.Kind, sink => sink.Figures.Select(f => new
            {
                scenario = f.Scenario,
                measure = f.Measure,
                unit = f.Unit,
                value = double.IsFinite(f.Value) ? f.Value : (double?)null,
            })),
        }, Indented);

    private static double? Value(Dictionary<string, Dictionary<(string, string), Figure>> byKind, string kind, string scenario, string measure) =>
        byKind.TryGetValue(kind, out var figures) && figures.TryGetValue((scenario, measure), out var figure) ? figure.Value : null;

    private static string Format(double? value) => value switch
    {
        null => "–",
        double v when !double.IsFinite(v) => "–",
        double v when Math.Abs(v) >= 100 => v.ToString("N0", CultureInfo.InvariantCulture),
        double v => v.ToString("0.##", CultureInfo.InvariantCulture),
    };

    private static string Ratio(double? ours, double? peer) =>
        ours is { } a && peer is { } b && double.IsFinite(a) && double.IsFinite(b) && b != 0
            ? (a / b).ToString("0.00", CultureInfo.InvariantCulture) + "×"
            : "–";
}
