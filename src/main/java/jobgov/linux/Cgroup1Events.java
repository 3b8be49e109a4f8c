package jobgov.linux;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import jobgov.job.JobEvent;
import jobgov.job.JobLimits;
import jobgov.job.Limit;

/**
 * Turns what a cgroup v1 job's files say into job events; the v1 counterpart of {@link Cgroup2Events}. Each
 * {@link #check} re-reads the files and compares them with the last values read (notifications are never
 * counted: the kernel coalesces them):
 * <ul>
 *   <li>ActiveProcessZero: the unified {@code cgroup.events} {@code populated} 1 -> 0, else the process list
 *       emptied (no unified tree);</li>
 *   <li>ActiveProcessLimit: {@code pids.events max} went up (a fork refused by {@code pids.max}), once per crossing
 *       ({@link LimitCrossing}: again only after the job fell below its limit);</li>
 *   <li>JobMemoryLimit: {@code memory.oom_control oom_kill} went up;</li>
 *   <li>NotificationLimit (memory, job time, IO) and EndOfJobTime: checked against the limits, once per setting
 *       (a new value re-arms it, see {@link #rearm}); the memory one also fires when {@code memory.max_usage_in_bytes}
 *       rose past the threshold since it was armed (a fast allocation the OOM killer ended between two checks).</li>
 * </ul>
 * {@link #check} runs on the job's event thread only; {@link #rearm} may come from any thread.
 */
final class Cgroup1Events {
    private static final System.Logger LOG = System.getLogger("jobgov.linux");

    private final CgroupFs fs;
    private final Cgroup1Dirs dirs;
    private final Cgroup1Counters counters;
    // event thread only
    private boolean populated;
    // one ActiveProcessLimit per crossing of pids.max, not per refused fork
    private final LimitCrossing pidsCrossing = new LimitCrossing(0);
    private long oomKills;
    private volatile boolean oomWatched;
    // re-armed from the thread that changes the limits
    private volatile boolean jobTimeFired;
    private volatile boolean jobTimeNotified;
    private volatile boolean memoryNotified;
    private volatile boolean ioNotified;
    // memory.max_usage_in_bytes when the memory notification was armed: a later, higher peak shows a crossing
    private volatile long memoryPeakAtArm;

    Cgroup1Events(CgroupFs fs, Cgroup1Dirs dirs, Cgroup1Counters counters) {
        this.fs = fs;
        this.dirs = dirs;
        this.counters = counters;
    }

    /**
     * Registers the v1 OOM notification: an eventfd through {@code cgroup.event_control} on {@code memory.oom_control},
     * which the kernel signals when the job is under OOM; the loop then runs a check, which reads {@code oom_kill}.
     * Call on the event thread (it needs libc). Without it the tick reads the counter.
     */
    void registerOom(EventLoop loop, String job) {
        Path mem = dirs.dir("memory");
        if (mem == null) {
            return;
        }
        int efd = Libc.C.eventfd(0, Libc.NONBLOCK | Libc.O_CLOEXEC);
        if (efd < 0) {
            return;
        }
        int ofd = Libc.C.open(mem.resolve("memory.oom_control").toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
        try {
            if (ofd < 0) {
                throw new IOException(Libc.lastError());
            }
            fs.write(mem.resolve("cgroup.event_control"), efd + " " + ofd);
            loop.watchEventFd(efd, ofd);
            oomWatched = true;
        } catch (IOException e) {
            Libc.C.close(efd);
            if (ofd >= 0) {
                Libc.C.close(ofd);
            }
            LOG.log(System.Logger.Level.DEBUG, "job " + job + ": no OOM eventfd (" + e.getMessage() + "); the 100 ms tick reads oom_kill");
        }
    }

    /**
     * Whether the tick must read files no notification covers under {@code l}: the polled limits, {@code pids.events}
     * while a process limit is set (v1 sends no notification for it on 6.x kernels), {@code oom_kill} without the
     * OOM eventfd.
     */
    boolean polled(JobLimits l) {
        return PolledLimits.any(l) || (l.activeProcesses() != null && dirs.dir("pids") != null) || (!oomWatched && dirs.dir("memory") != null);
    }

    /** A process was put into the job: the next emptying is a real one, even if "populated 1" was never read. */
    void populatedByUs() {
        populated = true;
    }

    /** Notifications fire once per setting, as on Windows: a new value re-arms them. */
    void rearm(JobLimits next, JobLimits current) {
        if (!Objects.equals(next.memoryNotifyBytes(), current.memoryNotifyBytes())) {
            memoryPeakAtArm = dirs.dir("memory") == null ? 0 : Math.max(0, counters.peakMemoryBytes());
            memoryNotified = false;
        }
        if (!Objects.equals(next.jobTimeNotify(), current.jobTimeNotify())) {
            jobTimeNotified = false;
        }
        if (!Objects.equals(next.jobTime(), current.jobTime())) {
            jobTimeFired = false;
        }
        if (!Objects.equals(next.ioReadNotifyBytes(), current.ioReadNotifyBytes())
                || !Objects.equals(next.ioWriteNotifyBytes(), current.ioWriteNotifyBytes())) {
            ioNotified = false;
        }
    }

    /**
     * The events the files show since the last check, in the order Windows would post them.
     *
     * @param current the job's processes now (as the process tracking just read them)
     */
    List<JobEvent> check(JobLimits l, Instant now, Set<Long> current) {
        List<JobEvent> out = new ArrayList<>();
        Path unified = dirs.unified();
        boolean pop = unified != null
                ? fs.keyed(unified.resolve("cgroup.events")).getOrDefault("populated", 0L) == 1
                : !current.isEmpty();
        if (populated && !pop) {
            out.add(new JobEvent.ActiveProcessZero(now));
        }
        populated = pop;
        Path pids = dirs.dir("pids");
        if (pids != null) {
            long max = fs.keyed(pids.resolve("pids.events")).getOrDefault("max", 0L);
            long used = fs.number(pids.resolve("pids.current"), current.size());
            if (pidsCrossing.counted(max) && l.activeProcesses() != null) {
                out.add(new JobEvent.ActiveProcessLimit(now, 0, l.activeProcesses(), used));
            }
            pidsCrossing.settle(used, l.activeProcesses() == null ? -1 : l.activeProcesses());
        }
        Path mem = dirs.dir("memory");
        if (mem != null) {
            // The memory notification first: usage passes the soft threshold before it reaches the hard limit.
            if (l.memoryNotifyBytes() != null && !memoryNotified) {
                long threshold = l.memoryNotifyBytes();
                long usage = fs.number(mem.resolve("memory.usage_in_bytes"), 0);
                // Usage may have jumped past the threshold and dropped again (an OOM kill) between two checks;
                // a peak that rose past it since the notification was armed shows that crossing.
                long peak = fs.number(mem.resolve("memory.max_usage_in_bytes"), 0);
                long reported = usage >= threshold ? usage
                        : peak >= threshold && memoryPeakAtArm < threshold ? peak : -1;
                if (reported >= 0) {
                    memoryNotified = true;
                    out.add(new JobEvent.NotificationLimit(now, Limit.MEMORY_NOTIFICATION, threshold, reported));
                }
            }
            long kills = counters.oomKills();
            if (kills > oomKills) {
                out.add(new JobEvent.JobMemoryLimit(now, 0, l.jobMemoryBytes() == null ? -1 : l.jobMemoryBytes(),
                        fs.number(mem.resolve("memory.max_usage_in_bytes"), -1), kills));
            }
            oomKills = kills;
        }
        if ((l.jobTime() != null && !jobTimeFired) || (l.jobTimeNotify() != null && !jobTimeNotified)) {
            Duration user = Duration.ofNanos(counters.userNanos());
            if (l.jobTimeNotify() != null && !jobTimeNotified && user.compareTo(l.jobTimeNotify()) >= 0) {
                jobTimeNotified = true;
                out.add(new JobEvent.NotificationLimit(now, Limit.JOB_TIME_NOTIFICATION, l.jobTimeNotify().toMillis(), user.toMillis()));
            }
            if (l.jobTime() != null && !jobTimeFired && user.compareTo(l.jobTime()) >= 0) {
                jobTimeFired = true;
                out.add(new JobEvent.EndOfJobTime(now, l.jobTime(), user));
            }
        }
        if ((l.ioReadNotifyBytes() != null || l.ioWriteNotifyBytes() != null) && !ioNotified) {
            long[] io = counters.io(l);
            if (l.ioReadNotifyBytes() != null && io[3] >= l.ioReadNotifyBytes()) {
                ioNotified = true;
                out.add(new JobEvent.NotificationLimit(now, Limit.IO_NOTIFICATION, l.ioReadNotifyBytes(), io[3]));
            } else if (l.ioWriteNotifyBytes() != null && io[4] >= l.ioWriteNotifyBytes()) {
                ioNotified = true;
                out.add(new JobEvent.NotificationLimit(now, Limit.IO_NOTIFICATION, l.ioWriteNotifyBytes(), io[4]));
            }
        }
        return out;
    }
}
