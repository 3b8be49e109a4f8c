package jobgov.windows;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Platform;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Windows backend against the real Windows kernel: limits enforced by job objects, events from the
 * completion port, kill-on-close, terminate. Runs only in the {@code windows-it} Maven profile on
 * Windows (.github/workflows/windows.yml); never part of the Linux build.
 */
class JobObjectWindowsIT {
    final WindowsBackend backend = new WindowsBackend();
    final List<Job> jobs = new ArrayList<>();
    final List<Process> processes = new ArrayList<>();
    final List<JobEvent> events = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void onWindows() {
        Assumptions.assumeTrue(Platform.isWindows(),
                "skipped: Windows job objects exist only on Windows (run with mvn verify -Pwindows-it on Windows)");
    }

    @AfterEach
    void cleanUp() {
        for (Process p : processes) {
            p.destroyForcibly();
        }
        for (Job j : jobs) {
            j.close();
        }
    }

    Job job(String limits) {
        Job j = Job.create(backend, new JobSpec("it-" + UUID.randomUUID().toString().substring(0, 8), null,
                LimitSpec.apply(limits, JobLimits.NONE)));
        jobs.add(j);
        j.subscribe(events::add);
        return j;
    }

    Process start(Job j, String... command) {
        Process p = j.start(new ProcessBuilder(command).redirectErrorStream(true));
        processes.add(p);
        return p;
    }

    /**
     * The job's pids less conhost.exe: a console child started while this JVM has no console (CI runners,
     * services) gets a conhost.exe of its own, and Windows puts it in the job too.
     */
    static List<Long> members(Job j) {
        return j.pids().stream().filter(pid -> !ProcessHandle.of(pid).flatMap(h -> h.info().command())
                .map(c -> c.toLowerCase().endsWith("conhost.exe")).orElse(false)).toList();
    }

    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java.exe").toString();
    }

    static String[] sleeper(int seconds) {
        return new String[] {"ping", "-n", String.valueOf(seconds + 1), "127.0.0.1"};
    }

    @Test
    void theJobMemoryLimitMakesAnAllocationFailAndIsReported() throws Exception {
        Job small = job("memory=64m");
        Process p = start(small, java(), "-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch", "-version");
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertNotEquals(0, p.exitValue(), "a JVM committing 256 MB cannot run in a 64 MB job");
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e -> e instanceof JobEvent.JobMemoryLimit));

        Job large = job("memory=1g");
        Process ok = start(large, java(), "-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch", "-version");
        assertTrue(ok.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, ok.exitValue(), "the same JVM runs under a 1 GB limit");
    }

    @Test
    void theActiveProcessLimitStopsTheThirdProcess() throws Exception {
        // The limit is set to what two children occupy: 2, or 4 with a conhost.exe each (no console here).
        Job j = job("");
        start(j, sleeper(30));
        start(j, sleeper(30));
        await().atMost(Duration.ofSeconds(10)).until(() -> members(j).size() == 2);
        int occupied = j.pids().size();
        j.setLimits("processes=" + occupied);
        boolean refused;
        try {
            Process third = start(j, sleeper(30));
            refused = third.waitFor(10, TimeUnit.SECONDS);
        } catch (JobException e) {
            refused = true;
        }
        assertTrue(refused, "a third process cannot run in a job limited to what two occupy");
        assertEquals(2, members(j).size());
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e -> e instanceof JobEvent.ActiveProcessLimit));
    }

    @Test
    void theCpuHardCapHoldsTheJobToItsShareOfTheMachine() throws Exception {
        Job j = job("cpu=10%");
        String classes = System.getProperty("jobgov.testClasses", "target/test-classes");
        long start = System.nanoTime();
        Process p = start(j, java(), "-cp", classes, Spin.class.getName(), "5");
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        double wall = (System.nanoTime() - start) / 1e9;
        JobCounters c = j.counters();
        double cpuSeconds = (c.totalUserTimeMillis() + c.totalKernelTimeMillis()) / 1000.0;
        double machine = Runtime.getRuntime().availableProcessors() * wall;
        assertTrue(cpuSeconds > 0, "the spinner ran");
        assertTrue(cpuSeconds <= machine * 0.20, "10% cap (20% allowed): " + cpuSeconds + " CPU s of " + machine);
    }

    @Test
    void terminateEndsEveryProcessWithTheExitCode() throws Exception {
        Job j = job("");
        List<Process> ps = List.of(start(j, sleeper(60)), start(j, sleeper(60)), start(j, sleeper(60)));
        await().atMost(Duration.ofSeconds(5)).until(() -> members(j).size() == 3);
        j.terminate(7);
        for (Process p : ps) {
            assertTrue(p.waitFor(5, TimeUnit.SECONDS));
            assertEquals(7, p.exitValue());
        }
        assertEquals(List.of(), j.pids());
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e -> e instanceof JobEvent.ActiveProcessZero));
    }

    @Test
    void killOnCloseEndsTheTreeWhenTheGoverningJvmIsKilled() throws Exception {
        Path jar = Requirements.jobgovJar();
        Process cli = new ProcessBuilder(java(), "-jar", jar.toString(), "run", "--name", "it-kill-" + UUID.randomUUID().toString().substring(0, 8),
                "--", "ping", "-n", "120", "127.0.0.1").redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(cli);
        ProcessHandle child = await().atMost(Duration.ofSeconds(30)).until(
                () -> cli.toHandle().children().filter(h -> h.info().command().orElse("").toLowerCase().contains("ping")).findFirst(),
                Optional::isPresent).orElseThrow();
        cli.destroyForcibly(); // TerminateProcess: no shutdown hook runs; only the kernel closes the job handle
        assertTrue(cli.waitFor(10, TimeUnit.SECONDS));
        await().atMost(Duration.ofSeconds(5)).until(() -> !child.isAlive());
    }

    @Test
    void aMemoryNotificationLimitIsReportedWhileTheProcessRunsOn() throws Exception {
        // The process keeps its 200 MB committed until the event is in: the violation record and the
        // job's memory are read while the job is still over the limit, not after the process has gone.
        Job j = job("memory-notify=64m");
        String classes = System.getProperty("jobgov.testClasses", "target/test-classes");
        Process p = start(j, java(), "-Xms200m", "-Xmx200m", "-XX:+AlwaysPreTouch", "-cp", classes, Spin.class.getName(), "120");
        JobEvent.NotificationLimit n = (JobEvent.NotificationLimit) await().atMost(Duration.ofSeconds(60)).until(
                () -> events.stream().filter(e -> e instanceof JobEvent.NotificationLimit).findFirst(), Optional::isPresent).orElseThrow();
        assertTrue(p.isAlive(), "a notification limit does not stop the process");
        assertEquals(Limit.MEMORY_NOTIFICATION, n.limit());
        assertEquals(64L << 20, n.limitValue());
        assertTrue(n.reportedValue() > 64L << 20, n.toString());
        assertTrue(j.counters().jobMemoryUsedBytes() > 64L << 20, "JobObjectMemoryUsageInformation while it runs");
    }

    @Test
    void closingAJobOpenedByNameLeavesItsProcessesRunning() throws Exception {
        Job owner = job("");
        Process p = start(owner, sleeper(60));
        var opened = backend.open(owner.location().substring("job object ".length()), e -> { });
        opened.close();
        assertTrue(p.isAlive(), "our second handle closed; the owner's keeps the job and its process");
        owner.close();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "the owner's close ends it (kill-on-close)");
    }

    @Test
    void perProcessLimitsAreRefusedWhileThisJvmIsInTheJobAndTheJvmLivesOn() {
        Job j = job("");
        j.assign(ProcessHandle.current().pid());
        assertThrows(LimitRefusedException.class, () -> j.setLimits("process-memory=64m"));
        assertThrows(LimitRefusedException.class, () -> j.setLimits("process-time=1s"));
        Job kids = j.createChild(new JobSpec("kids", null, LimitSpec.apply("process-memory=64m", JobLimits.NONE)));
        assertEquals(64L << 20, kids.limits().processMemoryBytes(), "a nested job without the JVM takes them");
        assertTrue(ProcessHandle.current().isAlive());
    }

    @Test
    void processEventsArriveForStartAndExit() throws Exception {
        Job j = job("");
        Process p = start(j, "cmd.exe", "/c", "exit", "5");
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(5, p.exitValue());
        await().atMost(Duration.ofSeconds(10)).until(() -> events.stream().anyMatch(e -> e instanceof JobEvent.ProcessExited x
                && x.pid() == p.pid() && Integer.valueOf(5).equals(x.exitCode())));
        assertTrue(events.stream().anyMatch(e -> e instanceof JobEvent.NewProcess n && n.pid() == p.pid()));
    }

    @Test
    void aNestedJobsProcessesCountInBothJobs() throws Exception {
        Job parent = job("memory=1g");
        Job child = parent.createChild(new JobSpec("nested", null, LimitSpec.apply("memory=256m", JobLimits.NONE)));
        Process p = start(child, sleeper(30));
        await().atMost(Duration.ofSeconds(5)).until(() -> child.pids().contains(p.pid()) && parent.pids().contains(p.pid()));
        child.close();
        assertTrue(p.waitFor(5, TimeUnit.SECONDS), "kill-on-close of the nested job");
    }

    @Test
    void theHostJvmCanJoinAJobAndSurvivesItsTerminateAndClose() throws Exception {
        Job j = job("");
        long self = ProcessHandle.current().pid();
        j.assign(self);
        assertTrue(j.pids().contains(self));
        Process p = start(j, sleeper(60));
        j.terminate(9);
        assertTrue(p.waitFor(5, TimeUnit.SECONDS));
        assertEquals(List.of(self), members(j));
        j.close(); // kill-on-close is cleared first: closing must not end this JVM
        assertTrue(j.isClosed());
        assertTrue(ProcessHandle.current().isAlive());
    }
}
