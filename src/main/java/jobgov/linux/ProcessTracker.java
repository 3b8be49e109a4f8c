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
 * A job's processes as its event thread sees them: NewProcess / ProcessExited from the process-events connector
 * where it is open (forks and exits with their statuses, fed by {@link ConnectorFeed}) and from diffing the job's
 * {@code cgroup.procs} every tick (all of it without the connector, where only the processes the job started have
 * a parent here to report an exit code). Pids are reused: a fork starts a pid's record afresh. A pid that leaves
 * {@code cgroup.procs} while its process lives on (same start time, not a zombie) in a cgroup outside the job has
 * escaped (a root member moved itself): ProcessEscaped, never an exit, and its later end is not reported; with the
 * connector open that verdict waits (up to a second) for the member's exit message, because a stranger that reused
 * the pid looks the same. Shared by the cgroup1 and cgroup2 jobs.
 */
final class ProcessTracker {
    /** Where a live pid is now, when that is outside the job; empty when it is gone, dying, or still inside. */
    interface Escapes {
        java.util.Optional<String> outside(long pid, long startTime);
    }

    // event thread only
    private final Set<Long> known = new HashSet<>();
    private final java.util.Map<Long, Long> startTimes = new java.util.HashMap<>();
    private final Set<Long> escaped = new HashSet<>();
    // pids that already made the job count as populated: a pid reported late (joined() after a tick already
    // saw it, or after it died) must not make one emptying look like two
    private final Set<Long> populatedBy = new HashSet<>();
    // shared with other threads
    private final ConcurrentLinkedQueue<Long> added = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<long[]> startedExits = new ConcurrentLinkedQueue<>();
    private final Set<Long> started = ConcurrentHashMap.newKeySet();
    private final Set<Long> seen = ConcurrentHashMap.newKeySet();
    private final java.util.Map<Long, Long> joinedStart = new ConcurrentHashMap<>();
    private final Escapes escapes;
    // from the process-events connector (its thread): the pids believed in the job, the exit status of those that ended
    private final Set<Long> members = ConcurrentHashMap.newKeySet();
    private final java.util.Map<Long, Integer> exitStatus = new ConcurrentHashMap<>();
    private volatile boolean connected;
    private volatile boolean resync;
    // started processes whose end the JDK reported before the connector's exit message for them came
    private final Set<Long> endedStarted = ConcurrentHashMap.newKeySet();
    // the machine's latest forks and exits of processes not (yet) known as members, bounded: see forked()
    private final java.util.Map<Long, java.util.List<Long>> recentForks = bounded();
    private final java.util.Map<Long, Integer> recentExits = bounded();
    // when the connector last read a fork creating each pid (System.nanoTime's clock), bounded
    private final java.util.Map<Long, Long> forkedAt = bounded();
    // started processes whose own fork message the connector has not read yet: what it reads about their pid until
    // then is an earlier process's (its exit, its children); value: System.nanoTime() just before the start
    private final java.util.Map<Long, Long> unborn = new java.util.HashMap<>();
    /** How long a started process waits for its fork message before it is a member anyway (a lost subscription, say). */
    private static final long UNBORN_WAIT_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(5);

    private static <V> java.util.Map<Long, V> bounded() {
        return new java.util.LinkedHashMap<>() {
            @Override
            protected boolean removeEldestEntry(java.util.Map.Entry<Long, V> eldest) {
                return size() > 4096;
            }
        };
    }
    // event thread only: pids gone from cgroup.procs whose exit status has not come yet, since when
    private final java.util.Map<Long, Instant> awaitingStatus = new java.util.HashMap<>();
    /** How long a pid gone from the process list waits for its exit status from the connector before it is reported without one. */
    private static final java.time.Duration STATUS_WAIT = java.time.Duration.ofSeconds(1);

    /** A tracker that reads /proc/PID/cgroup of the hierarchy {@code hierarchyId} (0: unified) to tell an escape from an exit. */
    ProcessTracker(int hierarchyId, java.util.function.Supplier<java.nio.file.Path> jobDir) {
        this.escapes = (pid, start) -> outside(pid, start, hierarchyId, jobDir.get());
    }

    /**
     * A process the job put in (assign, or start once it has joined): NewProcess on the next tick, even if it is gone
     * by then. The children an assigned process forked before it was moved stay where they are (outside the job):
     * they are not adopted; those it forks from now on are, and the tick's process list finds any in between.
     */
    synchronized void joined(long pid) {
        // its start time now, while the pid is surely its own: read on the tick, it could be a stranger's already
        joinedStart.put(pid, startTime(pid));
        if (!unborn.containsKey(pid)) {
            members.add(pid);
        }
        seen.add(pid);
        added.add(pid);
        recentForks.remove(pid);
    }

    /**
     * A process the job started, with {@code since} the {@link System#nanoTime()} just before its fork: its exit is
     * reported with its code, not from the process list. The pid may have been an earlier process's a moment ago, and
     * the connector may not have read that one's last forks and its exit yet: the messages come in the kernel's order,
     * so what comes before the fork that created this process (stamped {@code since} or later) is not its own. Until
     * that fork is read, the process is not a member; its children are adopted from it on.
     */
    synchronized void starting(long pid, long since) {
        started.add(pid);
        Long at = forkedAt.get(pid);
        if (connected && (at == null || at < since)) {
            unborn.put(pid, since);
            return;
        }
        members.add(pid);
        java.util.List<Long> children = recentForks.remove(pid);
        if (children != null) {
            children.forEach(this::adopt);
        }
    }

    /** The process-events connector feeds this tracker from now on: exits wait (briefly) for their status. */
    void connected() {
        connected = true;
    }

    /**
     * The connector lost messages (its receive buffer overran): a member whose exit was lost would stay one, and a
     * stranger that reuses its pid would be taken for the job's. The next tick keeps as members only the listed ones.
     */
    void overrun() {
        resync = true;
    }

    /**
     * A fork seen by the connector (its thread), stamped {@code at} by the kernel: a child of a member is a member (it
     * starts in its parent's cgroups).
     *
     * @return whether {@code child} joined the job (and needs the job's per-process limits)
     */
    synchronized boolean forked(long parent, long child, long at) {
        // a fork starts a pid's life: what an earlier process with that pid did (its exit, its forks) is not this one's
        // (pids wrap within seconds under fork load; a stranger's status or children must never become the job's)
        recentExits.remove(child);
        recentForks.remove(child);
        forkedAt.put(child, at);
        if (members.remove(child)) {
            endedStarted.remove(child); // the pid's earlier process is gone, its exit message lost: no member now
        }
        Long since = unborn.get(child);
        if (since != null && at >= since) {
            // the fork of a process the job started: a member from here on (its wrapper set its rlimits itself)
            unborn.remove(child);
            members.add(child);
            return false;
        }
        if (!members.contains(parent)) {
            // the parent may become a member a moment later (a started shell forks before start() returns): remember
            recentForks.computeIfAbsent(parent, p -> new java.util.ArrayList<>()).add(child);
            return false;
        }
        adopt(child);
        return true;
    }

    /** {@code pid} is a member: so are the children it forked before we knew, recursively; the ones that ended keep their status. */
    private void adopt(long pid) {
        java.util.Deque<Long> todo = new java.util.ArrayDeque<>(List.of(pid));
        while (!todo.isEmpty()) {
            long p = todo.pop();
            Integer status = recentExits.remove(p);
            if (status != null) {
                exitStatus.put(p, status);
            } else {
                members.add(p);
            }
            if (p != pid || !started.contains(p)) {
                seen.add(p);
                added.add(p);
            }
            java.util.List<Long> children = recentForks.remove(p);
            if (children != null) {
                todo.addAll(children);
            }
        }
    }

    /** An exit seen by the connector (its thread), with its wait(2) status; whether it was a member's. */
    synchronized boolean exited(long pid, int status) {
        recentForks.remove(pid);
        if (!members.remove(pid)) {
            recentExits.put(pid, status);
            return false;
        }
        if (endedStarted.remove(pid)) {
            return false; // a started process whose exit the JDK reported already, with its code
        }
        exitStatus.put(pid, status);
        return true;
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
        // The exits first, then the joins: joined() always comes before a started process's exit is queued, so every
        // pid of these exits has its join queued already and is reported new before it is reported gone (polling the
        // joins first let a join queued mid-tick come in the tick after its exit: a second NewProcess and emptying).
        List<long[]> exits = new java.util.ArrayList<>();
        for (long[] x; (x = startedExits.poll()) != null; ) {
            exits.add(x);
        }
        Long a;
        while ((a = added.poll()) != null) {
            joined |= populatedBy.add(a);
            Long joinedAt = joinedStart.remove(a);
            if (known.add(a)) {
                startTimes.put(a, joinedAt != null ? joinedAt : startTime(a));
                events.accept(new JobEvent.NewProcess(now, a));
            }
        }
        seed(current);
        for (long pid : current) {
            joined |= populatedBy.add(pid);
            if (known.add(pid)) {
                seen.add(pid);
                startTimes.put(pid, startTime(pid));
                events.accept(new JobEvent.NewProcess(now, pid));
            }
        }
        Set<Long> ended = exits.isEmpty() ? Set.of() : new HashSet<>();
        exits.forEach(x -> ended.add(x[0]));
        for (Long pid : List.copyOf(known)) {
            if (current.contains(pid) || added.contains(pid)) {
                // still in, or the connector queued its join after this tick took the joins (it can read a fork and
                // the exit right after it in between): reported gone on the next tick, else it would be new again
                continue;
            }
            // gone from cgroup.procs: exited, or alive elsewhere (escaped); a dying task still shows the job's cgroup.
            // An exit already known is one; else a live process outside with the pid may be a stranger that reused it
            // after the member ended, so with the connector the escape waits for the member's exit message (the
            // kernel sends it before the pid is free, the connector may just not have read it yet).
            java.util.Optional<String> to = ended.contains(pid) || exitStatus.containsKey(pid) ? java.util.Optional.empty()
                    : escapes.outside(pid, startTimes.getOrDefault(pid, -1L));
            if (to.isPresent() && connected && waiting(pid, now)) {
                continue;
            }
            if (to.isPresent()) {
                awaitingStatus.remove(pid);
                known.remove(pid);
                startTimes.remove(pid);
                escaped.add(pid);
                left(pid);
                events.accept(new JobEvent.ProcessEscaped(now, pid, to.get()));
            } else if (!started.contains(pid)) {
                Integer status = exitStatus.remove(pid);
                if (status == null && connected && waiting(pid, now)) {
                    continue; // the connector's exit message may trail the process list by a moment: wait for the status
                }
                awaitingStatus.remove(pid);
                known.remove(pid);
                startTimes.remove(pid);
                events.accept(exit(now, pid, status));
            }
        }
        for (long[] exit : exits) {
            long pid = exit[0];
            int code = (int) exit[1];
            started.remove(pid);
            awaitingStatus.remove(pid);
            startedEnded(pid);
            known.remove(pid);
            startTimes.remove(pid);
            if (escaped.remove(pid)) {
                continue; // it left the job before it ended: its escape was the job's news, its exit is not
            }
            // joined() came before its exit was registered, so no late report of this pid can follow
            populatedBy.remove(pid);
            // the JDK reports death by signal N as 128+N
            events.accept(code > 128 && code < 128 + 65 ? new JobEvent.AbnormalExit(now, pid, code, code - 128)
                    : new JobEvent.ProcessExited(now, pid, code));
        }
        return joined;
    }

    /**
     * The job's listed processes are members (those that joined before the connector did), except one whose exit
     * the connector reported since the list was read: kept, that dead pid would make a stranger that reuses it a
     * member, and its children would get the job's per-process limits.
     */
    private synchronized void seed(Set<Long> current) {
        boolean lost = resync;
        if (resync) {
            resync = false;
            members.removeIf(pid -> !current.contains(pid) && !started.contains(pid));
        }
        if (!unborn.isEmpty()) {
            // a started process whose fork message was lost (an overrun) or is long overdue: a member as listed, if it runs
            long now = System.nanoTime();
            unborn.entrySet().removeIf(u -> {
                if (!lost && now - u.getValue() < UNBORN_WAIT_NANOS) {
                    return false;
                }
                if (started.contains(u.getKey())) {
                    members.add(u.getKey());
                } else {
                    endedStarted.remove(u.getKey());
                }
                return true;
            });
        }
        for (long pid : current) {
            if (!exitStatus.containsKey(pid) && !unborn.containsKey(pid)) {
                members.add(pid);
            }
        }
    }

    /**
     * A started process ended (the JDK's reaper said so). The connector may still be reading the forks it made
     * before it ended (it lags the reaper under load): it stays a parent the job knows until the connector's own
     * exit message for it, which then carries no news.
     */
    private synchronized void startedEnded(long pid) {
        exitStatus.remove(pid);
        if (connected && (members.contains(pid) || unborn.containsKey(pid))) {
            endedStarted.add(pid);
        } else {
            members.remove(pid);
        }
    }

    /** Whether {@code pid}, gone from the process list since a tick before {@code now}, still waits for the connector's word on it. */
    private boolean waiting(long pid, Instant now) {
        Instant since = awaitingStatus.computeIfAbsent(pid, p -> now);
        return java.time.Duration.between(since, now).compareTo(STATUS_WAIT) < 0;
    }

    /** An escaped process is no longer a member: what it forks from now on, outside the job, is not the job's. */
    private synchronized void left(long pid) {
        members.remove(pid);
        endedStarted.remove(pid);
    }

    /** Whether a pid gone from the process list still waits for its exit status (the event thread should check again soon). */
    boolean awaitingStatus() {
        return !awaitingStatus.isEmpty();
    }

    /** ProcessExited with the exit code, or AbnormalExit with the signal (128+N as the shell says), from a wait(2) status. */
    private static JobEvent exit(Instant now, long pid, Integer status) {
        if (status == null) {
            return new JobEvent.ProcessExited(now, pid, null);
        }
        int signal = status & 0x7f;
        return signal != 0 ? new JobEvent.AbnormalExit(now, pid, 128 + signal, signal) : new JobEvent.ProcessExited(now, pid, (status >> 8) & 0xff);
    }

    /** The task flag (field 9 of /proc/PID/stat) the kernel sets when a process starts to exit. */
    private static final long PF_EXITING = 0x4;

    /** Field 22 of /proc/PID/stat (clock ticks since boot), or -1 when the process is gone. */
    static long startTime(long pid) {
        try {
            return Long.parseLong(ProcessStat.fields(pid)[19]);
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * The cgroup {@code pid} is in now (hierarchy {@code hierarchyId}) if it is the process first seen (same start time),
     * alive (not exiting, not a zombie) and outside {@code jobDir}; else empty.
     */
    static java.util.Optional<String> outside(long pid, long startTime, int hierarchyId, java.nio.file.Path jobDir) {
        try {
            java.nio.file.Path proc = java.nio.file.Path.of("/proc", Long.toString(pid));
            String[] fields = ProcessStat.fields(pid);
            char state = fields[0].charAt(0);
            // exiting but not a zombie yet (closing its files, tearing down its memory): on a v1 hierarchy
            // /proc/PID/cgroup shows such a task in the root cgroup, which is no escape
            boolean exiting = (Long.parseLong(fields[6]) & PF_EXITING) != 0;
            if (state == 'Z' || state == 'X' || exiting || startTime < 0 || Long.parseLong(fields[19]) != startTime) {
                return java.util.Optional.empty();
            }
            for (String line : java.nio.file.Files.readAllLines(proc.resolve("cgroup"))) {
                String[] f = line.split(":", 3);
                if (f.length == 3 && f[0].equals(Integer.toString(hierarchyId))) {
                    return inside(f[2], jobDir) ? java.util.Optional.empty() : java.util.Optional.of(f[2]);
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            // gone meanwhile: an exit
        }
        return java.util.Optional.empty();
    }

    /** Whether the cgroup path {@code cgroup} (as /proc/PID/cgroup says) is {@code jobDir} or below it. */
    static boolean inside(String cgroup, java.nio.file.Path jobDir) {
        String job = jobDir.getFileName().toString();
        String[] parts = cgroup.split("/");
        for (int i = 0; i < parts.length; i++) {
            if (parts[i].equals(job)) {
                String upTo = String.join("/", java.util.Arrays.copyOfRange(parts, 0, i + 1));
                return jobDir.toString().endsWith(upTo);
            }
        }
        return false;
    }
}
