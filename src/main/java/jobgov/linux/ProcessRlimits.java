package jobgov.linux;

import com.sun.jna.Native;
import java.time.Duration;
import jobgov.job.JobException;

/**
 * The per-process limits of the job model as POSIX resource limits, set on other processes with
 * prlimit(2): RLIMIT_AS for the per-process memory limit and RLIMIT_CPU for the per-process time
 * limit. Soft and hard are set alike, so a process cannot raise its own limit; root (CAP_SYS_RESOURCE)
 * can raise them again. Children inherit them at fork. Shared by the cgroup1 and cgroup2 backends.
 *
 * <p>RLIMIT_CPU counts user plus system time, in whole seconds (rounded up); at the limit the kernel
 * sends SIGKILL. RLIMIT_AS caps the address space: allocations past it fail (ENOMEM) rather than the
 * process being killed.
 */
public record ProcessRlimits(Long addressSpaceBytes, Duration cpuTime) {
    public static final ProcessRlimits NONE = new ProcessRlimits(null, null);

    /** The RLIMIT_CPU value in seconds for a duration: rounded up, at least 1. */
    public static long cpuSeconds(Duration d) {
        long s = d.toSeconds() + (d.toNanosPart() > 0 ? 1 : 0);
        return Math.max(1, s);
    }

    /** Sets both limits on {@code pid}; a process that already exited is skipped (returns false). */
    public boolean applyTo(long pid) {
        boolean ok = set(pid, Libc.RLIMIT_AS, addressSpaceBytes == null ? Libc.RLIM_INFINITY : addressSpaceBytes);
        return ok && set(pid, Libc.RLIMIT_CPU, cpuTime == null ? Libc.RLIM_INFINITY : cpuSeconds(cpuTime));
    }

    /** The {@code ulimit} arguments for a POSIX shell that applies these limits to itself before exec. */
    public String shellUlimits() {
        StringBuilder b = new StringBuilder();
        if (addressSpaceBytes != null) {
            b.append("ulimit -v ").append(Math.max(1, addressSpaceBytes / 1024)).append(" || exit 126; ");
        }
        if (cpuTime != null) {
            b.append("ulimit -t ").append(cpuSeconds(cpuTime)).append(" || exit 126; ");
        }
        return b.toString();
    }

    private static boolean set(long pid, int resource, long value) {
        Libc.Rlimit r = new Libc.Rlimit(value, value);
        if (Libc.C.prlimit((int) pid, resource, r, null) == 0) {
            return true;
        }
        int errno = Native.getLastError();
        if (errno == Libc.ESRCH) {
            return false;
        }
        throw new JobException("prlimit(" + pid + ", " + (resource == Libc.RLIMIT_AS ? "RLIMIT_AS" : "RLIMIT_CPU") + ", " + value
                + ") failed: " + Libc.C.strerror(errno) + " (errno " + errno + ")");
    }
}
