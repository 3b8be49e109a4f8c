package jobgov.linux;

import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import jobgov.job.JobException;

/**
 * The per-process limits of the job model as POSIX resource limits, set on the job's processes other than
 * the governing JVM itself with
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

    /**
     * Sets both limits on {@code pid}; a process that already exited is skipped (returns false). Never the host:
     * the governing JVM is no target of its own job ({@link HostProcess}), so for it this does nothing.
     */
    public boolean applyTo(long pid) {
        if (HostProcess.isHost(pid)) {
            return true;
        }
        boolean ok = set(pid, Libc.RLIMIT_AS, addressSpaceBytes, 0);
        return ok && set(pid, Libc.RLIMIT_CPU, cpuTime == null ? null : cpuSeconds(cpuTime), 1);
    }

    /** The {@code ulimit} commands for a POSIX shell that applies these limits to itself before exec. */
    public String shellUlimits() {
        StringBuilder b = new StringBuilder();
        if (addressSpaceBytes != null) {
            long kib = Math.max(1, addressSpaceBytes / 1024);
            // soft first: a hard limit below the current soft one is EINVAL (the shell sets -H alone)
            b.append("ulimit -S -v ").append(kib).append(" || exit 126; ").append(HARD ? "ulimit -H -v " + kib + " || exit 126; " : "");
        }
        if (cpuTime != null) {
            long s = cpuSeconds(cpuTime);
            b.append("ulimit -S -t ").append(s).append(" || exit 126; ").append(HARD ? "ulimit -H -t " + (s + 1) + " || exit 126; " : "");
        }
        return b.toString();
    }

    private static boolean set(long pid, int resource, Long value, long hardExtra) {
        long[] now = fromProc(pid, resource);
        if (now == null) {
            return false; // exited
        }
        if (now.length == 2 && matches(now, value, hardExtra)) {
            return true; // nothing to change: no prlimit, so no JNA (the agent's premain assigns with no per-process limit)
        }
        try {
            return prlimit(pid, resource, value, hardExtra);
        } catch (LinkageError e) {
            throw new JobException("prlimit(" + pid + ", " + name(resource) + ") impossible: libc is not reachable through JNA: " + e);
        }
    }

    private static boolean prlimit(long pid, int resource, Long value, long hardExtra) {
        Libc.Rlimit old = new Libc.Rlimit();
        if (Libc.C.prlimit((int) pid, resource, null, old) != 0) {
            return failed(pid, resource, "read");
        }
        long[] target = target(old.cur, old.max, value, hardExtra);
        long soft = target[0];
        long hard = target[1];
        if (Libc.C.prlimit((int) pid, resource, new Libc.Rlimit(soft, hard), null) != 0) {
            return failed(pid, resource, soft + "/" + hard);
        }
        return true;
    }

    /** The soft and hard limit to set, given the current ones. */
    private static long[] target(long cur, long max, Long value, long hardExtra) {
        if (HARD) {
            return new long[] {value == null ? Libc.RLIM_INFINITY : value, value == null ? Libc.RLIM_INFINITY : value + hardExtra};
        }
        return new long[] {value == null ? max : Long.compareUnsigned(value, max) < 0 ? value : max, max};
    }

    private static boolean matches(long[] now, Long value, long hardExtra) {
        long[] t = target(now[0], now[1], value, hardExtra);
        return t[0] == now[0] && t[1] == now[1];
    }

    /**
     * The soft and hard limit from /proc/PID/limits ({@link Libc#RLIM_INFINITY} for unlimited); null when the
     * process is gone, an empty array when the file cannot be read or parsed (then prlimit decides).
     */
    private static long[] fromProc(long pid, int resource) {
        String prefix = resource == Libc.RLIMIT_AS ? "Max address space" : "Max cpu time";
        List<String> lines;
        try {
            lines = Files.readAllLines(Path.of("/proc", String.valueOf(pid), "limits"));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException | RuntimeException e) {
            return new long[0];
        }
        for (String line : lines) {
            if (line.startsWith(prefix)) {
                String[] f = line.substring(prefix.length()).trim().split("\\s+");
                if (f.length >= 2) {
                    try {
                        return new long[] {procValue(f[0]), procValue(f[1])};
                    } catch (NumberFormatException e) {
                        return new long[0];
                    }
                }
            }
        }
        return new long[0];
    }

    private static long procValue(String s) {
        return s.equals("unlimited") ? Libc.RLIM_INFINITY : Long.parseUnsignedLong(s);
    }

    private static String name(int resource) {
        return resource == Libc.RLIMIT_AS ? "RLIMIT_AS" : "RLIMIT_CPU";
    }

    private static boolean failed(long pid, int resource, String what) {
        int errno = Native.getLastError();
        if (errno == Libc.ESRCH) {
            return false;
        }
        throw new JobException("prlimit(" + pid + ", " + name(resource) + ", " + what
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
