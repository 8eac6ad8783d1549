using Microsoft.Extensions.Time.Testing;
using OrleansTasks.Admission;

namespace OrleansTasks.Grains.Tests;

/// <summary>Which silos the admission queue takes as live: the membership it sees, and a silo that has just started and called.</summary>
public sealed class AdmissionSilosTests
{
    private const string Old = "silo-old";
    private const string New = "silo-new";
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 4, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void A_silo_that_called_is_live_for_others_calls_while_the_membership_seen_does_not_list_it_active_yet()
    {
        var silos = new AdmissionSilos(Grace, _time);
        silos.Called(New);

        // Another silo's call, or the reminder: the view here does not list the new silo yet, then lists it joining.
        Assert.Equal([New, Old], silos.Live([(Old, SiloStatus.Active)], Old).Order());
        Assert.Equal([New, Old], silos.Live([(Old, SiloStatus.Active), (New, SiloStatus.Joining)], null).Order());

        // Not heard from again within the grace, and never seen active: gone.
        _time.Advance(Grace + TimeSpan.FromSeconds(1));
        Assert.Equal([Old], silos.Live([(Old, SiloStatus.Active)], null));
    }

    [Fact]
    public void A_silo_the_membership_lists_stopping_or_dead_is_gone_though_it_called_lately_unless_it_is_the_caller()
    {
        var silos = new AdmissionSilos(Grace, _time);
        silos.Called(New);

        Assert.Equal([Old], silos.Live([(Old, SiloStatus.Active), (New, SiloStatus.Dead)], null));

        // A silo declared dead that still calls (it was paused) is live in its own call only, as before.
        silos.Called(New);
        Assert.Equal([New, Old], silos.Live([(Old, SiloStatus.Active), (New, SiloStatus.Dead)], New).Order());
        Assert.Equal([Old], silos.Live([(Old, SiloStatus.Active), (New, SiloStatus.Dead)], Old));
    }

    [Fact]
    public void Once_the_membership_lists_a_silo_active_it_alone_says_whether_the_silo_lives()
    {
        var silos = new AdmissionSilos(Grace, _time);
        silos.Called(New);
        Assert.Equal([New, Old], silos.Live([(Old, SiloStatus.Active), (New, SiloStatus.Active)], null).Order());

        // Killed, it is active in the view until declared dead, then gone at once, not a grace later.
        Assert.Equal([Old], silos.Live([(Old, SiloStatus.Active), (New, SiloStatus.Dead)], null));
    }
}
