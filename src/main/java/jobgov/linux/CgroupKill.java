package jobgov.linux;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import jobgov.job.JobException;
import jobgov.linux.CgroupGuard.Operation;

/**
 * How a job's processes are all killed, for both cgroup backends: the one terminate path. Every signal to a
 * single process goes through {@link JobSignals}; this class only decides which way the whole job goes:
 * <ol>
 *   <li>keep-host: when this process is itself in the job (the Java agent governs its own JVM), never
 *       {@code cgroup.kill} or a freeze (the guard would refuse both): SIGKILL every other member through pidfds,
 *       repeating until only the caller is left;</li>
 *   <li>else {@code cgroup.kill} where the kernel has it (v2, or the unified tree of a hybrid host), which takes
 *       double-forked processes and nested jobs too, then wait until the job is empty: woken by the kernel's
 *       {@code cgroup.events} notification ({@code populated 0}), not by sleeping and re-reading every hierarchy;</li>
 *   <li>else, or when processes outlive {@code cgroup.kill} by 2 s, SIGKILL every member in rounds, each round
 *       frozen first where a v1 freezer exists (confirmed FROZEN, so nobody forks or exits mid-round).</li>
 * </ol>
 * Gives up with a {@link JobException} after 10 s.
 */
final class CgroupKill {
    private static final System.Logger LOG = System.getLogger("jobgov.linux");
    private static final long SELF = ProcessHandle.current().pid();

    private final String job;
    private final CgroupFs fs;
    private final CgroupGuard guard;
    private final List<Path> dirs;
    private final Supplier<Set<Long>> members;
    private final Path killFile;
    private final Path freezer;

    /**
     * @param dirs     every directory of the job (each is guard-checked before anything is done to it)
     * @param members  re-reads every pid of the job (all its directories, nested jobs included)
     * @param killFile the job's {@code cgroup.kill}, or null
     * @param freezer  the job's v1 freezer directory, or null
     */
    CgroupKill(String job, CgroupFs fs, CgroupGuard guard, List<Path> dirs, Supplier<Set<Long>> members, Path killFile, Path freezer) {
        this.job = job;
        this.fs = fs;
        this.guard = guard;
        this.dirs = List.copyOf(dirs);
        this.members = members;
        this.killFile = killFile;
        this.freezer = freezer;
    }

    /** Whether this process is one of the job's members now. */
    boolean selfInside() {
        return members.get().contains(SELF);
    }

    /** Kills every member but this process; returns once the job holds no other process. */
    void killAll() {
        long deadline = System.nanoTime() + 10_000_000_000L;
        if (selfInside()) {
            for (Path d : dirs) {
                guard.check(d, Operation.KILL_OTHERS, true);
            }
            killLoop(deadline, false);
            return;
        }
        if (killFile != null) {
            guard.check(killFile.getParent(), Operation.KILL, true);
            try {
                fs.write(killFile, "1");
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "job " + job + ": cgroup.kill failed (" + e.getMessage() + "), killing task by task");
            }
            if (waitEmpty(System.nanoTime() + 2_000_000_000L)) {
                return;
            }
        }
        killLoop(deadline, freezer != null);
    }

    /**
     * SIGKILL every task until the job is empty (or only this process is left), never by a pid read earlier:
     * through {@link JobSignals} (pidfds, membership re-read once they are open). With {@code freeze}, each round
     * first freezes the job and waits for FROZEN, so no member can fork or exit (and free its pid) mid-round; on a
     * kernel without pidfds only the tasks of the frozen freezer cgroup are signalled, by plain pid.
     */
    private void killLoop(long deadline, boolean freeze) {
        if (freeze) {
            guard.check(freezer, Operation.FREEZE, true);
            for (Path d : dirs) {
                guard.check(d, Operation.KILL, true);
            }
        }
        while (System.nanoTime() < deadline) {
            Set<Long> left = members.get();
            left.remove(SELF);
            if (left.isEmpty()) {
                return;
            }
            if (freeze) {
                try {
                    if (frozen(deadline)) {
                        Set<Long> inFreezer = fs.procsRecursive(freezer);
                        JobSignals.signalFrozen(inFreezer, members, Libc.SIGKILL);
                        left.removeAll(inFreezer);
                    }
                    if (!left.isEmpty() && JobSignals.pidfdAvailable()) {
                        JobSignals.signalMembers(left, members, Libc.SIGKILL); // members outside the freezer cgroup
                    }
                } finally {
                    writeQuietly(freezer.resolve("freezer.state"), "THAWED");
                }
            } else {
                JobSignals.signalMembers(left, members, Libc.SIGKILL);
            }
            sleep(20);
        }
        throw new JobException("job " + job + ": processes still alive after 10 s of SIGKILL: " + members.get());
    }

    /** Asks the v1 freezer to freeze the job and waits (up to 1 s) until it says FROZEN: every task stopped. */
    private boolean frozen(long deadline) {
        long until = Math.min(deadline, System.nanoTime() + 1_000_000_000L);
        Path state = freezer.resolve("freezer.state");
        do {
            writeQuietly(state, "FROZEN");
            String now = fs.text(state);
            if (now != null && now.equals("FROZEN")) {
                return true;
            }
            sleep(2);
        } while (System.nanoTime() < until);
        return false;
    }

    /**
     * Waits until the job is empty: on its {@code cgroup.events} where there is one (inotify; the kernel notifies
     * {@code populated 0} when the last task of the subtree has gone), confirmed by one read of every directory;
     * else, or when libc is out of reach, by re-reading the process lists every 10 ms.
     */
    private boolean waitEmpty(long deadline) {
        Path events = killFile == null ? null : killFile.resolveSibling("cgroup.events");
        if (events != null && fs.exists(events)) {
            Boolean empty = CgroupEvents.waitUnpopulated(fs, events, deadline);
            if (empty != null && empty && members.get().isEmpty()) {
                return true;
            }
        }
        while (System.nanoTime() < deadline) {
            if (members.get().isEmpty()) {
                return true;
            }
            sleep(10);
        }
        return members.get().isEmpty();
    }

    private void writeQuietly(Path file, String value) {
        try {
            fs.write(file, value);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, e.getMessage());
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
