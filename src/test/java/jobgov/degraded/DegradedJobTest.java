package jobgov.degraded;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import jobgov.job.Job;
import jobgov.job.JobCounters;
import jobgov.job.JobEvent;
import jobgov.job.JobException;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.Limit;
import jobgov.job.LimitRefusedException;
import jobgov.job.LimitSpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The degraded backend against real process trees (no cgroups involved, so no root needed). */
class DegradedJobTest {
    private final DegradedBackend backend = new DegradedBackend();
    private final List<Job> jobs = new ArrayList<>();
    private final List<Process> strays = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        jobs.forEach(Job::close);
        for (Process p : strays) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private Job job(JobLimits limits) {
        Job j = Job.create(backend, new JobSpec("jobgov-test-" + UUID.randomUUID().toString().substring(0, 8), null, limits));
        jobs.add(j);
        return j;
    }

    private static ProcessBuilder sh(String script) {
        return new ProcessBuilder("sh", "-c", script);
    }

    @Test
    void tracksDescendantsAndTerminateKillsTheTree() {
        Job job = job(JobLimits.NONE);
        Process sh = job.start(sh("sleep 300 & sleep 300 & wait"));
        await().atMost(Duration.ofSeconds(5)).until(() -> job.pids().size() == 3);
        List<ProcessHandle> tree = new ArrayList<>(sh.descendants().toList());
        tree.add(sh.toHandle());
        assertEquals(tree.stream().map(ProcessHandle::pid).sorted().toList(), job.pids());

        job.terminate(1);

        assertTrue(tree.stream().noneMatch(DegradedJob::running), "every process of the tree is dead");
        assertEquals(List.of(), job.pids());
        JobCounters c = job.counters();
        assertEquals(3, c.totalTerminatedProcesses());
        assertEquals(0, c.activeProcesses());
    }

    @Test
    void eventsComeFromOneThreadWithExitCodes() {
        Job job = job(JobLimits.NONE);
        List<JobEvent> events = new CopyOnWriteArrayList<>();
        Set<String> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        job.subscribe(e -> {
            events.add(e);
            threads.add(Thread.currentThread().getName());
        });
        Process ok = job.start(sh("exit 3"));
        await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().anyMatch(e -> e instanceof JobEvent.ActiveProcessZero));
        Process killed = job.start(sh("kill -9 $$"));
        await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().filter(e -> e instanceof JobEvent.ActiveProcessZero).count() == 2);

        assertEquals(Set.of("jobgov-events-" + job.name()), threads);
        assertEquals(List.of(
                new JobEvent.NewProcess(events.get(0).time(), ok.pid()),
                new JobEvent.ProcessExited(events.get(1).time(), ok.pid(), 3),
                new JobEvent.ActiveProcessZero(events.get(2).time()),
                new JobEvent.NewProcess(events.get(3).time(), killed.pid()),
                new JobEvent.AbnormalExit(events.get(4).time(), killed.pid(), 137, 9),
                new JobEvent.ActiveProcessZero(events.get(5).time())), events);
        JobCounters c = job.counters();
        assertEquals(2, c.totalProcesses());
        assertEquals(0, c.activeProcesses());
        assertEquals(JobCounters.UNKNOWN, c.totalUserTimeMillis(), "no kernel accounting without a kernel job");
        assertEquals(JobCounters.UNKNOWN, c.jobMemoryUsedBytes());
    }

    @Test
    void everyLimitIsRefusedSayingWhyAndWhatWouldFixIt() {
        Map<Limit, String> specs = Map.ofEntries(
                Map.entry(Limit.JOB_MEMORY, "memory=64m"),
                Map.entry(Limit.PROCESS_MEMORY, "process-memory=64m"),
                Map.entry(Limit.WORKING_SET, "min-working-set=1m,max-working-set=2m"),
                Map.entry(Limit.ACTIVE_PROCESSES, "processes=8"),
                Map.entry(Limit.CPU_RATE, "cpu=50%"),
                Map.entry(Limit.CPU_WEIGHT, "cpu-weight=3"),
                Map.entry(Limit.CPU_MIN_MAX, "cpu-min=10%,cpu-max=20%"),
                Map.entry(Limit.AFFINITY, "affinity=0"),
                Map.entry(Limit.PRIORITY_CLASS, "priority-class=idle"),
                Map.entry(Limit.SCHEDULING_CLASS, "scheduling-class=3"),
                Map.entry(Limit.PROCESS_TIME, "process-time=1s"),
                Map.entry(Limit.JOB_TIME, "job-time=1s"),
                Map.entry(Limit.DIE_ON_UNHANDLED_EXCEPTION, "die-on-unhandled-exception=true"),
                Map.entry(Limit.BREAKAWAY, "breakaway=true"),
                Map.entry(Limit.UI_RESTRICTIONS, "ui-restrictions=desktop"),
                Map.entry(Limit.IO_RATE, "io-bandwidth=1m"),
                Map.entry(Limit.NET_RATE, "net-bandwidth=1m"),
                Map.entry(Limit.MEMORY_NOTIFICATION, "memory-notify=64m"),
                Map.entry(Limit.JOB_TIME_NOTIFICATION, "job-time-notify=1s"),
                Map.entry(Limit.IO_NOTIFICATION, "io-read-notify=1m"));
        Set<Limit> all = java.util.EnumSet.allOf(Limit.class);
        all.remove(Limit.KILL_ON_CLOSE); // kept, best-effort: see closeKillsTheTreeUnlessKillOnCloseIsOff
        assertEquals(all, specs.keySet(), "every kind of limit but kill-on-close is tried");
        Job open = job(JobLimits.NONE);
        for (Map.Entry<Limit, String> e : specs.entrySet()) {
            JobLimits limits = LimitSpec.parse(e.getValue());
            LimitRefusedException atCreate = assertThrows(LimitRefusedException.class, () -> job(limits), e.getValue());
            assertEquals(e.getKey(), atCreate.limit());
            String m = atCreate.getMessage();
            assertTrue(m.contains("refused by the degraded backend") && m.contains("To fix: ") && m.contains("--cgroup PATH"), m);
            LimitRefusedException atSet = assertThrows(LimitRefusedException.class, () -> open.setLimits(limits));
            assertEquals(e.getKey(), atSet.limit());
            assertEquals(JobLimits.NONE, open.limits(), "a refused change leaves the old limits");
        }
    }

    @Test
    void closeKillsTheTreeUnlessKillOnCloseIsOff() throws Exception {
        Job killing = job(LimitSpec.parse("kill-on-close=true"));
        Process a = killing.start(sh("sleep 300 & wait"));
        await().atMost(Duration.ofSeconds(5)).until(() -> killing.pids().size() == 2);
        List<ProcessHandle> treeA = List.of(a.toHandle(), a.descendants().findFirst().orElseThrow());
        killing.close();
        assertTrue(treeA.stream().noneMatch(DegradedJob::running));

        Job keeping = job(LimitSpec.parse("kill-on-close=false"));
        Process b = keeping.start(sh("sleep 300"));
        strays.add(b);
        keeping.close();
        assertFalse(b.waitFor(300, TimeUnit.MILLISECONDS), "kill-on-close=false leaves the process running");
    }

    @Test
    void assignedProcessIsTrackedAndKilledWithoutAnExitCode() throws Exception {
        Job job = job(JobLimits.NONE);
        List<JobEvent> events = new CopyOnWriteArrayList<>();
        job.subscribe(events::add);
        Process outside = new ProcessBuilder("sleep", "300").start();
        strays.add(outside);
        job.assign(outside.pid());
        assertEquals(List.of(outside.pid()), job.pids());
        job.terminate(1);
        assertTrue(outside.waitFor(2, TimeUnit.SECONDS));
        await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().anyMatch(e -> e instanceof JobEvent.ProcessExited));
        JobEvent.ProcessExited exit = (JobEvent.ProcessExited) events.stream().filter(e -> e instanceof JobEvent.ProcessExited).findFirst().orElseThrow();
        assertEquals(outside.pid(), exit.pid());
        assertNull(exit.exitCode(), "not our child: the exit code is unknown");

        assertThrows(JobException.class, () -> job.assign(outside.pid()), "a dead pid cannot be assigned");
    }

    @Test
    void terminateNeverKillsThisJvmEvenWhenItIsInTheJob() throws Exception {
        Job job = job(JobLimits.NONE);
        Process child = new ProcessBuilder("sleep", "300").start();
        strays.add(child);
        job.assign(ProcessHandle.current().pid());
        await().atMost(Duration.ofSeconds(5)).until(() -> job.pids().contains(child.pid()));
        job.terminate(1);
        assertTrue(child.waitFor(2, TimeUnit.SECONDS), "the JVM's child was killed");
        assertTrue(ProcessHandle.current().isAlive());
        assertEquals(List.of(ProcessHandle.current().pid()), job.pids());
    }

    @Test
    void nestedJobProcessesCountInTheParent() throws Exception {
        Job parent = job(JobLimits.NONE);
        Job child = parent.createChild(JobSpec.named("jobgov-test-child"));
        Process p = child.start(new ProcessBuilder("sleep", "300"));
        assertEquals(List.of(p.pid()), child.pids());
        assertEquals(List.of(p.pid()), parent.pids());
        parent.close();
        assertTrue(p.waitFor(2, TimeUnit.SECONDS), "closing the parent kills the child job's process");
    }
}
