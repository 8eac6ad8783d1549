using System.Collections.Immutable;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using OrleansTasks.Admission;

namespace OrleansTasks.Tasks;

/// <summary>
/// One silo's side of cluster-wide admission: its tasks ask here for a slot and give it back here;
/// the cluster's <see cref="IAdmissionQueueGrain"/> decides. Calls to the queue go one at a time,
/// each carrying every request and leave gathered while the previous one was on its way, so many
/// small tasks share a round trip. A task told to wait is woken when the queue grants it a slot.
/// After a call the queue did not answer (it failed: the queue's silo died, or the call timed out), every
/// task waiting here asks again with the next call, until the queue answers: the queue may have granted
/// one of them a slot in the call whose answer was lost. Meanwhile they wait; each failure in a row waits longer
/// before the next call (<see cref="RetryBackoff"/>). One whose activation goes away meanwhile asks still: a grant
/// that comes back is handed back, and the task woken.
/// A task waiting to retry a slice rests: it gives its slot back but keeps its owner's place, and
/// asks for a slot again when its wait ends.
/// Every wake interval (a third of the lease period) a silo holding a slot also calls with nothing else to carry: the
/// queue, which writes its record of the slots held only now and then, learns from these calls what each silo holds
/// after it lost its memory, and grants nothing until every live silo has said so or a silo holding nothing would have
/// (see <see cref="AdmissionSilos.AwaitReports"/>).
/// </summary>
public sealed partial class TaskAdmission(
    IOptions<TasksOptions> options, IGrainFactory grains, ILocalSiloDetails silo, TimeProvider time, ILogger<TaskAdmission> logger) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly string _silo = silo.SiloAddress.ToParsableString();
    private readonly Dictionary<Guid, AdmissionTicket> _holding = [];
    private readonly Dictionary<Guid, AdmissionTicket> _resting = [];

    // Tasks waiting here for a slot, with the ticket they asked with: after a failed call all ask again (see ExchangeAsync).
    private readonly Dictionary<Guid, AdmissionTicket> _waiting = [];
    private readonly Dictionary<Guid, (AdmissionTicket Ticket, TaskCompletionSource<bool> Answer)> _entering = [];

    // Waiting tasks whose request the queue has not answered (the call carrying it failed): sent again with each call until one is answered.
    private readonly Dictionary<Guid, AdmissionTicket> _unanswered = [];

    // Such tasks whose activation went away: the request goes until answered, so that a grant made in the call whose answer was
    // lost comes back and is handed back, waking the task (see Take); dropped, it would stand for no one until the task's lease.
    private readonly Dictionary<Guid, AdmissionTicket> _unansweredGone = [];

    // The waiting tasks whose request the call on its way sends again.
    private readonly HashSet<Guid> _resending = [];

    // The answers owed to tasks that asked, from when they ask (before their request is sent) until the queue answered.
    private readonly Dictionary<Guid, Task<bool>> _answers = [];
    private readonly HashSet<Guid> _leaving = [];

    // Tasks granted a slot while they waited here, whose holding no call has said yet: the queue does not know them processing.
    private readonly HashSet<Guid> _unreported = [];

    // Of the released, those granted while they waited here whose holding no call said: the release says they started (see Release).
    private readonly HashSet<Guid> _releasedStarted = [];

    // Tasks that began to rest while their request was on its way: a failed call does not send that request again.
    private readonly HashSet<Guid> _restedWhileAsking = [];

    // Tasks whose activation here went away unfinished, or that a grant reached gone: the queue keeps their owner's place, not their slot.
    private readonly HashSet<Guid> _released = [];

    // After a failed call, every waiting task's request goes again: with thousands waiting and the queue's silo gone, a call
    // every half second from each silo would be large and frequent. Successive failures wait longer (used by the one exchange loop).
    private readonly RetryBackoff _backoff = new(time);

    // The calls every wake interval (see the class), from the silo's first call on.
    private ITimer? _reports;
    private bool _exchanging;

    // Set when what the silo holds changed without a request or leave to carry it (a task began to rest).
    private bool _reportDue;
    private bool _stopped;

    // Set once the queue has had an exchange from this silo, and so knows its slots.
    private bool _slotsKnown;

    public int Capacity => options.Value.MaxRunningPerSilo;

    /// <summary>Tasks holding a slot on this silo.</summary>
    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _holding.Count;
            }
        }
    }

    /// <summary>Tasks on this silo waiting for a slot.</summary>
    public int Queued
    {
        get
        {
            lock (_lock)
            {
                return _waiting.Count;
            }
        }
    }

    private IAdmissionQueueGrain Queue => grains.GetGrain<IAdmissionQueueGrain>(0);

    /// <summary>True when the task holds a slot here; false when it waits (it is woken once granted one).</summary>
    public Task<bool> TryEnterAsync(AdmissionTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        lock (_lock)
        {
            // Back on this silo before its release was sent: the queue never learns it was away.
            _released.Remove(ticket.TaskId);
            _releasedStarted.Remove(ticket.TaskId);
            _unanswered.Remove(ticket.TaskId);
            _unansweredGone.Remove(ticket.TaskId);
            if (_holding.ContainsKey(ticket.TaskId))
            {
                return Task.FromResult(true);
            }

            if (_answers.TryGetValue(ticket.TaskId, out var owed))
            {
                return owed;
            }

            var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            _entering[ticket.TaskId] = (ticket, answer);
            _answers[ticket.TaskId] = answer.Task;
            StartExchange();
            return answer.Task;
        }
    }

    /// <summary>
    /// The task waits to retry a slice: it gives back its slot but, <c>processing</c> still, keeps counting
    /// toward its owner's <c>Tasks:MaxRunningPerUser</c>. It asks for a slot again with <see cref="TryEnterAsync"/>.
    /// </summary>
    public void Rest(AdmissionTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        lock (_lock)
        {
            if (_resting.ContainsKey(ticket.TaskId))
            {
                return;
            }

            _holding.Remove(ticket.TaskId);
            _unreported.Remove(ticket.TaskId);
            _waiting.Remove(ticket.TaskId);
            _unanswered.Remove(ticket.TaskId);
            if (_answers.ContainsKey(ticket.TaskId))
            {
                _restedWhileAsking.Add(ticket.TaskId);
            }

            _resting[ticket.TaskId] = ticket;
            _reportDue = true;
            StartExchange();
        }
    }

    /// <summary>
    /// Tells the queue this silo's slots before any task here asks (the silo has started): a slot is granted to the
    /// head of the line, which moves here, only on a silo the queue knows the slots of.
    /// </summary>
    public void ReportSlots()
    {
        lock (_lock)
        {
            _reportDue = true;
            StartExchange();
        }
    }

    /// <summary>Tells the queue what this silo holds, if anything (every wake interval, see the class).</summary>
    private void ReportHolding()
    {
        lock (_lock)
        {
            if (_holding.Count > 0 || _resting.Count > 0)
            {
                _reportDue = true;
                StartExchange();
            }
        }
    }

    /// <summary>The task has ended: it gives back its slot or its place in the queue.</summary>
    public void Leave(Guid taskId)
    {
        lock (_lock)
        {
            _holding.Remove(taskId);
            _unreported.Remove(taskId);
            _resting.Remove(taskId);
            _waiting.Remove(taskId);
            _unanswered.Remove(taskId);
            _unansweredGone.Remove(taskId);
            _leaving.Add(taskId);
            StartExchange();
        }
    }

    /// <summary>
    /// The task's activation goes away before the task ended: it gives back its slot here, but keeps its owner's
    /// place (the queue holds it for the grace of a gone silo, waking the task to ask again) and its turn if it waits.
    /// </summary>
    public void Release(Guid taskId)
    {
        lock (_lock)
        {
            if (_unreported.Remove(taskId) && _holding.Remove(taskId))
            {
                // Granted while it waited here, it took the slot, but no call has said so: the release says it started, so that
                // the queue keeps its owner's place and frees the slot, not taking it for a grant never taken (a pending task's).
                // It is not said held after it left: by then its next activation may have asked from another silo.
                _released.Add(taskId);
                _releasedStarted.Add(taskId);
                StartExchange();
                return;
            }

            // A waiting task's turn stays in the queue: a grant that reaches it gone is handed back (see Take). A request
            // the queue has not answered (a call failed) still goes: the queue may have granted the slot in the lost answer.
            if (_unanswered.Remove(taskId, out var unanswered) || (_resending.Contains(taskId) && _waiting.TryGetValue(taskId, out unanswered)))
            {
                _unansweredGone[taskId] = unanswered;
                StartExchange();
            }

            _waiting.Remove(taskId);
            if (_entering.Remove(taskId, out var asking))
            {
                _answers.Remove(taskId);
                _restedWhileAsking.Remove(taskId);
                asking.Answer.TrySetResult(false);
            }

            // A request on its way may come back granted: its grant is handed back too.
            var asked = _answers.ContainsKey(taskId);
            if (_holding.Remove(taskId) | _resting.Remove(taskId) | asked)
            {
                _released.Add(taskId);
                StartExchange();
            }
        }
    }

    /// <summary>The task's place in line as the queue knows it (1 next, see <see cref="AdmissionLine.Position"/>); null unless the queue knows it waiting.</summary>
    public async Task<int?> QueuePositionAsync(Guid taskId)
    {
        Task<bool>? owed;
        lock (_lock)
        {
            if (_holding.ContainsKey(taskId))
            {
                return null;
            }

            _answers.TryGetValue(taskId, out owed);
        }

        // A task whose request is on its way has no place yet: its place is known once the queue answered.
        if (owed is not null && await owed)
        {
            return null;
        }

        return await Queue.Position(taskId);
    }

    private void StartExchange()
    {
        if (_reports is null && !_stopped)
        {
            var every = options.Value.LeasePeriod / 3;
            _reports = time.CreateTimer(_ => ReportHolding(), null, every, every);
        }

        if (!_exchanging)
        {
            _exchanging = true;

            // The loop outlives the call that started it: it carries none of that call's context (its request
            // context, such as a placement hint) into the calls it makes for every task of the silo.
            using (ExecutionContext.SuppressFlow())
            {
                _ = Task.Run(ExchangeAsync);
            }
        }
    }

    private async Task ExchangeAsync()
    {
        while (true)
        {
            List<(AdmissionTicket Ticket, TaskCompletionSource<bool> Answer)> entering;
            List<AdmissionTicket> unanswered;
            AdmissionExchange exchange;
            lock (_lock)
            {
                if (_stopped || (_entering.Count == 0 && _unanswered.Count == 0 && _unansweredGone.Count == 0 && _leaving.Count == 0 && _released.Count == 0 && !_reportDue))
                {
                    foreach (var (ticket, answer) in _entering.Values)
                    {
                        _answers.Remove(ticket.TaskId);
                        answer.TrySetResult(false);
                    }

                    _entering.Clear();
                    _exchanging = false;
                    return;
                }

                entering = [.. _entering.Values];
                unanswered = [.. _unanswered.Values, .. _unansweredGone.Values];
                _resending.Clear();
                _resending.UnionWith(_unanswered.Keys);
                exchange = new AdmissionExchange(_silo, Slots, [.. _holding.Values], [.. entering.Select(e => e.Ticket), .. unanswered], [.. _leaving])
                {
                    Resting = [.. _resting.Values],
                    Released = [.. _released],
                    Started = [.. _releasedStarted],
                };
                _entering.Clear();
                _unanswered.Clear();
                _leaving.Clear();
                _released.Clear();
                _releasedStarted.Clear();
                _reportDue = false;
            }

            ImmutableArray<AdmissionTicket> admitted;
            try
            {
                admitted = await Queue.Exchange(exchange);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                // The tasks asking wait, and their requests go again with the next call (left to their leases, they would
                // wait a lease period, a grant the queue made in a call that timed out lost meanwhile). Leaves are kept too.
                ExchangeFailed(logger, exception, exchange.Entering.Length, exchange.Leaving.Length);
                lock (_lock)
                {
                    _leaving.UnionWith(exchange.Leaving);
                    _released.UnionWith(exchange.Released);
                    _releasedStarted.UnionWith(exchange.Started.Where(_released.Contains));
                    _reportDue |= exchange.Resting.Length > 0 || !_slotsKnown;
                    // Each goes again unless, meanwhile, it asked again (that request goes instead), ended, went away or began
                    // to rest. A resting task whose wait ended, asking for a slot, rests still: its request goes again.
                    foreach (var (ticket, answer) in entering)
                    {
                        if (!_entering.ContainsKey(ticket.TaskId) && !_released.Contains(ticket.TaskId) && !_leaving.Contains(ticket.TaskId)
                            && !_restedWhileAsking.Contains(ticket.TaskId))
                        {
                            _waiting[ticket.TaskId] = ticket;
                        }

                        _restedWhileAsking.Remove(ticket.TaskId);
                        _answers.Remove(ticket.TaskId);
                        answer.TrySetResult(false);
                    }

                    // Every task waiting here asks again, not only those the call carried: the queue may have heard the call and
                    // granted a slot to one that waits here, in the answer that was lost. Asked again, a waiting task takes that slot
                    // (or its turn, if the grant is gone); not asked, the grant would be lost (the next call does not list it held).
                    // A resting task's grant is not taken: the next call lists it resting still, so the grant goes back to its resting
                    // place, and its request, asked again, is usually granted again in the same call (see AdmissionLine.Report).
                    foreach (var (taskId, ticket) in _waiting.Where(w => !_entering.ContainsKey(w.Key)))
                    {
                        _unanswered[taskId] = ticket;
                    }
                }

                await _backoff.WaitAsync();
                continue;
            }

            _backoff.Succeeded();
            _slotsKnown = true;
            lock (_lock)
            {
                _resending.Clear();
                foreach (var ticket in unanswered)
                {
                    _unansweredGone.Remove(ticket.TaskId);
                }

                _unreported.ExceptWith(exchange.Holding.Select(ticket => ticket.TaskId));
            }

            Take(entering, admitted);
        }
    }

    private void Take(List<(AdmissionTicket Ticket, TaskCompletionSource<bool> Answer)> entering, ImmutableArray<AdmissionTicket> admitted)
    {
        var asked = entering.Select(e => e.Ticket.TaskId).ToHashSet();
        var granted = new HashSet<Guid>();
        var handedBack = new List<Guid>();
        lock (_lock)
        {
            foreach (var ticket in admitted.Where(t => !_leaving.Contains(t.TaskId)))
            {
                if (_released.Contains(ticket.TaskId)
                    || !(_waiting.ContainsKey(ticket.TaskId) || asked.Contains(ticket.TaskId) || _entering.ContainsKey(ticket.TaskId)))
                {
                    // Its activation here went away (released while it waited, or while its request was on its way):
                    // held here, the slot would be reported for good. It goes back, and the task is woken to ask again.
                    _released.Add(ticket.TaskId);
                    handedBack.Add(ticket.TaskId);
                    continue;
                }

                // Holding the slot, the task is processing. A grant to a task that waited here did not say so: the queue
                // learns it from the next call, which says the slots held; no call is made for it alone (a cost per task).
                // Should the task's activation go away before then, its release says it started (see Release).
                _holding[ticket.TaskId] = ticket with { Processing = true };
                if (!ticket.Processing)
                {
                    _unreported.Add(ticket.TaskId);
                }

                _resting.Remove(ticket.TaskId);
                _waiting.Remove(ticket.TaskId);
                granted.Add(ticket.TaskId);
            }

            foreach (var (ticket, answer) in entering)
            {
                if (!granted.Contains(ticket.TaskId) && !_leaving.Contains(ticket.TaskId) && !_released.Contains(ticket.TaskId))
                {
                    _waiting[ticket.TaskId] = ticket;
                }

                _restedWhileAsking.Remove(ticket.TaskId);
                _answers.Remove(ticket.TaskId);
                answer.TrySetResult(granted.Contains(ticket.TaskId));
            }
        }

        foreach (var taskId in granted.Where(id => !asked.Contains(id)).Concat(handedBack))
        {
            grains.GetGrain<IIndexTaskWorker>(taskId).Wake().Ignore();
        }

        TellStartedWhileDraining(granted);
    }

    /// <summary>The silo stops: nothing more is sent, and what is left to say is said by the tasks' leases and the queue's reconciliation.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            _stopped = true;
        }

        _reports?.Dispose();
    }

    [LoggerMessage(1, LogLevel.Warning, "Admission: the exchange with the queue failed ({Entering} asking, {Leaving} leaving); retrying")]
    private static partial void ExchangeFailed(ILogger logger, Exception exception, int entering, int leaving);
}
