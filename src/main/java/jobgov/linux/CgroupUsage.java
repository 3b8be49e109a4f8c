package jobgov.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import jobgov.job.JobUsage;

/**
 * What one job's cgroups say now, read straight from the kernel's files (no JVM is asked, so it costs a few file
 * reads per job): CPU time, memory and its limit, tasks and their limit. On cgroup v1 the values come from the
 * cpuacct, memory and pids hierarchies, on cgroup v2 (or v1's unified tree) from {@code cpu.stat}, {@code
 * memory.current}/{@code memory.max}, {@code pids.current}/{@code pids.max}. A value no directory holds is empty.
 */
final class CgroupUsage {
    /** cgroup v1 writes "no limit" as a huge page-rounded number; anything above this is none. */
    private static final long NO_LIMIT = 1L << 60;

    private CgroupUsage() {
    }

    static JobUsage read(List<Path> dirs) {
        OptionalLong cpu = first(dirs, "cpuacct.usage", 1);
        if (cpu.isEmpty()) {
            cpu = statField(dirs, "cpu.stat", "usage_usec", 1000);
        }
        OptionalLong memory = first(dirs, "memory.usage_in_bytes", 1);
        if (memory.isEmpty()) {
            memory = first(dirs, "memory.current", 1);
        }
        OptionalLong memoryLimit = first(dirs, "memory.limit_in_bytes", 1);
        if (memoryLimit.isEmpty()) {
            memoryLimit = first(dirs, "memory.max", 1);
        }
        return new JobUsage(cpu, memory, limit(memoryLimit), first(dirs, "pids.current", 1), limit(first(dirs, "pids.max", 1)));
    }

    private static OptionalLong limit(OptionalLong v) {
        return v.isPresent() && v.getAsLong() >= NO_LIMIT ? OptionalLong.empty() : v;
    }

    /** The number in the first directory that has {@code file}; "max" (no limit) reads as empty. */
    private static OptionalLong first(List<Path> dirs, String file, long factor) {
        for (Path d : dirs) {
            Path f = d.resolve(file);
            if (!Files.exists(f)) {
                continue;
            }
            try {
                String v = Files.readString(f).trim();
                return v.equals("max") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(v) * factor);
            } catch (IOException | RuntimeException e) {
                return OptionalLong.empty(); // removed meanwhile
            }
        }
        return OptionalLong.empty();
    }

    private static OptionalLong statField(List<Path> dirs, String file, String key, long factor) {
        for (Path d : dirs) {
            Path f = d.resolve(file);
            if (!Files.exists(f)) {
                continue;
            }
            try {
                for (String line : Files.readAllLines(f)) {
                    String[] kv = line.trim().split("\\s+");
                    if (kv.length == 2 && kv[0].equals(key)) {
                        return OptionalLong.of(Long.parseLong(kv[1]) * factor);
                    }
                }
            } catch (IOException | RuntimeException e) {
                return OptionalLong.empty();
            }
        }
        return OptionalLong.empty();
    }
}
