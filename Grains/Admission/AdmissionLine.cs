namespace OrleansTasks.Admission;

/// <summary>
/// The rules of cluster-wide admission, over the queue's <see cref="AdmissionQueueState"/>: waiting
/// tasks are ranked by priority, first come first served within one, each rising one level per
/// <see cref="AdmissionSettings.Ageing"/> waited; free slots go down that ranking to tasks whose owner
/// is under <see cref="AdmissionSettings.MaxRunningPerUser"/>, on the task's own silo or, that one full,
/// on another that has a free slot, if the task outranks the best task waiting there (see
/// <see cref="Admit"/>): the task's activation is then moved there (a pending move, see
/// <see cref="DueMoves"/>), and the slot is held for it until it asks from there. A move that does not
/// happen after it was sent twice, one <see cref="AdmissionSettings.WakeInterval"/> apart, is given up:
/// the slot is freed, and the task waits again in its turn, on its own silo only for the grace.
/// A task whose silo is gone keeps its turn for <see cref="AdmissionSettings.GraceForGone"/> while
/// it is woken to ask again from a live silo; after that it is dropped, and asks again with its
/// lease, getting back its place (the ticket's time is the task's own). A task that held a slot on a
/// gone silo rests, as below, for the same grace.
/// A <c>processing</c> task (<see cref="AdmissionTicket.Processing"/>) waiting to retry a slice, or whose
/// activation went away, rests (<see cref="AdmissionPlace.Resting"/>): it still counts toward its owner's
/// limit but holds no slot of its silo; when it asks for a slot again it is ahead of its owner's limit,
/// which it never left. A <c>pending</c> task does not rest: a grant it did not take is void, and it waits
/// in its turn; a place resting for a task that asks as pending (its start was never confirmed) is void.
/// </summary>
public sealed class AdmissionLine
{
    private static readonly int Levels = Enum.GetValues<TaskPriority>().Length;

    // A move is sent once, and once more if it has not happened a wake interval later; then it is given up.
    private const int MaxMoveSends = 2;

    private readonly AdmissionSettings _settings;
    private readonly TimeProvider _time;

    // Within one priority, arrival order is also rank order: an earlier task has aged at least as
    // much. So the ranking is a merge of the three, never a sort of the whole queue.
    private readonly SortedSet<AdmissionPlace>[] _byPriority;
    private readonly HashSet<Guid> _changedWaiting = [];

    // When each silo last said its slots (the stored ones: when this line was made). Not stored: it only keeps a
    // silo's slots for the grace while the queue's membership view has not yet seen the silo active.
    private readonly Dictionary<string, DateTimeOffset> _reportedAt = new(StringComparer.Ordinal);

    // Silos that every waiting task waits on, all live at the last reconcile (null: not known). While they are all
    // live still, no waiting task is on a gone silo, and a reconcile need not visit the whole line: with a backlog
    // of thousands, that scan on every exchange was most of the queue's own processor time.
    private HashSet<string>? _waitingOnLive;

    public AdmissionLine(AdmissionQueueState state, AdmissionSettings settings, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(state);
        State = state;
        _settings = settings;
        _time = time;
        _byPriority = [.. Enumerable.Range(0, Levels).Select(_ => new SortedSet<AdmissionPlace>(ArrivalOrder.Instance))];
        foreach (var place in state.Waiting.Values)
        {
            Line(place).Add(place);
        }

        foreach (var silo in state.Slots.Keys)
        {
            _reportedAt[silo] = time.GetUtcNow();
        }
    }

    public AdmissionQueueState State { get; }

    /// <summary>True when the state changed since <see cref="Saved"/>.</summary>
    public bool Changed => IndexChanged || _changedWaiting.Count > 0;

    /// <summary>True when the tasks holding slots or the silos' slots changed since <see cref="Saved"/>.</summary>
    public bool IndexChanged { get; private set; }

    /// <summary>The waiting tasks whose place was added, changed or removed since <see cref="Saved"/>.</summary>
    public IReadOnlyCollection<Guid> ChangedWaiting => _changedWaiting;

    public void Saved()
    {
        IndexChanged = false;
        _changedWaiting.Clear();
    }

    /// <summary>
    /// What a silo says each time it calls: its slots, the tasks holding them there (processing, whether or not
    /// their ticket says so), and the tasks there resting in a retry wait (<paramref name="resting"/>; a task
    /// that lost its place while it rested, its silo gone past the grace, gets one back only under its owner's limit).
    /// A slot granted on the silo to a task that asks again in the same call (<paramref name="asking"/>) stands, though the
    /// silo does not say it holds it: the answer that granted it was lost, and a waiting task takes it when it asks (see <see cref="Enter"/>);
    /// a resting task's grant goes back to its resting place, and is usually granted again in the same call.
    /// </summary>
    public void Report(string silo, int slots, IEnumerable<AdmissionTicket> holding, IEnumerable<AdmissionTicket> resting, IReadOnlyCollection<Guid>? asking = null)
    {
        ArgumentNullException.ThrowIfNull(holding);
        ArgumentNullException.ThrowIfNull(resting);
        _reportedAt[silo] = _time.GetUtcNow();
        if (!State.Slots.TryGetValue(silo, out var known) || known != slots)
        {
            State.Slots[silo] = slots;
            IndexChanged = true;
        }

        // A task holding a slot has started (or is about to, granted while it waited), whatever its ticket says: a silo of
        // an earlier build sends no Processing flag. It keeps its owner's place should its activation go away (Release).
        var held = holding.ToDictionary(ticket => ticket.TaskId, ticket => ticket with { Processing = true });
        var rests = resting.Where(ticket => !held.ContainsKey(ticket.TaskId)).ToDictionary(ticket => ticket.TaskId);
        var asks = asking ?? [];
        foreach (var place in State.Running.Values.Where(p => p.Silo == silo && p.Taken && !held.ContainsKey(p.TaskId) && !rests.ContainsKey(p.TaskId)
            && !(!p.Resting && asks.Contains(p.TaskId))).ToList())
        {
            if (!place.Resting)
            {
                Remove(place.TaskId);
            }
            else if (place.Since == default)
            {
                // Its activation went away while it rested (its silo stops, or a write failed): its owner's place
                // is kept as on a gone silo, for the grace, while it is woken to report again. Its turn in line,
                // if it waits for a slot elsewhere, is not touched.
                place.Since = _time.GetUtcNow();
                IndexChanged = true;
            }
        }

        foreach (var ticket in held.Values)
        {
            if (!State.Running.TryGetValue(ticket.TaskId, out var place) || place.Silo != silo || !place.Taken || place.Resting)
            {
                Remove(ticket.TaskId);
                State.Running[ticket.TaskId] = new AdmissionPlace { Ticket = ticket, Silo = silo, Taken = true, Since = _time.GetUtcNow() };
                IndexChanged = true;
            }
            else if (ticket.Processing && !place.Ticket.Processing)
            {
                // Granted while it waited here, the task took the slot: it is processing now.
                place.Ticket = ticket;
                IndexChanged = true;
            }
        }

        var byOwner = RunningByOwner();
        foreach (var ticket in rests.Values)
        {
            // Only a processing task waits to retry a slice.
            Rest(ticket with { Processing = true }, silo, byOwner);
        }
    }

    private void Rest(AdmissionTicket ticket, string silo, Dictionary<string, int> byOwner)
    {
        if (State.Running.TryGetValue(ticket.TaskId, out var place))
        {
            // A slot granted since the task asked to end its rest stands until the task takes it.
            if (place.Taken && (!place.Resting || place.Silo != silo || place.Since != default || !place.Ticket.Processing))
            {
                (place.Ticket, place.Resting, place.Silo, place.Since, place.WokenAt) = (ticket, true, silo, default, null);
                IndexChanged = true;
            }

            return;
        }

        if (UnderLimit(ticket.OwnerId, byOwner))
        {
            State.Running[ticket.TaskId] = new AdmissionPlace { Ticket = ticket, Silo = silo, Taken = true, Resting = true };
            byOwner[ticket.OwnerId] = byOwner.GetValueOrDefault(ticket.OwnerId) + 1;
            IndexChanged = true;
        }
    }

    /// <summary>
    /// A task on <paramref name="silo"/> asks for a slot: true if it holds one (granted before), else it waits
    /// in line (a processing task resting, keeping its owner's place while it waits for a slot of its silo).
    /// Unless <paramref name="takeGrants"/>, a slot granted before is not taken: the queue does not yet know what every silo
    /// holds (it loaded a stored view behind its grants), and the grant may be one it had voided and given on; the task
    /// waits in line, in its turn, as if its grant had gone to a full silo.
    /// </summary>
    public bool Enter(AdmissionTicket ticket, string silo, bool takeGrants = true)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        if (State.Running.TryGetValue(ticket.TaskId, out var running))
        {
            if (running.Resting)
            {
                if (!ticket.Processing)
                {
                    // A pending task never rests (counted toward its owner's limit, bound to one silo): the place is void.
                    State.Running.Remove(ticket.TaskId);
                    IndexChanged = true;
                }
            }
            else if (running.MovingFrom is not null && running.Silo != silo)
            {
                // Its move is pending: asked again from where it waits, it keeps the slot held for it there and is
                // not granted another (which would move it back). The move is sent again when due (DueMoves). It
                // waits on the silo it asks from: a move given up leaves it there.
                if (running.MovingFrom != silo)
                {
                    running.MovingFrom = silo;
                    IndexChanged = true;
                }

                return false;
            }
            else if (takeGrants && (running.Silo == silo || FreeSlots(silo) > 0))
            {
                // It takes the slot: it is processing from now on.
                (running.Ticket, running.Silo, running.Taken, running.MovingFrom) = (ticket with { Processing = true }, silo, true, null);
                IndexChanged = true;
                return true;
            }
            else if (ticket.Processing)
            {
                // Its activation moved to a silo whose slots are all held: the slot it had stays behind, free;
                // it keeps its owner's place, resting, and waits there for a slot, ahead of its owner's limit.
                (running.Resting, running.Taken, running.Silo, running.Since, running.WokenAt) = (true, true, silo, default, null);
                IndexChanged = true;
            }
            else
            {
                // A pending task granted a slot elsewhere asks from a full silo: the grant is void, and it waits here.
                State.Running.Remove(ticket.TaskId);
                IndexChanged = true;
            }
        }
        else if (ticket.Processing && UnderLimit(ticket.OwnerId, RunningByOwner()))
        {
            // A processing task that lost its owner's place (gone past the grace) gets it back under the limit.
            State.Running[ticket.TaskId] = new AdmissionPlace { Ticket = ticket, Silo = silo, Taken = true, Resting = true };
            IndexChanged = true;
        }

        if (State.Waiting.TryGetValue(ticket.TaskId, out var waiting))
        {
            if (waiting.Silo != silo || waiting.Since != default || waiting.Ticket != ticket)
            {
                Line(waiting).Remove(waiting);
                waiting.Ticket = ticket;
                Line(waiting).Add(waiting);
                waiting.Silo = silo;
                WaitsOn(silo);
                waiting.Since = default;
                waiting.WokenAt = null;
                _changedWaiting.Add(ticket.TaskId);
            }

            return false;
        }

        var place = new AdmissionPlace { Ticket = ticket, Silo = silo };
        WaitsOn(silo);
        State.Waiting[ticket.TaskId] = place;
        Line(place).Add(place);
        _changedWaiting.Add(ticket.TaskId);
        return false;
    }

    /// <summary>The task has ended: it gives back its slot or its place in line, wherever they are.</summary>
    public void Leave(Guid taskId) => Remove(taskId);

    /// <summary>
    /// The task's activation on <paramref name="silo"/> went away before the task ended (its silo stops, a
    /// write failed, or a grant reached it gone). A processing task's slot there is freed, but it keeps its
    /// owner's place, resting as on a gone silo: for the grace, while it is woken to ask again. A pending
    /// task's grant was never used: it is a grant not taken again, held for the task for the grace while its
    /// silo wakes it to take it (a pending task never rests). A task granted while it waited on the silo that took
    /// the slot before the silo said it held it is <paramref name="started"/>: processing, it rests. A place that
    /// moved to another silo (its next activation asked first) is not touched, nor is a turn in line.
    /// </summary>
    public void Release(Guid taskId, string silo, bool started = false)
    {
        if (!State.Running.TryGetValue(taskId, out var place) || place.Silo != silo || (place.Resting && place.Since != default))
        {
            return;
        }

        if (place.Resting || place.Ticket.Processing || started)
        {
            place.Ticket = started ? place.Ticket with { Processing = true } : place.Ticket;
            (place.Resting, place.Taken, place.Since, place.WokenAt, place.MovingFrom) = (true, true, _time.GetUtcNow(), null, null);
            IndexChanged = true;
        }
        else if (place.Taken)
        {
            (place.Taken, place.Since, place.WokenAt, place.MovingFrom, place.MoveSends) = (false, _time.GetUtcNow(), null, null, 0);
            IndexChanged = true;
        }
    }

    /// <summary>
    /// Frees the slots of silos that are gone and slots granted and never taken, and drops tasks
    /// that waited on a gone silo past their grace; a task that held a slot there rests, keeping its
    /// owner's place for that grace. Returns the tasks to wake so that they ask again from a live silo.
    /// </summary>
    public IReadOnlyList<Guid> Reconcile(IReadOnlySet<string> live)
    {
        ArgumentNullException.ThrowIfNull(live);
        var now = _time.GetUtcNow();
        GiveUpMoves(live, now);
        foreach (var place in State.Running.Values.Where(p => !p.Taken && (!live.Contains(p.Silo) || now - p.Since > _settings.GraceForGone)).ToList())
        {
            Remove(place.TaskId);
        }

        // A task that held a slot on a gone silo is processing still: its slot is gone with the silo, but it
        // rests, keeping its owner's place like any resting task, while it is woken to come back (below). So does
        // one whose ticket does not say it started: a place stored by an earlier build, or a grant taken for a task
        // that waited there, which the silo had not yet said it holds (it says so in its next call). Should the task
        // be pending after all, it asks as such, and the place is void then (see Enter).
        foreach (var place in State.Running.Values.Where(p => p.Taken && !p.Resting && !live.Contains(p.Silo)))
        {
            (place.Resting, place.Since, place.WokenAt) = (true, default, null);
            IndexChanged = true;
        }

        // A silo's slots are kept for the grace after it said them: the membership this queue sees may not show a
        // silo that has just started as active yet.
        foreach (var silo in State.Slots.Keys.Where(s => !live.Contains(s) && !(_reportedAt.TryGetValue(s, out var said) && now - said <= _settings.GraceForGone)).ToList())
        {
            State.Slots.Remove(silo);
            _reportedAt.Remove(silo);
            IndexChanged = true;
        }

        // A resting task on a gone silo, or one its live silo stopped reporting (Since set), keeps its owner's
        // place as a waiting one keeps its turn: its lease (or a wake) brings it back, reported resting again.
        var wake = new List<Guid>();
        List<AdmissionPlace> waitingGone = [];
        if (_waitingOnLive is not { } known || !known.IsSubsetOf(live))
        {
            waitingGone = [.. State.Waiting.Values.Where(p => !live.Contains(p.Silo))];
            _waitingOnLive = waitingGone.Count == 0 ? new HashSet<string>(live, StringComparer.Ordinal) : null;
        }

        var gone = waitingGone.Select(p => (Place: p, Waiting: true))
            .Concat(State.Running.Values.Where(p => p.Resting && (!live.Contains(p.Silo) || p.Since != default) && !State.Waiting.ContainsKey(p.TaskId)).Select(p => (Place: p, Waiting: false)))
            .ToList();
        foreach (var (place, waiting) in gone)
        {
            if (place.Since == default)
            {
                place.Since = now;
                Touched(place.TaskId, waiting);
            }

            if (now - place.Since > _settings.GraceForGone)
            {
                Remove(place.TaskId);
            }
            else if (place.WokenAt is not { } woken || now - woken >= _settings.WakeInterval)
            {
                place.WokenAt = now;
                Touched(place.TaskId, waiting);
                wake.Add(place.TaskId);
            }
        }

        return wake;
    }

    /// <summary>
    /// Gives up the pending moves sent twice and not taken one <see cref="AdmissionSettings.WakeInterval"/> after the
    /// second, or whose target silo is gone or reports no slots (it stops, handing its tasks on): the slot is freed and
    /// the task waits again, in its turn, on the silo it waited on. It is not moved again for <see cref="AdmissionSettings.GraceForGone"/>.
    /// </summary>
    private void GiveUpMoves(IReadOnlySet<string> live, DateTimeOffset now)
    {
        foreach (var place in State.Running.Values.Where(p => p.MovingFrom is not null && !p.Taken
            && (!live.Contains(p.Silo) || State.Slots.GetValueOrDefault(p.Silo, -1) == 0
                || (p.MoveSends >= MaxMoveSends && now - p.MoveSentAt >= _settings.WakeInterval))).ToList())
        {
            Remove(place.TaskId);
            (place.Silo, place.MovingFrom, place.MoveSends, place.MoveFailedAt) = (place.MovingFrom!, null, 0, now);
            (place.Since, place.WokenAt, place.MoveSentAt) = (default, null, default);
            WaitsOn(place.Silo);
            State.Waiting[place.TaskId] = place;
            Line(place).Add(place);
            _changedWaiting.Add(place.TaskId);
        }
    }

    /// <summary>A waiting task waits on <paramref name="silo"/> from now on: unless that silo was live at the last reconcile, the next one visits every waiting task.</summary>
    private void WaitsOn(string silo)
    {
        if (_waitingOnLive is not null && !_waitingOnLive.Contains(silo))
        {
            _waitingOnLive = null;
        }
    }

    /// <summary>
    /// The pending moves to send now: those never sent, and those sent once at least one
    /// <see cref="AdmissionSettings.WakeInterval"/> ago and still not taken. Each is marked sent.
    /// </summary>
    public IReadOnlyList<AdmissionPlace> DueMoves()
    {
        var now = _time.GetUtcNow();
        var due = State.Running.Values.Where(p => p.MovingFrom is not null && !p.Taken
            && (p.MoveSends == 0 || (p.MoveSends < MaxMoveSends && now - p.MoveSentAt >= _settings.WakeInterval))).ToList();
        foreach (var place in due)
        {
            (place.MoveSends, place.MoveSentAt) = (place.MoveSends + 1, now);
            IndexChanged = true;
        }

        return due;
    }

    private void Touched(Guid taskId, bool waiting)
    {
        if (waiting)
        {
            _changedWaiting.Add(taskId);
        }
        else
        {
            IndexChanged = true;
        }
    }

    /// <summary>
    /// Grants the free slots of live silos down the ranking; returns the tasks granted one. A task whose silo is
    /// full takes a free slot of another live silo that has reported its slots (the one with the most free) only
    /// if it outranks every task that could take that slot there: by its aged level, or, at the same level, by
    /// having waited at least one <see cref="AdmissionSettings.WakeInterval"/> longer. A move costs the task a
    /// deactivation and an activation, and the slot stays idle until it arrives: near the head of a line of equals
    /// a freed slot goes to the task waiting on its silo. That is a pending move (<see cref="AdmissionPlace.MovingFrom"/>),
    /// unless a move of the task did not happen within the grace; and never toward a silo that a task is moving
    /// away from to the task's own (two silos never swap tasks). A task waiting on a gone silo keeps one free slot
    /// for its turn while it is woken to ask again; the scan goes on past it with the others.
    /// </summary>
    public IReadOnlyList<AdmissionPlace> Admit(IReadOnlySet<string> live)
    {
        ArgumentNullException.ThrowIfNull(live);
        var free = live.ToDictionary(silo => silo, silo => State.Slots.GetValueOrDefault(silo, _settings.DefaultSlots));
        foreach (var place in State.Running.Values.Where(p => !p.Resting))
        {
            if (free.TryGetValue(place.Silo, out var slots))
            {
                free[place.Silo] = slots - 1;
            }
        }

        var byOwner = RunningByOwner();
        var freeSlots = free.Values.Where(n => n > 0).Sum();
        var granted = new List<AdmissionPlace>();
        var grantedIds = new HashSet<Guid>();
        var now = _time.GetUtcNow();
        var ranked = new RankedLookahead(Ranked(now));
        bool CanTake(AdmissionPlace place) =>
            !grantedIds.Contains(place.TaskId) && (IsResting(place.TaskId) || UnderLimit(place.Ticket.OwnerId, byOwner));

        for (var index = 0; ranked.TryGet(index, out var place) && freeSlots > 0; index++)
        {
            if (!CanTake(place))
            {
                continue;
            }

            if (!live.Contains(place.Silo))
            {
                // A task whose silo is gone keeps its turn until it asks again or its grace ends: one free slot is kept for
                // it (and its owner's place counted), the others go on down the line. Which silo it asks from is not known.
                freeSlots--;
                if (!IsResting(place.TaskId))
                {
                    byOwner[place.Ticket.OwnerId] = byOwner.GetValueOrDefault(place.Ticket.OwnerId) + 1;
                }

                continue;
            }

            if (free[place.Silo] <= 0)
            {
                // A resting task keeps its owner's place on its silo: it waits for a slot there.
                if (Pinned(place, now))
                {
                    continue;
                }

                var from = place.Silo;
                var elsewhere = free
                    .Where(silo => silo.Value > 0 && State.Slots.ContainsKey(silo.Key) && !MovingBetween(silo.Key, from, granted)
                        && (ranked.Next(index + 1, p => p.Silo == silo.Key && CanTake(p), silo.Key) is not { } best || Outranks(place, best, now)))
                    .ToList();
                if (elsewhere.Count == 0)
                {
                    continue;
                }

                (place.MovingFrom, place.Silo) = (from, elsewhere.MaxBy(silo => silo.Value).Key);
                (place.MoveSends, place.MoveSentAt) = (0, default);
            }

            free[place.Silo]--;
            freeSlots--;
            if (!IsResting(place.TaskId))
            {
                byOwner[place.Ticket.OwnerId] = byOwner.GetValueOrDefault(place.Ticket.OwnerId) + 1;
            }

            granted.Add(place);
            grantedIds.Add(place.TaskId);
        }

        foreach (var place in granted)
        {
            Remove(place.TaskId);
            place.Since = now;
            place.WokenAt = null;
            place.MoveFailedAt = null;
            State.Running[place.TaskId] = place;
            IndexChanged = true;
        }

        return granted;
    }

    /// <summary>True when <paramref name="a"/>, ahead in the ranking, is ahead of <paramref name="b"/> by a level, or at one level by a wake interval.</summary>
    private bool Outranks(AdmissionPlace a, AdmissionPlace b, DateTimeOffset now)
    {
        var (levelA, levelB) = (AgedLevel(a.Ticket, now), AgedLevel(b.Ticket, now));
        return levelA != levelB ? levelA > levelB : b.Ticket.QueuedAt - a.Ticket.QueuedAt >= _settings.WakeInterval;
    }

    /// <summary>True while a task granted a slot on <paramref name="to"/> is still to move there from <paramref name="from"/>.</summary>
    private bool MovingBetween(string from, string to, IEnumerable<AdmissionPlace> granted) =>
        State.Running.Values.Concat(granted).Any(p => p.MovingFrom == from && p.Silo == to && !p.Taken);

    /// <summary>A task bound to the silo it waits on: resting there, or not moved again within the grace after a move failed.</summary>
    private bool Pinned(AdmissionPlace place, DateTimeOffset now) =>
        IsResting(place.TaskId) || (place.MoveFailedAt is { } failed && now - failed <= _settings.GraceForGone);

    /// <summary>
    /// The task's place among the waiting tasks; null unless it waits. First, in ranking order, the
    /// tasks that can start now: their owner has fewer than <see cref="AdmissionSettings.MaxRunningPerUser"/>
    /// places counted (holding, granted, resting). Then, in ranking order, the tasks of owners at that limit.
    /// A task bound to its silo (<see cref="Pinned"/>) counts only before tasks that wait on the same silo: it
    /// takes no other silo's slot. A task waiting on a gone silo counts (a slot is kept for it, see <see cref="Admit"/>).
    /// So 1 is the task that takes the next slot freed on its silo, unless the owner of a task that freed it was at
    /// the limit and has a task ranked ahead; or one freed on a silo where no task waits within a wake interval of it
    /// and no task moves from to its own (see <see cref="Admit"/>). It is what the queue knows now: a task that
    /// queued earlier but asks later, or ages past it, goes ahead of it.
    /// </summary>
    public int? Position(Guid taskId)
    {
        if (!State.Waiting.TryGetValue(taskId, out var task))
        {
            return null;
        }

        var byOwner = RunningByOwner();
        var now = _time.GetUtcNow();
        bool CanStart(AdmissionPlace place) => IsResting(place.TaskId) || UnderLimit(place.Ticket.OwnerId, byOwner);
        bool Competes(AdmissionPlace place) => place.Silo == task.Silo || !Pinned(place, now);

        var heldBack = !CanStart(task);
        var ahead = true;
        var position = 1;
        foreach (var place in Ranked(now))
        {
            if (place.TaskId == taskId)
            {
                if (!heldBack)
                {
                    return position;
                }

                ahead = false;
            }
            else if ((CanStart(place) || (heldBack && ahead)) && Competes(place))
            {
                // A held-back task comes after every task that can start, and after the held-back ones ranked ahead of it.
                position++;
            }
        }

        return position;
    }

    /// <summary>The waiting tasks, next first: by aged priority, then arrival, then id.</summary>
    public IEnumerable<AdmissionPlace> Ranked(DateTimeOffset now)
    {
        var lines = _byPriority.Select(line => line.GetEnumerator()).ToArray();
        var heads = lines.Select(line => line.MoveNext() ? line.Current : null).ToArray();
        while (true)
        {
            var best = -1;
            for (var i = 0; i < heads.Length; i++)
            {
                if (heads[i] is { } head && (best < 0 || Ahead(head, heads[best]!, now)))
                {
                    best = i;
                }
            }

            if (best < 0)
            {
                yield break;
            }

            yield return heads[best]!;
            heads[best] = lines[best].MoveNext() ? lines[best].Current : null;
        }
    }

    /// <summary>The level a waiting task has reached: its priority, one higher per ageing period waited, at most high.</summary>
    public int AgedLevel(AdmissionTicket ticket, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        var waited = now - ticket.QueuedAt;
        var risen = waited <= TimeSpan.Zero ? 0 : (int)Math.Min(Levels, waited.Ticks / _settings.Ageing.Ticks);
        return Math.Min((int)TaskPriority.High, (int)ticket.Priority + risen);
    }

    private bool Ahead(AdmissionPlace a, AdmissionPlace b, DateTimeOffset now)
    {
        var (levelA, levelB) = (AgedLevel(a.Ticket, now), AgedLevel(b.Ticket, now));
        return levelA != levelB ? levelA > levelB : ArrivalOrder.Instance.Compare(a, b) < 0;
    }

    private int FreeSlots(string silo) =>
        State.Slots.GetValueOrDefault(silo, _settings.DefaultSlots) - State.Running.Values.Count(p => !p.Resting && p.Silo == silo);

    private Dictionary<string, int> RunningByOwner()
    {
        var byOwner = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var place in State.Running.Values)
        {
            byOwner[place.Ticket.OwnerId] = byOwner.GetValueOrDefault(place.Ticket.OwnerId) + 1;
        }

        return byOwner;
    }

    private bool UnderLimit(string owner, Dictionary<string, int> byOwner) =>
        _settings.MaxRunningPerUser <= 0 || byOwner.GetValueOrDefault(owner) < _settings.MaxRunningPerUser;

    // A resting task asking for a slot again already counts toward its owner's limit.
    private bool IsResting(Guid taskId) => State.Running.TryGetValue(taskId, out var place) && place.Resting;

    private SortedSet<AdmissionPlace> Line(AdmissionPlace place) => _byPriority[(int)place.Ticket.Priority - (int)TaskPriority.Low];

    private void Remove(Guid taskId)
    {
        if (State.Waiting.Remove(taskId, out var waiting))
        {
            Line(waiting).Remove(waiting);
            _changedWaiting.Add(taskId);
        }

        if (State.Running.Remove(taskId))
        {
            IndexChanged = true;
        }
    }

    /// <summary>
    /// The ranking, read once, front to back, by <see cref="Admit"/>, which also looks ahead of where it is for the
    /// best task waiting on a silo. Only what has been looked at is read, and each look-ahead for a silo starts where
    /// the last one for it stopped: what it passed over stays passed over (granted, or its owner at the limit).
    /// </summary>
    private sealed class RankedLookahead(IEnumerable<AdmissionPlace> ranked)
    {
        private readonly IEnumerator<AdmissionPlace> _source = ranked.GetEnumerator();
        private readonly List<AdmissionPlace> _read = [];
        private readonly Dictionary<string, int> _lookedFrom = new(StringComparer.Ordinal);

        public bool TryGet(int index, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out AdmissionPlace place)
        {
            while (_read.Count <= index && _source.MoveNext())
            {
                _read.Add(_source.Current);
            }

            place = index < _read.Count ? _read[index] : null;
            return place is not null;
        }

        /// <summary>The first task from <paramref name="index"/> on that waits on the silo and matches.</summary>
        public AdmissionPlace? Next(int index, Func<AdmissionPlace, bool> match, string silo)
        {
            var at = Math.Max(index, _lookedFrom.GetValueOrDefault(silo));
            while (TryGet(at, out var place) && !match(place))
            {
                at++;
            }

            _lookedFrom[silo] = at;
            return TryGet(at, out var found) ? found : null;
        }
    }

    private sealed class ArrivalOrder : IComparer<AdmissionPlace>
    {
        public static readonly ArrivalOrder Instance = new();

        public int Compare(AdmissionPlace? x, AdmissionPlace? y)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            var byTime = x.Ticket.QueuedAt.CompareTo(y.Ticket.QueuedAt);
            return byTime != 0 ? byTime : x.TaskId.CompareTo(y.TaskId);
        }
    }
}
