using System.Globalization;

namespace OrleansTasks.Benchmarks.Corpus;

/// <summary>
/// One process's resident memory over a corpus task: fresh (just started), after the warm-up task, and at its peak during
/// the measured task (VmHWM, started over after the warm-up); and its anonymous part (RssAnon: its own memory, without
/// the index files it maps, which are the system's file cache) after the warm-up and at its peak, sampled.
/// </summary>
internal sealed record ProcessMemory(long Fresh, long AfterWarmUp, long Peak, long AnonymousAfterWarmUp, long AnonymousPeak)
{
    private const double MiB = 1024 * 1024;

    /// <summary>"fresh / after warm-up / peak (+growth)" and the same for anonymous memory, in MiB, for a table cell.</summary>
    public string Cells() => string.Create(CultureInfo.InvariantCulture,
        $"{Fresh / MiB:F0} / {AfterWarmUp / MiB:F0} / {Peak / MiB:F0} (+{(Peak - AfterWarmUp) / MiB:F0}) | {AnonymousAfterWarmUp / MiB:F0} / {AnonymousPeak / MiB:F0} (+{(AnonymousPeak - AnonymousAfterWarmUp) / MiB:F0})");
}

/// <summary>Follows one process's memory through a warm-up and a measured task (<see cref="ProcessMemory"/>).</summary>
internal sealed class ProcessMemoryWatch(int processId)
{
    private readonly long _fresh = CorpusWatch.ResidentBytes(processId);
    private long _afterWarmUp;
    private long _anonymousAfterWarmUp;
    private long _anonymousPeak;
    private volatile bool _stopped;
    private Task? _sampler;

    /// <summary>After the warm-up: reads the baseline, starts the peak over and samples anonymous memory every 250 ms.</summary>
    public void StartMeasuring()
    {
        CorpusWatch.ResetPeak(processId);
        _afterWarmUp = CorpusWatch.ResidentBytes(processId);
        _anonymousAfterWarmUp = _anonymousPeak = CorpusWatch.AnonymousBytes(processId);
        _sampler = SampleAsync();
    }

    public async Task<ProcessMemory> StopAsync()
    {
        _stopped = true;
        await _sampler!;
        _anonymousPeak = Math.Max(_anonymousPeak, CorpusWatch.AnonymousBytes(processId));
        return new ProcessMemory(_fresh, _afterWarmUp, CorpusWatch.PeakResidentBytes(processId), _anonymousAfterWarmUp, _anonymousPeak);
    }

    private async Task SampleAsync()
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        while (!_stopped && await timer.WaitForNextTickAsync())
        {
            _anonymousPeak = Math.Max(_anonymousPeak, CorpusWatch.AnonymousBytes(processId));
        }
    }
}
