package jobgov.linux;

import java.nio.file.Path;
import java.util.Collection;
import java.util.function.Supplier;
import jobgov.job.JobException;

/**
 * The safety catch in front of every kill, freeze and limit write: refuses (throws) when the target
 * cgroup is a hierarchy root, this process's own cgroup, or an ancestor of it. That is where the shell,
 * the build tool and the test runner live; one wrong {@code cgroup.kill} there ends the session.
 *
 * <p>The one exception: a job this process created may have this process inside it (the Java agent
 * moves its host JVM into its own job): limit writes on it are allowed, because the host asked to be
 * governed, and so is {@link Operation#KILL_OTHERS} (SIGKILL to every task but the caller, the
 * keep-host terminate). {@code cgroup.kill} and freezing such a job are still refused.
 *
 * <p>The own cgroups are re-read on every check, so a process that moved itself is judged where it is now.
 * Shared by the cgroup1 and cgroup2 backends.
 */
public final class CgroupGuard {
    /** What is about to be done to a cgroup. */
    public enum Operation {
        /** cgroup.kill, or SIGKILL to every task listed in it. */
        KILL,
        /** freezer.state / cgroup.freeze. */
        FREEZE,
        /** a limit file (memory.limit_in_bytes, pids.max, cpu.*...). */
        LIMIT,
        /** SIGKILL to every task of the cgroup except this process (keep-host terminate). */
        KILL_OTHERS
    }

    private final CgroupMounts mounts;
    private final Supplier<? extends Collection<Path>> ownDirs;

    /** A guard for this process: own cgroups from /proc/self/cgroup at each check. */
    public CgroupGuard(CgroupMounts mounts) {
        this(mounts, () -> mounts.ownDirsNow().values());
    }

    /** A guard with a given source of "own" cgroup directories (tests, scratch trees). */
    public CgroupGuard(CgroupMounts mounts, Supplier<? extends Collection<Path>> ownDirs) {
        this.mounts = mounts;
        this.ownDirs = ownDirs;
    }

    /**
     * Throws {@link JobException} unless {@code op} on {@code cgroup} is safe for this process.
     *
     * @param madeByThisProcess true when {@code cgroup} is a job directory this process created (honoured only
     *                          for directories named {@code jobgov-*})
     */
    public void check(Path cgroup, Operation op, boolean madeByThisProcess) {
        Path target = cgroup.toAbsolutePath().normalize();
        // a claim of "made by this process" only counts for a directory named like a job
        boolean ours = madeByThisProcess && target.getFileName() != null && target.getFileName().toString().startsWith("jobgov-");
        for (Hierarchy h : mounts.hierarchies()) {
            if (target.equals(h.mountPoint())) {
                throw new JobException("refused to " + verb(op) + " " + target + ": it is the root of the " + h.label()
                        + " cgroup hierarchy (every process on the machine is under it)");
            }
        }
        for (Path own : ownDirs.get()) {
            Path mine = own.toAbsolutePath().normalize();
            if (!mine.startsWith(target)) {
                continue;
            }
            if ((op == Operation.LIMIT || op == Operation.KILL_OTHERS) && ours) {
                continue; // the host joined its own job: it asked for these limits, and KILL_OTHERS spares it
            }
            throw new JobException("refused to " + verb(op) + " " + target + ": "
                    + (mine.equals(target) ? "it is this process's own cgroup" : "it contains this process's own cgroup " + mine)
                    + " (pid " + ProcessHandle.current().pid() + ")");
        }
    }

    private static String verb(Operation op) {
        return switch (op) {
            case KILL -> "kill the processes of";
            case FREEZE -> "freeze";
            case LIMIT -> "write limits to";
            case KILL_OTHERS -> "kill the other processes of";
        };
    }
}
