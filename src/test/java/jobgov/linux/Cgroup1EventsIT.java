package jobgov.linux;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import jobgov.job.Job;
import jobgov.job.JobEvent;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.JobTimeAction;
import jobgov.job.Limit;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The cgroup1 job's events on real processes: exits with codes, empty job, job time, process time, notifications, nesting. */
class Cgroup1EventsIT {
    private GovernedJobs jobs;

    @BeforeEach
    void setUp() {
        Requirements.cgroupV1();
        jobs = new GovernedJobs();
    }

    @AfterEach
    void tearDown() {
        if (jobs != null) {
            jobs.close();
        }
    }

    @Test
    void startedProcessesReportTheirExitCodeThenTheJobReportsEmpty() throws Exception {
        Job job = jobs.create("exit", JobLimits.NONE);
        Process p = jobs.start(job, "/bin/sh", "-c", "sleep 0.3; exit 3");
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        Instant exited = Instant.now();
        await().atMost(Duration.ofSeconds(3)).until(() -> !jobs.events(JobEvent.ActiveProcessZero.class).isEmpty());
        List<JobEvent.NewProcess> started = jobs.events(JobEvent.NewProcess.class);
        assertTrue(started.stream().anyMatch(e -> e.pid() == p.pid()), jobs.events.toString());
        await().atMost(Duration.ofSeconds(3)).until(() -> jobs.events(JobEvent.ProcessExited.class).stream().anyMatch(e -> e.pid() == p.pid()));
        JobEvent.ProcessExited exit = jobs.events(JobEvent.ProcessExited.class).stream().filter(e -> e.pid() == p.pid()).findFirst().orElseThrow();
        assertEquals(3, exit.exitCode());
        System.out.println("cgroup1 ActiveProcessZero " + Duration.between(exited, jobs.events(JobEvent.ActiveProcessZero.class).get(0).time()).toMillis()
                + " ms after waitFor returned (inotify on unified cgroup.events)");
    }

    @Test
    void aJobEmptiedByAProcessShorterThanTheKernelsNotificationWindowStillReportsEmpty() throws Exception {
        // cgroup.events may say "populated 1" and "populated 0" as one notification when a process lives < 10 ms:
        // every emptying must still be reported once.
        Job job = jobs.create("short", JobLimits.NONE);
        int runs = 10;
        for (int i = 1; i <= runs; i++) {
            Process p = jobs.start(job, "/bin/true");
            assertTrue(p.waitFor(10, TimeUnit.SECONDS));
            int expected = i;
            await().atMost(Duration.ofSeconds(3)).until(() -> jobs.events(JobEvent.ActiveProcessZero.class).size() >= expected);
        }
        assertEquals(runs, jobs.events(JobEvent.ActiveProcessZero.class).size(), jobs.events.toString());
    }

    @Test
    void usingUpTheJobTimeEndsTheJobAndReportsEndOfJobTime() throws Exception {
        Job job = jobs.create("jobtime", JobLimits.builder().jobTime(Duration.ofMillis(300)).build());
        Process p = jobs.start(job, "/bin/sh", "-c", "while :; do :; done");
        await().atMost(Duration.ofSeconds(20)).until(() -> !jobs.events(JobEvent.EndOfJobTime.class).isEmpty());
        JobEvent.EndOfJobTime e = jobs.events(JobEvent.EndOfJobTime.class).get(0);
        assertTrue(e.used().compareTo(Duration.ofMillis(300)) >= 0, e.toString());
        assertTrue(p.waitFor(5, TimeUnit.SECONDS), "terminated at the limit");
        assertTrue(job.counters().totalTerminatedProcesses() >= 1, job.counters().toString());
    }

    @Test
    void jobTimeWithPostOnlyReports() throws Exception {
        Job job = jobs.create("jobtimepost", JobLimits.builder().jobTime(Duration.ofMillis(200)).jobTimeAction(JobTimeAction.POST)
                .jobTimeNotify(Duration.ofMillis(100)).build());
        Process p = jobs.start(job, "/bin/sh", "-c", "while :; do :; done");
        await().atMost(Duration.ofSeconds(20)).until(() -> !jobs.events(JobEvent.EndOfJobTime.class).isEmpty());
        assertTrue(jobs.events(JobEvent.NotificationLimit.class).stream().anyMatch(n -> n.limit() == Limit.JOB_TIME_NOTIFICATION));
        assertTrue(p.isAlive(), "POST leaves the processes running");
        job.terminate(1);
        assertTrue(p.waitFor(5, TimeUnit.SECONDS));
    }

    @Test
    void usingUpTheProcessTimeEndsThatProcessWithEndOfProcessTime() throws Exception {
        Job job = jobs.create("proctime", JobLimits.builder().processTime(Duration.ofSeconds(1)).build());
        Process p = jobs.start(job, "/bin/sh", "-c", "while :; do :; done");
        assertTrue(p.waitFor(30, TimeUnit.SECONDS), "RLIMIT_CPU ends the busy shell");
        assertEquals(128 + 24, p.exitValue(), "SIGXCPU");
        await().atMost(Duration.ofSeconds(3)).until(() -> !jobs.events(JobEvent.EndOfProcessTime.class).isEmpty());
        assertEquals(p.pid(), jobs.events(JobEvent.EndOfProcessTime.class).get(0).pid());
        assertEquals(24, jobs.events(JobEvent.AbnormalExit.class).get(0).signal());
    }

    @Test
    void memoryNotificationFiresOnceUsagePassesIt() throws Exception {
        Path shm = Path.of("/dev/shm", "jobgov-test-" + UUID.randomUUID());
        try {
            Job job = jobs.create("memnotify", JobLimits.builder().memoryNotifyBytes(16L << 20).build());
            // tmpfs pages are charged to the writer's memory cgroup and stay until the file goes
            Process p = jobs.start(job, "/bin/sh", "-c", "head -c 40m /dev/zero > " + shm);
            assertTrue(p.waitFor(20, TimeUnit.SECONDS));
            await().atMost(Duration.ofSeconds(3)).until(() -> !jobs.events(JobEvent.NotificationLimit.class).isEmpty());
            JobEvent.NotificationLimit n = jobs.events(JobEvent.NotificationLimit.class).get(0);
            assertEquals(Limit.MEMORY_NOTIFICATION, n.limit());
            assertTrue(n.reportedValue() >= 16L << 20, n.toString());
            assertEquals(1, jobs.events(JobEvent.NotificationLimit.class).size(), "once per setting");
        } finally {
            Files.deleteIfExists(shm);
        }
    }

    @Test
    void aNestedJobIsASubCgroupWhoseProcessesCountInTheParent() throws Exception {
        Job parent = jobs.create("parent", JobLimits.builder().activeProcesses(20).build());
        Job child = parent.createChild(new JobSpec("child", null, JobLimits.builder().activeProcesses(3).build()));
        assertTrue(child.location().contains(Cgroup1CountersIT.dir(parent, "pids").toString() + "/jobgov-child."), child.location());
        Process p = child.start(new ProcessBuilder("sleep", "30"));
        assertTrue(parent.pids().contains(p.pid()) && child.pids().contains(p.pid()));
        parent.terminate(1);
        assertTrue(p.waitFor(5, TimeUnit.SECONDS), "terminating the parent ends the child's processes");
        child.close();
        for (String part : child.location().split(" ")) {
            Path d = Path.of(part.split("=", 2)[1]);
            assertTrue(!Files.exists(d), "removed on close: " + d + " " + CgroupFiles.procs(d));
        }
    }
}
