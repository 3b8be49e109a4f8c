package jobgov.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import jobgov.job.JobLimits;
import jobgov.job.Limit;
import jobgov.job.LimitRefusedException;

/**
 * How a job's limits land in cgroup v1 files: one {@link Setting} per file value, with the value that
 * undoes it (the kernel's default). The per-process limits (RLIMIT_AS, RLIMIT_CPU) and the watched
 * ones (job time, notifications) are not files and are handled by {@link Cgroup1Job}.
 *
 * <ul>
 *   <li>memory: {@code memory.limit_in_bytes}, and {@code memory.memsw.limit_in_bytes} alike where swap
 *       accounting exists, so swapping cannot dodge the limit;</li>
 *   <li>processes: {@code pids.max} (counts tasks, so threads too);</li>
 *   <li>cpu (hard cap, % of the whole machine): {@code cpu.cfs_quota_us = pct/100 * cpus * cpu.cfs_period_us};</li>
 *   <li>cpu-weight 1-9: {@code cpu.shares = 1024 * weight / 5} (5, the Windows default, is the cgroup default 1024);</li>
 *   <li>affinity: {@code cpuset.cpus} (removing it restores the parent's);</li>
 *   <li>io-bandwidth / io-iops on io-device: {@code blkio.throttle.{read,write}_{bps,iops}_device}, each
 *       direction capped at the value.</li>
 * </ul>
 */
final class Cgroup1Settings {
    static final long PERIOD_US = 100_000;

    /** One value for one cgroup file; {@code key} tells apart per-device lines of one file. */
    record Setting(Limit limit, Path file, String key, String value, String reset) {
    }

    private final Function<String, Path> dir;
    private final Path parentCpuset;
    private final int machineCpus;

    /**
     * @param dir          the job's directory for a v1 controller, or null when that controller is not mounted
     * @param parentCpuset the parent's cpuset directory (affinity is reset to its cpus), or null
     * @param machineCpus  the online CPUs of the machine (the cpu hard cap is a share of all of them)
     */
    Cgroup1Settings(Function<String, Path> dir, Path parentCpuset, int machineCpus) {
        this.dir = dir;
        this.parentCpuset = parentCpuset;
        this.machineCpus = machineCpus;
    }

    /** Every file value {@code l} asks for, keyed by file (+ device), in a safe write order. */
    Map<String, Setting> of(JobLimits l) {
        Map<String, Setting> s = new LinkedHashMap<>();
        Path mem = dir.apply("memory");
        if (l.jobMemoryBytes() != null && mem != null) {
            String v = String.valueOf(l.jobMemoryBytes());
            // memsw must stay >= the memory limit: the caller orders the pair by direction
            if (Files.exists(mem.resolve("memory.memsw.limit_in_bytes"))) {
                put(s, new Setting(Limit.JOB_MEMORY, mem.resolve("memory.memsw.limit_in_bytes"), "", v, "-1"));
            }
            put(s, new Setting(Limit.JOB_MEMORY, mem.resolve("memory.limit_in_bytes"), "", v, "-1"));
        }
        Path pids = dir.apply("pids");
        if (l.activeProcesses() != null && pids != null) {
            put(s, new Setting(Limit.ACTIVE_PROCESSES, pids.resolve("pids.max"), "", String.valueOf(l.activeProcesses()), "max"));
        }
        Path cpu = dir.apply("cpu");
        if (l.cpuRatePercent() != null && cpu != null) {
            long quota = Math.max(1000, Math.round(l.cpuRatePercent() / 100.0 * machineCpus * PERIOD_US));
            put(s, new Setting(Limit.CPU_RATE, cpu.resolve("cpu.cfs_period_us"), "", String.valueOf(PERIOD_US), String.valueOf(PERIOD_US)));
            put(s, new Setting(Limit.CPU_RATE, cpu.resolve("cpu.cfs_quota_us"), "", String.valueOf(quota), "-1"));
        }
        if (l.cpuWeight() != null && cpu != null) {
            put(s, new Setting(Limit.CPU_WEIGHT, cpu.resolve("cpu.shares"), "", String.valueOf(shares(l.cpuWeight())), "1024"));
        }
        Path cpuset = dir.apply("cpuset");
        if (l.affinity() != null && cpuset != null) {
            String parentCpus = parentCpuset == null ? null : CgroupFiles.read(parentCpuset.resolve("cpuset.cpus"));
            put(s, new Setting(Limit.AFFINITY, cpuset.resolve("cpuset.cpus"), "", l.affinity().toString(), parentCpus));
        }
        Path blkio = dir.apply("blkio");
        if ((l.ioBandwidthBytesPerSec() != null || l.ioIops() != null) && blkio != null) {
            String dev = device(l.ioDevice());
            if (l.ioBandwidthBytesPerSec() != null) {
                for (String f : List.of("blkio.throttle.read_bps_device", "blkio.throttle.write_bps_device")) {
                    put(s, new Setting(Limit.IO_RATE, blkio.resolve(f), dev, dev + " " + l.ioBandwidthBytesPerSec(), dev + " 0"));
                }
            }
            if (l.ioIops() != null) {
                for (String f : List.of("blkio.throttle.read_iops_device", "blkio.throttle.write_iops_device")) {
                    put(s, new Setting(Limit.IO_RATE, blkio.resolve(f), dev, dev + " " + l.ioIops(), dev + " 0"));
                }
            }
        }
        return s;
    }

    /** The writes that turn {@code current} into {@code next}: changed and new values, then resets of dropped ones. */
    List<Setting> changes(JobLimits next, JobLimits current) {
        Map<String, Setting> to = of(next);
        Map<String, Setting> from = of(current);
        List<Setting> writes = new ArrayList<>();
        for (Map.Entry<String, Setting> e : to.entrySet()) {
            Setting old = from.get(e.getKey());
            if (old == null || !old.value().equals(e.getValue().value())) {
                writes.add(e.getValue());
            }
        }
        for (Map.Entry<String, Setting> e : from.entrySet()) {
            if (!to.containsKey(e.getKey()) && e.getValue().reset() != null) {
                Setting old = e.getValue();
                writes.add(new Setting(old.limit(), old.file(), old.key(), old.reset(), old.value()));
            }
        }
        // Lowering memory: memory.limit_in_bytes before memsw (memsw may never be below it); raising: memsw first.
        if (bytes(next.jobMemoryBytes()) < bytes(current.jobMemoryBytes())) {
            int memsw = indexOf(writes, "memory.memsw.limit_in_bytes");
            int mem = indexOf(writes, "memory.limit_in_bytes");
            if (memsw >= 0 && mem > memsw) {
                writes.set(mem, writes.set(memsw, writes.get(mem)));
            }
        }
        return writes;
    }

    /** What {@code file} must be set back to if a later write fails: its value under {@code current}, else its reset. */
    static String undo(Setting write, Map<String, Setting> current) {
        Setting old = current.get(write.file() + "#" + write.key());
        return old != null ? old.value() : write.reset();
    }

    private static int indexOf(List<Setting> writes, String fileName) {
        for (int i = 0; i < writes.size(); i++) {
            if (writes.get(i).file().getFileName().toString().equals(fileName)) {
                return i;
            }
        }
        return -1;
    }

    static String keyOf(Setting s) {
        return s.file() + "#" + s.key();
    }

    private static void put(Map<String, Setting> m, Setting s) {
        m.put(keyOf(s), s);
    }

    private static long bytes(Long v) {
        return v == null ? Long.MAX_VALUE : v;
    }

    /** cpu.shares for a Windows CPU weight 1-9 (5 = the default 1024). */
    static long shares(int weight) {
        return Math.round(1024.0 * weight / 5);
    }

    /** {@code MAJ:MIN} from {@code 8:0} or a block device path such as {@code /dev/vda}. */
    static String device(String ioDevice) {
        if (ioDevice == null) {
            throw new LimitRefusedException(Limit.IO_RATE, "cgroup1",
                    "cgroup v1 throttles IO per block device: also give io-device=MAJ:MIN or a /dev path (e.g. io-device=/dev/vda)");
        }
        String d = ioDevice.trim();
        if (d.matches("\\d+:\\d+")) {
            return d;
        }
        try {
            Path p = Path.of(d);
            if (!Files.exists(p)) {
                throw new LimitRefusedException(Limit.IO_RATE, "cgroup1", "io-device " + d + " does not exist");
            }
            long rdev = ((Number) Files.getAttribute(p, "unix:rdev")).longValue();
            long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL);
            long minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
            if (rdev == 0) {
                throw new LimitRefusedException(Limit.IO_RATE, "cgroup1", "io-device " + d + " is not a block device");
            }
            return major + ":" + minor;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            throw new LimitRefusedException(Limit.IO_RATE, "cgroup1", "cannot read the device number of io-device " + d + ": " + e.getMessage());
        }
    }
}
