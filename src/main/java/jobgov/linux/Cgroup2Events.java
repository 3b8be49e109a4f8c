package jobgov.linux;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jobgov.job.JobCounters;
import jobgov.job.JobEvent;
import jobgov.job.JobLimits;
import jobgov.job.Limit;

/**
 * Turns what a cgroup v2 job's files say into job events. The kernel notifies changes of
 * {@code cgroup.events}, {@code memory.events} and {@code pids.events} (inotify IN_MODIFY, at most one
 * notification per file per 10 ms); a notification only means "read the file again": the events come from
 * comparing the counters in the file with the last values read, never from counting notifications.
 * <ul>
 *   <li>{@code cgroup.events} populated 1 -> 0: {@link JobEvent.ActiveProcessZero}</li>
 *   <li>{@code memory.events} max or oom_kill went up: {@link JobEvent.JobMemoryLimit} carrying the usage and the
 *   file's oom_kill count, once per crossing of the limit ({@link LimitCrossing}), not once per {@code max}
 *   increment; and once per OOM kill (each one, so the count carried reaches the kernel's)</li>
 *   <li>{@code pids.events} max went up (a fork or clone failed): {@link JobEvent.ActiveProcessLimit}, once per crossing</li>
 * </ul>
 * Limits the kernel does not watch are checked on each {@link #tick}: per-job user time
 * ({@code cpu.stat} user_usec against job-time and job-time-notify), memory-notify ({@code memory.current})
 * and io-read/write-notify ({@code io.stat}). Each of those fires once, and again after the limits change.
 * Not thread-safe: one event thread per job calls it.
 */
public final class Cgroup2Events {
    /** The files to watch for kernel notifications. */
    public static final List<String> WATCHED = List.of("cgroup.events", "memory.events", "pids.events");

    private final CgroupFs fs;
    private final Path job;
    private long populated;
    private long oomKills;
    private final LimitCrossing memoryCrossing;
    private final LimitCrossing pidsCrossing;
    private JobLimits armed;
    private boolean jobTimeFired;
    private boolean jobTimeNotifyFired;
    private boolean memoryNotifyFired;
    private boolean ioReadNotifyFired;
    private boolean ioWriteNotifyFired;

    public Cgroup2Events(CgroupFs fs, Path job) {
        this.fs = fs;
        this.job = job;
        Map<String, Long> cgroup = read("cgroup.events");
        Map<String, Long> memory = read("memory.events");
        populated = cgroup.getOrDefault("populated", 0L);
        oomKills = memory.getOrDefault("oom_kill", 0L);
        memoryCrossing = new LimitCrossing(memory.getOrDefault("max", 0L) + oomKills);
        pidsCrossing = new LimitCrossing(read("pids.events").getOrDefault("max", 0L));
    }

    /** A process was put into the job: the next "populated 0" is a real emptying, even if the 1 was never read. */
    public void populatedByUs() {
        populated = 1;
    }

    /** Re-reads {@code file} (one of {@link #WATCHED}) after a notification. */
    public List<JobEvent> changed(String file, JobLimits limits, Instant now) {
        List<JobEvent> out = new ArrayList<>();
        switch (file) {
            case "cgroup.events" -> {
                long p = read(file).getOrDefault("populated", populated);
                if (populated == 1 && p == 0) {
                    out.add(new JobEvent.ActiveProcessZero(now));
                }
                populated = p;
            }
            case "memory.events" -> {
                Map<String, Long> m = read(file);
                if (!m.containsKey("max")) {
                    break;  // the job is gone (or the file unreadable): nothing counted
                }
                long kills = m.getOrDefault("oom_kill", oomKills);
                // an OOM kill is always reported (the event's count must reach the kernel's); reclaim hits fold
                boolean crossing = memoryCrossing.counted(m.get("max") + kills);
                if (crossing || kills > oomKills) {
                    long limit = limits.jobMemoryBytes() == null ? JobCounters.UNKNOWN : limits.jobMemoryBytes();
                    out.add(new JobEvent.JobMemoryLimit(now, 0, limit, Cgroup2Counters.single(fs, job.resolve("memory.current")), kills));
                }
                oomKills = kills;
            }
            case "pids.events" -> {
                Long max = read(file).get("max");
                if (max != null && pidsCrossing.counted(max)) {
                    int limit = limits.activeProcesses() == null ? -1 : limits.activeProcesses();
                    out.add(new JobEvent.ActiveProcessLimit(now, 0, limit, Cgroup2Counters.single(fs, job.resolve("pids.current"))));
                }
            }
            default -> throw new IllegalArgumentException("not a watched cgroup v2 file: " + file);
        }
        return out;
    }

    /** Checks the limits the kernel does not watch; call periodically. */
    public List<JobEvent> tick(JobLimits limits, Instant now) {
        if (!limits.equals(armed)) {
            armed = limits;
            jobTimeFired = jobTimeNotifyFired = memoryNotifyFired = ioReadNotifyFired = ioWriteNotifyFired = false;
        }
        List<JobEvent> out = new ArrayList<>();
        // a limit crossing ends once usage is back under the limit and the kernel stopped counting hits
        if (memoryCrossing.inside()) {
            memoryCrossing.settle(Cgroup2Counters.single(fs, job.resolve("memory.current")),
                    limits.jobMemoryBytes() == null ? -1 : limits.jobMemoryBytes());
        }
        if (pidsCrossing.inside()) {
            pidsCrossing.settle(Cgroup2Counters.single(fs, job.resolve("pids.current")),
                    limits.activeProcesses() == null ? -1 : limits.activeProcesses());
        }
        if (limits.jobTime() != null || limits.jobTimeNotify() != null) {
            Long userUsec = read("cpu.stat").get("user_usec");
            if (userUsec != null) {
                Duration used = Duration.ofNanos(userUsec * 1000);
                if (limits.jobTimeNotify() != null && !jobTimeNotifyFired && used.compareTo(limits.jobTimeNotify()) >= 0) {
                    jobTimeNotifyFired = true;
                    out.add(new JobEvent.NotificationLimit(now, Limit.JOB_TIME_NOTIFICATION, limits.jobTimeNotify().toMillis(), used.toMillis()));
                }
                if (limits.jobTime() != null && !jobTimeFired && used.compareTo(limits.jobTime()) >= 0) {
                    jobTimeFired = true;
                    out.add(new JobEvent.EndOfJobTime(now, limits.jobTime(), used));
                }
            }
        }
        if (limits.memoryNotifyBytes() != null) {
            long current = Cgroup2Counters.single(fs, job.resolve("memory.current"));
            if (current >= limits.memoryNotifyBytes() && !memoryNotifyFired) {
                memoryNotifyFired = true;
                out.add(new JobEvent.NotificationLimit(now, Limit.MEMORY_NOTIFICATION, limits.memoryNotifyBytes(), current));
            } else if (current >= 0 && current < limits.memoryNotifyBytes()) {
                memoryNotifyFired = false;
            }
        }
        if (limits.ioReadNotifyBytes() != null || limits.ioWriteNotifyBytes() != null) {
            Map<String, Long> io = Cgroup2Counters.ioStat(Cgroup2Counters.readOrEmpty(fs, job.resolve("io.stat")), true);
            if (limits.ioReadNotifyBytes() != null && !ioReadNotifyFired && io.get("rbytes") >= limits.ioReadNotifyBytes()) {
                ioReadNotifyFired = true;
                out.add(new JobEvent.NotificationLimit(now, Limit.IO_NOTIFICATION, limits.ioReadNotifyBytes(), io.get("rbytes")));
            }
            if (limits.ioWriteNotifyBytes() != null && !ioWriteNotifyFired && io.get("wbytes") >= limits.ioWriteNotifyBytes()) {
                ioWriteNotifyFired = true;
                out.add(new JobEvent.NotificationLimit(now, Limit.IO_NOTIFICATION, limits.ioWriteNotifyBytes(), io.get("wbytes")));
            }
        }
        return out;
    }

    private Map<String, Long> read(String file) {
        return Cgroup2Counters.flatKeyed(Cgroup2Counters.readOrEmpty(fs, job.resolve(file)));
    }
}
