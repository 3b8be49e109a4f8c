package jobgov.linux;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import jobgov.job.JobCounters;

/**
 * A job's accounting from its cgroup's own files: {@code cpu.stat} (user_usec, system_usec; present without
 * the cpu controller), {@code memory.current}, {@code memory.peak} (Linux 5.19+), {@code memory.stat} pgfault,
 * {@code io.stat} summed over devices (rios/wios/rbytes/wbytes; discards dios/dbytes count as "other"),
 * the job's process list for the active processes. A file that is absent (controller off, older kernel) gives
 * {@link JobCounters#UNKNOWN}.
 */
public final class Cgroup2Counters {
    private Cgroup2Counters() {
    }

    /**
     * @param totalProcesses      processes ever seen in the job (from the job's process tracking), or UNKNOWN
     * @param activeProcesses     processes in the job and its nested jobs now ({@code cgroup.procs} of the subtree)
     * @param terminatedProcesses processes the job's limits ended, or UNKNOWN
     */
    public static JobCounters read(CgroupFs fs, Path job, long totalProcesses, long activeProcesses, long terminatedProcesses) {
        Map<String, Long> cpu = flatKeyed(readOrEmpty(fs, job.resolve("cpu.stat")));
        Map<String, Long> memory = flatKeyed(readOrEmpty(fs, job.resolve("memory.stat")));
        Map<String, Long> io = ioStat(readOrEmpty(fs, job.resolve("io.stat")), fs.exists(job.resolve("io.stat")));
        return new JobCounters(
                microsToMillis(cpu.get("user_usec")),
                microsToMillis(cpu.get("system_usec")),
                memory.getOrDefault("pgfault", JobCounters.UNKNOWN),
                totalProcesses,
                activeProcesses,
                terminatedProcesses,
                io.getOrDefault("rios", JobCounters.UNKNOWN),
                io.getOrDefault("wios", JobCounters.UNKNOWN),
                io.getOrDefault("dios", JobCounters.UNKNOWN),
                io.getOrDefault("rbytes", JobCounters.UNKNOWN),
                io.getOrDefault("wbytes", JobCounters.UNKNOWN),
                io.getOrDefault("dbytes", JobCounters.UNKNOWN),
                single(fs, job.resolve("memory.current")),
                single(fs, job.resolve("memory.peak")),
                // cgroups keep no per-process peak; Win32's PeakProcessMemoryUsed has no v2 file.
                JobCounters.UNKNOWN);
    }

    /** A flat-keyed file ({@code cpu.stat}, {@code memory.stat}, {@code memory.events}, {@code pids.events}): "key value" lines. */
    public static Map<String, Long> flatKeyed(String text) {
        Map<String, Long> out = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] kv = line.trim().split("\\s+");
            if (kv.length == 2) {
                try {
                    out.put(kv[0], Long.parseLong(kv[1]));
                } catch (NumberFormatException e) {
                    // a value such as "max" is not a counter
                }
            }
        }
        return out;
    }

    /**
     * {@code io.stat}, a nested-keyed file ("MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=.. dbytes=.. dios=.."),
     * summed over devices. A present but empty file (no IO yet) is all zeros.
     */
    public static Map<String, Long> ioStat(String text, boolean present) {
        Map<String, Long> out = new HashMap<>();
        if (present) {
            for (String key : new String[] {"rbytes", "wbytes", "rios", "wios", "dbytes", "dios"}) {
                out.put(key, 0L);
            }
        }
        for (String line : text.split("\n")) {
            String[] fields = line.trim().split("\\s+");
            for (int i = 1; i < fields.length; i++) {
                int eq = fields[i].indexOf('=');
                if (eq > 0 && out.containsKey(fields[i].substring(0, eq))) {
                    try {
                        out.merge(fields[i].substring(0, eq), Long.parseLong(fields[i].substring(eq + 1)), Long::sum);
                    } catch (NumberFormatException e) {
                        // not a count
                    }
                }
            }
        }
        return out;
    }

    /** A single-value file such as {@code memory.current}; UNKNOWN when absent or not a number. */
    public static long single(CgroupFs fs, Path file) {
        try {
            return Long.parseLong(fs.read(file).trim());
        } catch (IOException | NumberFormatException e) {
            return JobCounters.UNKNOWN;
        }
    }

    static String readOrEmpty(CgroupFs fs, Path file) {
        try {
            return fs.exists(file) ? fs.read(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static long microsToMillis(Long micros) {
        return micros == null ? JobCounters.UNKNOWN : micros / 1000;
    }
}
