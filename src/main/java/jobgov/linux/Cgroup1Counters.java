package jobgov.linux;

import java.nio.file.Path;
import java.util.Map;
import jobgov.job.JobCounters;
import jobgov.job.JobLimits;

/**
 * A cgroup v1 job's accounting from its controllers' files: user/kernel time from {@code cpuacct.usage_user} /
 * {@code usage_sys} (else the unified {@code cpu.stat}), page faults from {@code memory.stat total_pgfault}, job
 * memory and its peak from {@code memory.usage_in_bytes} / {@code memory.max_usage_in_bytes}, OOM kills from
 * {@code memory.oom_control}, IO from {@code blkio.throttle.io_serviced_recursive} /
 * {@code io_service_bytes_recursive}. A controller that is not mounted gives {@link JobCounters#UNKNOWN}.
 */
final class Cgroup1Counters {
    private final CgroupFs fs;
    private final Cgroup1Dirs dirs;

    Cgroup1Counters(CgroupFs fs, Cgroup1Dirs dirs) {
        this.fs = fs;
        this.dirs = dirs;
    }

    /** User and kernel time in ms: {@code [user, sys]}. */
    long[] cpuMillis() {
        Path acct = dirs.dir("cpuacct");
        Path unified = dirs.unified();
        if (acct != null) {
            return new long[] {fs.number(acct.resolve("cpuacct.usage_user"), -1_000_000) / 1_000_000,
                fs.number(acct.resolve("cpuacct.usage_sys"), -1_000_000) / 1_000_000};
        }
        if (unified != null) {
            Map<String, Long> st = fs.keyed(unified.resolve("cpu.stat"));
            return new long[] {st.getOrDefault("user_usec", -1000L) / 1000, st.getOrDefault("system_usec", -1000L) / 1000};
        }
        return new long[] {JobCounters.UNKNOWN, JobCounters.UNKNOWN};
    }

    long userMillis() {
        Path acct = dirs.dir("cpuacct");
        return acct != null ? fs.number(acct.resolve("cpuacct.usage_user"), -1_000_000) / 1_000_000 : cpuMillis()[0];
    }

    long kernelMillis() {
        Path acct = dirs.dir("cpuacct");
        return acct != null ? fs.number(acct.resolve("cpuacct.usage_sys"), -1_000_000) / 1_000_000 : cpuMillis()[1];
    }

    /** The job's user time in ns (0 when nothing counts it): what job-time is checked against. */
    long userNanos() {
        Path acct = dirs.dir("cpuacct");
        if (acct != null) {
            return fs.number(acct.resolve("cpuacct.usage_user"), 0);
        }
        Path unified = dirs.unified();
        return unified == null ? 0 : fs.keyed(unified.resolve("cpu.stat")).getOrDefault("user_usec", 0L) * 1000;
    }

    long pageFaults() {
        Path mem = dirs.dir("memory");
        return mem == null ? JobCounters.UNKNOWN : fs.keyed(mem.resolve("memory.stat")).getOrDefault("total_pgfault", JobCounters.UNKNOWN);
    }

    long memoryBytes() {
        Path mem = dirs.dir("memory");
        return mem == null ? JobCounters.UNKNOWN : fs.number(mem.resolve("memory.usage_in_bytes"), JobCounters.UNKNOWN);
    }

    long peakMemoryBytes() {
        Path mem = dirs.dir("memory");
        return mem == null ? JobCounters.UNKNOWN : fs.number(mem.resolve("memory.max_usage_in_bytes"), JobCounters.UNKNOWN);
    }

    /** The OOM killer's kills in the job ({@code memory.oom_control oom_kill}); 0 without a memory hierarchy. */
    long oomKills() {
        Path mem = dirs.dir("memory");
        return mem == null ? 0 : fs.keyed(mem.resolve("memory.oom_control")).getOrDefault("oom_kill", 0L);
    }

    /**
     * read ops, write ops, other (discard) ops, read bytes, write bytes, other bytes: blkio throttle accounting,
     * recursive, of the io-device; UNKNOWN unless the job has an IO rate limit.
     */
    long[] io(JobLimits l) {
        Path blkio = dirs.dir("blkio");
        if (blkio == null || (l.ioBandwidthBytesPerSec() == null && l.ioIops() == null)) {
            // v1 blk-throttle counts only IO on a device that has a throttle rule: without one these stay 0, which would lie
            long u = JobCounters.UNKNOWN;
            return new long[] {u, u, u, u, u, u};
        }
        long[] ops = sumIo(blkio.resolve("blkio.throttle.io_serviced_recursive"));
        long[] bytes = sumIo(blkio.resolve("blkio.throttle.io_service_bytes_recursive"));
        return new long[] {ops[0], ops[1], ops[2], bytes[0], bytes[1], bytes[2]};
    }

    private long[] sumIo(Path file) {
        long[] r = new long[3];
        String s = fs.text(file);
        if (s == null) {
            return r;
        }
        for (String line : s.split("\n")) {
            String[] f = line.trim().split("\\s+");
            if (f.length == 3) {
                long v = Long.parseLong(f[2]);
                switch (f[1]) {
                    case "Read" -> r[0] += v;
                    case "Write" -> r[1] += v;
                    case "Discard" -> r[2] += v;
                    default -> { }
                }
            }
        }
        return r;
    }
}
