package jobgov.linux;

import com.sun.jna.Native;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import jobgov.job.JobException;

/**
 * The per-process limits of the job model as POSIX resource limits, set on other processes with
 * prlimit(2) and inherited by children at fork: RLIMIT_AS for the per-process memory limit (allocations past
 * it fail with ENOMEM) and RLIMIT_CPU for the per-process time limit (whole seconds, rounded up; user plus
 * system time; SIGXCPU at the limit, whose default action ends the process).
 *
 * <p>With CAP_SYS_RESOURCE the hard limits are set too (RLIMIT_AS hard = soft; RLIMIT_CPU hard = soft + 1 s,
 * where SIGKILL follows a process that ignores SIGXCPU), so a process cannot lift them. Without it (a
 * container that drops the capability, as on these build machines) only the soft limits are set: lowering
 * a hard limit could never be undone, and a policy must be able to raise a limit again. The kernel enforces
 * a soft limit all the same; a process could raise its own soft limit deliberately, up to its hard limit.
 * {@link #hardLimits()} says which. Shared by the cgroup1 and cgroup2 backends.
 */
public record ProcessRlimits(Long addressSpaceBytes, Duration cpuTime) {
    public static final ProcessRlimits NONE = new ProcessRlimits(null, null);
    private static final boolean HARD = capSysResource();

    /** True when the hard limits are set as well (this process has CAP_SYS_RESOURCE). */
    public static boolean hardLimits() {
        return HARD;
    }

    /** The RLIMIT_CPU value in seconds for a duration: rounded up, at least 1. */
    public static long cpuSeconds(Duration d) {
        long s = d.toSeconds() + (d.toNanosPart() > 0 ? 1 : 0);
        return Math.max(1, s);
    }

    /** Sets both limits on {@code pid}; a process that already exited is skipped (returns false). */
    public boolean applyTo(long pid) {
        boolean ok = set(pid, Libc.RLIMIT_AS, addressSpaceBytes, 0);
        return ok && set(pid, Libc.RLIMIT_CPU, cpuTime == null ? null : cpuSeconds(cpuTime), 1);
    }

    /** The {@code ulimit} commands for a POSIX shell that applies these limits to itself before exec. */
    public String shellUlimits() {
        StringBuilder b = new StringBuilder();
        if (addressSpaceBytes != null) {
            long kib = Math.max(1, addressSpaceBytes / 1024);
            b.append(HARD ? "ulimit -H -v " + kib + " || exit 126; " : "").append("ulimit -S -v ").append(kib).append(" || exit 126; ");
        }
        if (cpuTime != null) {
            long s = cpuSeconds(cpuTime);
            b.append(HARD ? "ulimit -H -t " + (s + 1) + " || exit 126; " : "").append("ulimit -S -t ").append(s).append(" || exit 126; ");
        }
        return b.toString();
    }

    private static boolean set(long pid, int resource, Long value, long hardExtra) {
        Libc.Rlimit old = new Libc.Rlimit();
        if (Libc.C.prlimit((int) pid, resource, null, old) != 0) {
            return failed(pid, resource, "read");
        }
        long soft;
        long hard;
        if (HARD) {
            soft = value == null ? Libc.RLIM_INFINITY : value;
            hard = value == null ? Libc.RLIM_INFINITY : value + hardExtra;
        } else {
            hard = old.max;
            soft = value == null ? old.max : Long.compareUnsigned(value, old.max) < 0 ? value : old.max;
        }
        if (Libc.C.prlimit((int) pid, resource, new Libc.Rlimit(soft, hard), null) != 0) {
            return failed(pid, resource, soft + "/" + hard);
        }
        return true;
    }

    private static boolean failed(long pid, int resource, String what) {
        int errno = Native.getLastError();
        if (errno == Libc.ESRCH) {
            return false;
        }
        throw new JobException("prlimit(" + pid + ", " + (resource == Libc.RLIMIT_AS ? "RLIMIT_AS" : "RLIMIT_CPU") + ", " + what
                + ") failed: " + Libc.C.strerror(errno) + " (errno " + errno + ")");
    }

    private static boolean capSysResource() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long caps = Long.parseUnsignedLong(line.substring(7).trim(), 16);
                    return (caps & (1L << 24)) != 0; // CAP_SYS_RESOURCE
                }
            }
        } catch (Exception ignored) {
            // not Linux, or no /proc: assume the weaker case
        }
        return false;
    }

    /**
     * Moves every process of {@code pids} from {@code previous} to these limits, all or none: when one cannot take
     * them, those already changed get {@code previous} back (best effort: they may be gone) and the failure is rethrown.
     */
    void replace(ProcessRlimits previous, Iterable<Long> pids) {
        var changed = new java.util.ArrayList<Long>();
        try {
            for (long pid : pids) {
                if (applyTo(pid)) {
                    changed.add(pid);
                }
            }
        } catch (JobException e) {
            for (long pid : changed) {
                try {
                    previous.applyTo(pid);
                } catch (JobException ignored) {
                    // best effort: the process may be gone
                }
            }
            throw e;
        }
    }
}
