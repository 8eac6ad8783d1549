namespace OrleansTasks.Benchmarks.Load;

/// <summary>One measured figure of one server in one scenario.</summary>
internal sealed record Figure(string Scenario, string Measure, string Unit, double Value);

/// <summary>The figures one server produced, in the order measured.</summary>
internal sealed class FigureSink(string kind)
{
    public string Kind { get; } = kind;

    public List<Figure> Figures { get; } = [];

    public void Add(string scenario, string measure, string unit, double value)
    {
        Figures.Add(new Figure(scenario, measure, unit, value));
        Console.WriteLine(FormattableString.Invariant($"  {Kind,-8} {scenario,-4} {measure,-42} {value,12:0.##} {unit}"));
    }
}
