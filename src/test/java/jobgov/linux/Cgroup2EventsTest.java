package jobgov.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import jobgov.job.JobEvent;
import jobgov.job.JobLimits;
import jobgov.job.Limit;
import jobgov.job.LimitSpec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Events derived from cgroup v2 event files (cgroup.events, memory.events, pids.events, cpu.stat) with the
 * kernel's contents, written into a scratch job directory: what the backend's event thread does after each
 * inotify wake-up or tick. The notifications themselves are tested against the real unified tree in
 * {@link Cgroup2UnifiedKernelTest}.
 */
class Cgroup2EventsTest {
    @TempDir
    Path job;
    Cgroup2Events events;
    final Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @BeforeEach
    void files() throws IOException {
        Files.writeString(job.resolve("cgroup.events"), "populated 0\nfrozen 0\n");
        Files.writeString(job.resolve("memory.events"), "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n");
        Files.writeString(job.resolve("pids.events"), "max 0\n");
        Files.writeString(job.resolve("memory.current"), "4096\n");
        Files.writeString(job.resolve("pids.current"), "16\n");
        Files.writeString(job.resolve("cpu.stat"), "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
        events = new Cgroup2Events(CgroupFs.KERNEL, job);
    }

    @Test
    void populatedOneToZeroIsActiveProcessZeroOnce() throws IOException {
        Files.writeString(job.resolve("cgroup.events"), "populated 1\nfrozen 0\n");
        assertEquals(List.of(), events.changed("cgroup.events", JobLimits.NONE, now));
        Files.writeString(job.resolve("cgroup.events"), "populated 0\nfrozen 0\n");
        assertEquals(List.of(new JobEvent.ActiveProcessZero(now)), events.changed("cgroup.events", JobLimits.NONE, now));
        assertEquals(List.of(), events.changed("cgroup.events", JobLimits.NONE, now), "a second notification is no second event");
    }

    @Test
    void aProcessThatCameAndWentBetweenTwoReadsStillEmptiesTheJob() {
        events.populatedByUs();
        assertEquals(1, events.changed("cgroup.events", JobLimits.NONE, now).size());
    }

    @Test
    void memoryEventsCarryTheKernelsOomKillCountNotTheNumberOfNotifications() throws IOException {
        JobLimits limits = LimitSpec.apply("memory=64m", JobLimits.NONE);
        Files.writeString(job.resolve("memory.events"), "low 0\nhigh 0\nmax 112\noom 3\noom_kill 3\noom_group_kill 0\n");
        Files.writeString(job.resolve("memory.current"), "67043328\n");
        List<JobEvent> e = events.changed("memory.events", limits, now);
        assertEquals(List.of(new JobEvent.JobMemoryLimit(now, 0, 64L << 20, 67043328, 3)), e);
        assertEquals(List.of(), events.changed("memory.events", limits, now), "nothing new in the file");
    }

    @Test
    void usageHoveringAtMemoryMaxIsOneEventPerCrossingNotOnePerKernelIncrement() throws IOException {
        JobLimits limits = LimitSpec.apply("memory=64m", JobLimits.NONE);
        Files.writeString(job.resolve("memory.current"), "67100000\n");
        int fired = 0;
        for (int max = 1; max <= 22; max++) {  // the 22 increments in 1.7 s, ticks in between
            Files.writeString(job.resolve("memory.events"), "low 0\nhigh 0\nmax " + max + "\noom 0\noom_kill 0\noom_group_kill 0\n");
            fired += events.changed("memory.events", limits, now).size();
            events.tick(limits, now);
        }
        Files.writeString(job.resolve("memory.events"), "low 0\nhigh 0\nmax 23\noom 1\noom_kill 1\noom_group_kill 0\n");
        assertEquals(1, fired, "22 reclaim hits at the limit: one crossing");
        List<JobEvent> kill = events.changed("memory.events", limits, now);
        assertEquals(List.of(new JobEvent.JobMemoryLimit(now, 0, 64L << 20, 67100000, 1)), kill, "the OOM kill is reported with its count");

        // the kill freed the memory: once the counters stand still the crossing is over, the next one is an event
        Files.writeString(job.resolve("memory.current"), "4096\n");
        events.tick(limits, now);
        events.tick(limits, now);
        Files.writeString(job.resolve("memory.events"), "low 0\nhigh 0\nmax 24\noom 1\noom_kill 1\noom_group_kill 0\n");
        Files.writeString(job.resolve("memory.current"), "67100000\n");
        assertEquals(List.of(new JobEvent.JobMemoryLimit(now, 0, 64L << 20, 67100000, 1)), events.changed("memory.events", limits, now));
        Files.writeString(job.resolve("memory.events"), "low 0\nhigh 0\nmax 25\noom 2\noom_kill 2\noom_group_kill 0\n");
        assertEquals(2, ((JobEvent.JobMemoryLimit) events.changed("memory.events", limits, now).get(0)).oomKills(),
                "a second OOM kill within the crossing is reported too: no kill is lost");
    }

    @Test
    void usageJustUnderTheLimitDoesNotEndTheCrossing() throws IOException {
        JobLimits limits = LimitSpec.apply("memory=64m", JobLimits.NONE);
        Files.writeString(job.resolve("memory.events"), "low 0\nhigh 0\nmax 1\noom 0\noom_kill 0\noom_group_kill 0\n");
        assertEquals(1, events.changed("memory.events", limits, now).size());
        Files.writeString(job.resolve("memory.current"), String.valueOf((64L << 20) - 4096));  // reclaim made a page of room
        events.tick(limits, now);
        events.tick(limits, now);
        Files.writeString(job.resolve("memory.events"), "low 0\nhigh 0\nmax 2\noom 0\noom_kill 0\noom_group_kill 0\n");
        assertEquals(List.of(), events.changed("memory.events", limits, now));
    }

    @Test
    void pidsEventsMaxIsActiveProcessLimitWithTheTaskCountOncePerCrossing() throws IOException {
        JobLimits limits = LimitSpec.apply("processes=16", JobLimits.NONE);
        Files.writeString(job.resolve("pids.events"), "max 5\n");
        assertEquals(List.of(new JobEvent.ActiveProcessLimit(now, 0, 16, 16)), events.changed("pids.events", limits, now));
        assertEquals(List.of(), events.changed("pids.events", limits, now));
        Files.writeString(job.resolve("pids.events"), "max 9\n");
        assertEquals(List.of(), events.changed("pids.events", limits, now), "more refused forks, same crossing");
        events.tick(limits, now);
        Files.writeString(job.resolve("pids.current"), "3\n");
        events.tick(limits, now);
        Files.writeString(job.resolve("pids.events"), "max 10\n");
        Files.writeString(job.resolve("pids.current"), "16\n");
        assertEquals(1, events.changed("pids.events", limits, now).size(), "the tree shrank and hit the limit again");
    }

    @Test
    void jobTimeIsWatchedOnTheUserTimeOfCpuStatAndFiresOnce() throws IOException {
        JobLimits limits = LimitSpec.apply("job-time=2s,job-time-notify=1s", JobLimits.NONE);
        Files.writeString(job.resolve("cpu.stat"), "usage_usec 1500000\nuser_usec 1200000\nsystem_usec 300000\n");
        List<JobEvent> first = events.tick(limits, now);
        assertEquals(1, first.size());
        JobEvent.NotificationLimit n = assertInstanceOf(JobEvent.NotificationLimit.class, first.get(0));
        assertEquals(Limit.JOB_TIME_NOTIFICATION, n.limit());
        assertEquals(1200, n.reportedValue());

        Files.writeString(job.resolve("cpu.stat"), "usage_usec 9000000\nuser_usec 2000001\nsystem_usec 6999999\n");
        assertEquals(List.of(new JobEvent.EndOfJobTime(now, Duration.ofSeconds(2), Duration.ofNanos(2_000_001_000L))), events.tick(limits, now),
                "user time only: system time does not count against the job time");
        assertEquals(List.of(), events.tick(limits, now));
        assertEquals(1, events.tick(LimitSpec.apply("job-time=2s", JobLimits.NONE), now).size(), "new limits re-arm");
    }

    @Test
    void memoryAndIoNotificationLimitsFireOnCrossing() throws IOException {
        JobLimits limits = LimitSpec.apply("memory-notify=1m,io-write-notify=10k", JobLimits.NONE);
        assertEquals(List.of(), events.tick(limits, now));
        Files.writeString(job.resolve("memory.current"), "2097152\n");
        Files.writeString(job.resolve("io.stat"), "254:0 rbytes=0 wbytes=20480 rios=0 wios=5 dbytes=0 dios=0\n");
        List<JobEvent> e = events.tick(limits, now);
        assertEquals(2, e.size());
        assertTrue(e.contains(new JobEvent.NotificationLimit(now, Limit.MEMORY_NOTIFICATION, 1 << 20, 2097152)));
        assertTrue(e.contains(new JobEvent.NotificationLimit(now, Limit.IO_NOTIFICATION, 10240, 20480)));
        assertEquals(List.of(), events.tick(limits, now));
    }
}
