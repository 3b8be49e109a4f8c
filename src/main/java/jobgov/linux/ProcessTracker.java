package jobgov.linux;

import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import jobgov.job.JobEvent;

/**
 * A job's processes as its event thread sees them: NewProcess / ProcessExited from diffing the job's
 * {@code cgroup.procs} every tick, and the exit codes of the processes the job started itself (only those
 * have a parent here to report one). Shared by the cgroup1 and cgroup2 jobs.
 */
final class ProcessTracker {
    // event thread only
    private final Set<Long> known = new HashSet<>();
    // pids that already made the job count as populated: a pid reported late (joined() after a tick already
    // saw it, or after it died) must not make one emptying look like two
    private final Set<Long> populatedBy = new HashSet<>();
    // shared with other threads
    private final ConcurrentLinkedQueue<Long> added = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<long[]> startedExits = new ConcurrentLinkedQueue<>();
    private final Set<Long> started = ConcurrentHashMap.newKeySet();
    private final Set<Long> seen = ConcurrentHashMap.newKeySet();

    /** A process the job put in (assign, or start once it has joined): NewProcess on the next tick, even if it is gone by then. */
    void joined(long pid) {
        seen.add(pid);
        added.add(pid);
    }

    /** A process the job started: its exit is reported with its code, not from the process list. */
    void starting(long pid) {
        started.add(pid);
    }

    /** Reports {@code p}'s exit code on the tick after it ends; {@code wake} runs then to bring that tick on. */
    void onExit(Process p, Runnable wake) {
        long pid = p.pid();
        p.onExit().thenAccept(done -> {
            startedExits.add(new long[] {pid, done.exitValue()});
            wake.run();
        });
    }

    /** Whether a process the job started is still running (its exit not yet reported). */
    boolean anyStarted() {
        return !started.isEmpty();
    }

    /** The number of processes ever in the job, given those in it now. */
    int total(Set<Long> now) {
        seen.addAll(now);
        return seen.size();
    }

    /**
     * One tick (event thread only): the events for processes that joined or left since the last one, given the
     * job's processes now.
     *
     * @return whether a process not seen before joined the job since the last tick (the job was populated, however briefly)
     */
    boolean tick(Set<Long> current, Instant now, Consumer<JobEvent> events) {
        boolean joined = false;
        Long a;
        while ((a = added.poll()) != null) {
            joined |= populatedBy.add(a);
            if (known.add(a)) {
                events.accept(new JobEvent.NewProcess(now, a));
            }
        }
        for (long pid : current) {
            joined |= populatedBy.add(pid);
            if (known.add(pid)) {
                seen.add(pid);
                events.accept(new JobEvent.NewProcess(now, pid));
            }
        }
        for (Long pid : List.copyOf(known)) {
            if (!current.contains(pid) && !started.contains(pid)) {
                known.remove(pid);
                events.accept(new JobEvent.ProcessExited(now, pid, null));
            }
        }
        long[] exit;
        while ((exit = startedExits.poll()) != null) {
            long pid = exit[0];
            int code = (int) exit[1];
            started.remove(pid);
            known.remove(pid);
            // joined() came before its exit was registered, so no late report of this pid can follow
            populatedBy.remove(pid);
            // the JDK reports death by signal N as 128+N
            events.accept(code > 128 && code < 128 + 65 ? new JobEvent.AbnormalExit(now, pid, code, code - 128)
                    : new JobEvent.ProcessExited(now, pid, code));
        }
        return joined;
    }
}
