package jobgov.linux;

import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.LongPredicate;
import java.util.function.Supplier;
import jobgov.job.JobException;

/**
 * The one place jobgov sends a signal to a single process (the cgroup backends, and the degraded backend when JNA
 * is there). A pid read from {@code cgroup.procs} may be freed and handed to a stranger before the signal goes
 * (pid_max is 32768 here: pids wrap within seconds under fork load), so a signal never goes to a pid read earlier:
 * <ol>
 *   <li>open a pidfd for every listed pid ({@code pidfd_open}, Linux 5.3): it names one process, never its successor;</li>
 *   <li>then re-read the membership: a pid still in the job now belongs, at this moment, to a member. If the pidfd's
 *       process had died and its pid been reused meanwhile, the pidfd still names the dead one;</li>
 *   <li>signal through the pidfd ({@code pidfd_send_signal}): a dead process gets nothing (ESRCH), never a successor.</li>
 * </ol>
 * A pid that is not a member any more has its pidfd closed unsignalled. On a kernel without pidfds (before 5.3)
 * {@link #signalMembers} refuses with a {@link JobException}; only {@link #signalFrozen} signals by plain pid, and only
 * pids listed from a v1 freezer cgroup confirmed FROZEN (its tasks cannot exit, so their pids cannot be reused).
 *
 * <p>Test hook: with {@code -Djobgov.test.signalPause=PREFIX} every call writes the listed pids to {@code PREFIX.listed}
 * and waits (up to 60 s) for {@code PREFIX.go} before it acts, so a test can free a listed pid and hand it to a
 * stranger inside the window. Nothing else reads the property.
 */
public final class JobSignals {
    private static final System.Logger LOG = System.getLogger("jobgov.linux");
    private static final long SELF = ProcessHandle.current().pid();
    static final String PAUSE_PROPERTY = "jobgov.test.signalPause";
    private static volatile Boolean pidfds;

    private JobSignals() {
    }

    /** Tests: behave as on a kernel without pidfds (true), or find out again (false). */
    static void withoutPidfdsForTest(boolean without) {
        pidfds = without ? Boolean.FALSE : null;
    }

    /** Whether this kernel has pidfd_open (Linux 5.3+) and JNA is loadable; false when either is missing. */
    public static boolean pidfdAvailable() {
        Boolean p = pidfds;
        if (p == null) {
            if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
                pidfds = false;
                return false;
            }
            try {
                int fd = pidfdOpen(SELF);
                if (fd >= 0) {
                    Libc.C.close(fd);
                }
                p = fd >= 0;
            } catch (LinkageError e) {
                p = false; // no JNA (the degraded backend may run without it)
            }
            pidfds = p;
        }
        return p;
    }

    /**
     * Sends {@code signal} to those of {@code listed} that are still members once a pidfd on them is held.
     *
     * @param listed  pids read from the job a moment ago (this process and pid 1 are never signalled)
     * @param members re-reads the job's membership; called once, after every pidfd is open
     * @return the pids signalled
     * @throws JobException on a kernel without pidfds: no signal by a pid read earlier
     */
    static Set<Long> signalMembers(Collection<Long> listed, Supplier<Set<Long>> members, int signal) {
        Set<Long> targets = targets(listed);
        if (targets.isEmpty()) {
            return Set.of();
        }
        requirePidfds();
        pauseForTest(targets);
        Map<Long, Integer> fds = open(targets);
        try {
            Set<Long> now = members.get();
            Set<Long> sent = new LinkedHashSet<>();
            for (Map.Entry<Long, Integer> e : fds.entrySet()) {
                if (now.contains(e.getKey()) && send(e.getValue(), signal)) {
                    sent.add(e.getKey());
                }
            }
            return sent;
        } finally {
            fds.values().forEach(Libc.C::close);
        }
    }

    /**
     * Sends {@code signal} to one process if, with a pidfd on it held, {@code same} still says it is the process
     * meant (the degraded backend compares start times). Returns whether it was signalled.
     */
    public static boolean signalIf(long pid, LongPredicate same, int signal) {
        Set<Long> targets = targets(Set.of(pid));
        if (targets.isEmpty()) {
            return false;
        }
        requirePidfds();
        pauseForTest(targets);
        int fd = pidfdOpen(pid);
        if (fd < 0) {
            return false;
        }
        try {
            return same.test(pid) && send(fd, signal);
        } finally {
            Libc.C.close(fd);
        }
    }

    /**
     * Signals the tasks of a v1 freezer cgroup the caller has frozen and seen {@code FROZEN}: through pidfds where the
     * kernel has them (re-checked against {@code members}), else by plain pid, which is safe only because a frozen
     * task cannot exit, so its pid cannot be freed. (The OOM killer thaws its victim: on a kernel without pidfds, a
     * job at its memory limit keeps a short window; see docs/security.md.)
     */
    static Set<Long> signalFrozen(Collection<Long> frozen, Supplier<Set<Long>> members, int signal) {
        if (pidfdAvailable()) {
            return signalMembers(frozen, members, signal);
        }
        Set<Long> targets = targets(frozen);
        pauseForTest(targets);
        Set<Long> sent = new LinkedHashSet<>();
        for (long pid : targets) {
            if (Libc.C.kill((int) pid, signal) == 0) {
                sent.add(pid);
            }
        }
        return sent;
    }

    private static Set<Long> targets(Collection<Long> listed) {
        Set<Long> t = new LinkedHashSet<>(listed);
        t.remove(SELF);
        t.removeIf(p -> p <= 1);
        return t;
    }

    private static void requirePidfds() {
        if (!pidfdAvailable()) {
            throw new JobException("this kernel (" + System.getProperty("os.version") + ") has no pidfd_open (Linux 5.3+): "
                    + "jobgov does not signal single processes by a pid read earlier, which may belong to a stranger by then");
        }
    }

    private static Map<Long, Integer> open(Set<Long> pids) {
        Map<Long, Integer> fds = new LinkedHashMap<>();
        for (long pid : pids) {
            int fd = pidfdOpen(pid);
            if (fd >= 0) {
                fds.put(pid, fd);
            } // ESRCH: gone already
        }
        return fds;
    }

    private static int pidfdOpen(long pid) {
        return (int) Libc.C.syscall(Libc.SYS_PIDFD_OPEN, (int) pid, 0);
    }

    private static boolean send(int pidfd, int signal) {
        return Libc.C.syscall(Libc.SYS_PIDFD_SEND_SIGNAL, pidfd, signal, Pointer.NULL, 0) == 0;
    }

    private static void pauseForTest(Set<Long> listed) {
        String prefix = System.getProperty(PAUSE_PROPERTY);
        if (prefix == null || prefix.isEmpty()) {
            return;
        }
        Path go = Path.of(prefix + ".go");
        try {
            Path tmp = Path.of(prefix + ".listed.tmp");
            Files.writeString(tmp, String.join(" ", listed.stream().map(String::valueOf).toList()) + "\n");
            Files.move(tmp, Path.of(prefix + ".listed"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            long deadline = System.nanoTime() + 60_000_000_000L;
            while (!Files.exists(go) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            Files.deleteIfExists(go);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "signal pause hook: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
