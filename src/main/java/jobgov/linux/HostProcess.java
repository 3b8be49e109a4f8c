package jobgov.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Objects;
import java.util.function.LongSupplier;
import jobgov.job.JobException;
import jobgov.job.Limit;
import jobgov.job.LimitRefusedException;

/**
 * The host is never a target of its own job. The governing JVM ({@link ProcessHandle#current()}) is in the
 * job when the agent governs it, but:
 * <ul>
 *   <li>the per-process limits (RLIMIT_AS, RLIMIT_CPU) are never set on it; since its children then cannot
 *       inherit them, every process the job sees for the first time gets them ({@link #newcomer}) and every
 *       command the job starts sets them on itself before exec (the wrapper's ulimit);</li>
 *   <li>while it is in a job, the kernel's OOM killer prefers every other process of the job to it: the host's
 *       {@code oom_score_adj} is lowered by 999 where the kernel allows it (CAP_SYS_RESOURCE), and its children,
 *       which fork with the host's value, get the original value back; where lowering is refused (a container
 *       without the capability), the children are raised by 1000 instead (up to 1000), which needs no capability.
 *       Either way the gap makes any other process of the job with memory of its own score above the host, whose
 *       size counts against at most the whole limit. Each newcomer that still has the host's value gets the
 *       children's value, and the start wrapper sets it on itself before exec ({@link #shellOomScore()}).</li>
 * </ul>
 * A child the host forks itself (not through the job) has the host's value and no per-process limits until the
 * job's next tick (at most ~100 ms) sees it. The host stays killable (never -1000): if it alone outgrows the job's
 * memory limit the kernel may still end it, as the limit says, rather than stall every allocation in the job.
 */
final class HostProcess {
    private static final System.Logger LOG = System.getLogger("jobgov.linux");
    static final long PID = ProcessHandle.current().pid();
    private static final Path SELF_ADJ = Path.of("/proc/self/oom_score_adj");
    /** This JVM's oom_score_adj before any job lowered it. */
    static final int ORIGINAL_OOM_ADJ = read(SELF_ADJ, 0);
    /** The host's value while in a job, where the kernel lets it lower it: 999 below the original, never -1000. */
    static final int HOST_OOM_ADJ = Math.max(-999, ORIGINAL_OOM_ADJ - 999);
    private static volatile boolean lowered;
    /** The host is in a job: newcomers with the host's OOM score get {@link #childAdj}. */
    private static volatile boolean protecting;
    private static volatile int childAdj = ORIGINAL_OOM_ADJ;

    private HostProcess() {
    }

    /**
     * A process limit on a job that holds this JVM counts the JVM's own threads (pids.max counts tasks): a new one at or
     * below the tasks the job has now would stop the JVM from starting any thread (GC, JIT, the application's own),
     * which can end the host. Refused with the count before anything is written; an unchanged limit is not checked.
     *
     * @param tasks the job's tasks now ({@code pids.current}), or -1 when unknown (then nothing is refused)
     */
    static void checkProcessLimit(String backend, Integer next, Integer current, Collection<Long> members, LongSupplier tasks) {
        if (next == null || Objects.equals(next, current) || !members.contains(PID)) {
            return;
        }
        long now = tasks.getAsLong();
        if (now >= 0 && next <= now) {
            throw new LimitRefusedException(Limit.ACTIVE_PROCESSES, backend, "processes=" + next + " is not above the "
                    + now + " tasks in the job now, this JVM's threads included (pids.max counts threads): the JVM could "
                    + "start no thread and its host could fail; give more than " + now);
        }
    }

    static boolean isHost(long pid) {
        return pid == PID;
    }

    /** The host joined a job: lower its OOM score, or else raise its children's. Never fails the job. */
    static synchronized void joined() {
        if (protecting) {
            return;
        }
        try {
            CgroupFiles.write(SELF_ADJ, Integer.toString(HOST_OOM_ADJ));
            lowered = true;
            childAdj = ORIGINAL_OOM_ADJ;
        } catch (IOException e) {
            childAdj = Math.min(1000, ORIGINAL_OOM_ADJ + 1000);
            LOG.log(System.Logger.Level.DEBUG, "this JVM's oom_score_adj stays " + ORIGINAL_OOM_ADJ + " (" + e.getMessage()
                    + "): the job's other processes get " + childAdj + " instead");
        }
        protecting = true;
    }

    /** The host left its job: its original OOM score back. */
    static synchronized void left() {
        if (lowered) {
            try {
                CgroupFiles.write(SELF_ADJ, Integer.toString(ORIGINAL_OOM_ADJ));
            } catch (IOException e) {
                LOG.log(System.Logger.Level.WARNING, "cannot restore this JVM's oom_score_adj to " + ORIGINAL_OOM_ADJ + ": " + e.getMessage());
            }
        }
        lowered = false;
        protecting = false;
        childAdj = ORIGINAL_OOM_ADJ;
    }

    /**
     * A process the job sees for the first time (never the host): the per-process limits, and the children's OOM
     * score if it still has the host's. Runs on the event thread: failures are logged, never thrown.
     */
    static void newcomer(long pid, ProcessRlimits rlimits) {
        if (isHost(pid)) {
            return;
        }
        try {
            rlimits.applyTo(pid);
        } catch (JobException e) {
            LOG.log(System.Logger.Level.WARNING, "per-process limits not set on new process " + pid + ": " + e.getMessage());
        }
        if (protecting) {
            Path adj = Path.of("/proc", Long.toString(pid), "oom_score_adj");
            int hostAdj = lowered ? HOST_OOM_ADJ : ORIGINAL_OOM_ADJ;
            if (read(adj, childAdj) == hostAdj && hostAdj != childAdj) {
                try {
                    CgroupFiles.write(adj, Integer.toString(childAdj));
                } catch (IOException e) {
                    // gone already, or not ours to change: nothing to undo
                }
            }
        }
    }

    /** The shell command that gives a process started by the job the children's OOM score (empty when the host is in no job). */
    static String shellOomScore() {
        return protecting ? "echo " + childAdj + " > /proc/self/oom_score_adj 2>/dev/null; " : "";
    }

    private static int read(Path file, int otherwise) {
        try {
            return Integer.parseInt(Files.readString(file).trim());
        } catch (IOException | RuntimeException e) {
            return otherwise;
        }
    }
}
