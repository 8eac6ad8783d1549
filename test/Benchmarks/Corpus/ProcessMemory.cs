using System.Globalization;

namespace OrleansTasks.Benchmarks.Corpus;

/// <summary>
/// One process's resident memory over a corpus task: fresh (just started), after the warm-up task, and at its peak during
/// the measured task (VmHWM, started over after the warm-up); and its anonymous part (RssAnon: its own memory, without
/// the index files it maps, which are the system's file cache) after the warm-up and at its peak, sampled. Also the peak
/// up to the end of the warm-up (a task of a tenth of the documents, at most 100,000): the growth from after the warm-up
/// moves with wherever the collector left the heap then (258–309 MiB for the silo over the runs of 2026-12-07), while
/// the measured task's peak beside the warm-up's shows whether what the process holds grows with the documents.
/// </summary>
internal sealed record ProcessMemory(long Fresh, long AfterWarmUp, long WarmUpPeak, long Peak, long AnonymousAfterWarmUp, long AnonymousPeak)
{
    private const double MiB = 1024 * 1024;

    /// <summary>
    /// "fresh / after warm-up / peak (+growth), warm-up's peak (the peak minus it)" and "after warm-up / peak (+growth)" for
    /// anonymous memory, in MiB, for two table cells.
    /// </summary>
    public string Cells() => string.Create(CultureInfo.InvariantCulture,
        $"{Fresh / MiB:F0} / {AfterWarmUp / MiB:F0} / {Peak / MiB:F0} (+{(Peak - AfterWarmUp) / MiB:F0}), {WarmUpPeak / MiB:F0} ({(Peak - WarmUpPeak) / MiB:+0;-0}) | {AnonymousAfterWarmUp / MiB:F0} / {AnonymousPeak / MiB:F0} (+{(AnonymousPeak - AnonymousAfterWarmUp) / MiB:F0})");
}

/// <summary>Follows one process's memory through a warm-up and a measured task (<see cref="ProcessMemory"/>).</summary>
internal sealed class ProcessMemoryWatch(int processId)
{
    private readonly long _fresh = CorpusWatch.ResidentBytes(processId);
    private long _afterWarmUp;
    private long _warmUpPeak;
    private long _anonymousAfterWarmUp;
    private long _anonymousPeak;
    private volatile bool _stopped;
    private Task? _sampler;

    /// <summary>After the warm-up: reads the baseline, starts the peak over and samples anonymous memory every 250 ms.</summary>
    public void StartMeasuring()
    {
        _warmUpPeak = CorpusWatch.PeakResidentBytes(processId);
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
        return new ProcessMemory(_fresh, _afterWarmUp, _warmUpPeak, CorpusWatch.PeakResidentBytes(processId), _anonymousAfterWarmUp, _anonymousPeak);
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
