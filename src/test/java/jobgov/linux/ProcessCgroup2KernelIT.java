package jobgov.linux;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import jobgov.job.CpuSet;
import jobgov.job.Job;
import jobgov.job.JobEvent;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.JobTimeAction;
import jobgov.job.Limit;
import jobgov.job.LimitRefusedException;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cgroup2 backend's per-process rlimits, watched limits (job time, memory notification), its events once
 * per crossing (two crossings are two events), and the cpuset rules on a real cgroup v2 kernel (a pure v2
 * host: the scripts/cgroup2-guest guest). Waits are generous: the guest's CPU is emulated.
 */
class ProcessCgroup2KernelIT {
    static final Duration PATIENCE = Duration.ofSeconds(180);
    final List<JobEvent> events = new CopyOnWriteArrayList<>();
    Job job;

    @BeforeEach
    void pureV2() {
        Requirements.cgroupV2();
    }

    @AfterEach
    void close() {
        if (job != null) {
            Path dir = dir();
            job.close();
            assertTrue(!Files.exists(dir), "the job's cgroup is removed");
        }
    }

    Job job(JobLimits limits) {
        job = Job.create(new Cgroup2Backend(), new JobSpec("k2p-" + UUID.randomUUID().toString().substring(0, 8), null, limits));
        job.subscribe(events::add);
        return job;
    }

    Path dir() {
        return Path.of(job.location().replaceAll("^.*?(/sys/fs/cgroup\\S*).*$", "$1"));
    }

    <T extends JobEvent> List<T> events(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    static Process start(Job j, String script) throws Exception {
        return j.start(new ProcessBuilder("/bin/sh", "-c", script).redirectErrorStream(true));
    }

    static String output(Process p) throws Exception {
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS), "did not end");
        return out.strip();
    }

    /** As root the connector feeds the cgroup2 job too: grandchildren's exit codes and signals, and a burst of 100 processes each shorter than a tick. */
    @Test
    void theConnectorReportsGrandchildrensCodesAndSignalsAndABurstLosesNone() throws Exception {
        Requirements.require(ProcConnector.available(), "the netlink process-events connector (root, CONFIG_PROC_EVENTS)");
        Job j = job(JobLimits.NONE);
        await().atMost(PATIENCE).until(() -> j.eventSource().startsWith("netlink proc connector, "));
        Process p = start(j, "(exit 7) & sh -c 'kill -KILL $$' & wait; i=0; while [ $i -lt 100 ]; do (exit 3) & i=$((i+1)); done; wait");
        output(p);
        await().atMost(PATIENCE).until(() -> events(JobEvent.ProcessExited.class).stream().filter(e -> Integer.valueOf(3).equals(e.exitCode())).count() >= 100
                && events(JobEvent.ProcessExited.class).stream().anyMatch(e -> Integer.valueOf(7).equals(e.exitCode()))
                && !events(JobEvent.AbnormalExit.class).isEmpty());
        assertEquals(9, events(JobEvent.AbnormalExit.class).get(0).signal(), events.toString());
        assertEquals(100, events(JobEvent.ProcessExited.class).stream().filter(e -> Integer.valueOf(3).equals(e.exitCode())).count(), "each subshell once");
        assertTrue(events(JobEvent.ProcessExited.class).stream().allMatch(e -> e.exitCode() != null), "every exit code is known: " + events);
    }

    @Test
    void processMemoryIsEachProcesssAddressSpaceLimitNeverTheJvms() throws Exception {
        String ownBefore = Files.readString(Path.of("/proc/self/limits"));
        Job j = job(JobLimits.builder().processMemoryBytes(64L << 20).build());
        Process p = start(j, "grep 'Max address space' /proc/self/limits; head -c 128m /dev/zero | tail >/dev/null; echo tail=$?");
        String out = output(p);
        assertTrue(out.matches("(?s)Max address space\\s+67108864\\s+67108864\\s+bytes.*"), out);
        assertTrue(out.contains("tail=") && !out.contains("tail=0"), "tail cannot grow past RLIMIT_AS: " + out);
        assertEquals(0L, CgroupFiles.readKeyed(dir().resolve("memory.events")).getOrDefault("oom_kill", 0L), "a failed allocation, no OOM kill");
        assertEquals(ownBefore, Files.readString(Path.of("/proc/self/limits")), "the governing JVM keeps its own limits");
    }

    @Test
    void processTimeEndsABusyProcessWithSigxcpu() throws Exception {
        Job j = job(JobLimits.builder().processTime(Duration.ofSeconds(1)).build());
        Process p = start(j, "grep 'Max cpu time' /proc/self/limits; exec sh -c 'while :; do :; done'");
        String out = output(p);
        assertTrue(out.matches("(?s)Max cpu time\\s+1\\s+\\S+\\s+seconds.*"), out);
        assertTrue(p.exitValue() == 128 + 24 || p.exitValue() == 128 + 9, "SIGXCPU (or SIGKILL at the hard limit): exit " + p.exitValue());
    }

    @Test
    void jobTimeFromCpuStatEndsTheJobOnce() throws Exception {
        Job j = job(JobLimits.builder().jobTime(Duration.ofSeconds(1)).jobTimeAction(JobTimeAction.TERMINATE).build());
        Process p = start(j, "while :; do :; done");
        assertTrue(p.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS), "the job's time ran out and it was ended");
        assertEquals(128 + 9, p.exitValue());
        await().atMost(PATIENCE).until(() -> !events(JobEvent.EndOfJobTime.class).isEmpty());
        JobEvent.EndOfJobTime e = events(JobEvent.EndOfJobTime.class).get(0);
        assertTrue(e.used().compareTo(Duration.ofSeconds(1)) >= 0, "cpu.stat user_usec reached the limit: " + e);
        assertEquals(1, events(JobEvent.EndOfJobTime.class).size(), events.toString());
    }

    @Test
    void memoryNotificationFromMemoryCurrentFiresOnceWhileAbove() throws Exception {
        Job j = job(JobLimits.builder().jobMemoryBytes(256L << 20).memoryNotifyBytes(16L << 20).build());
        Path go = Files.createTempFile("jobgov-k2p", ".go");
        try {
            Files.delete(go);
            Process p = start(j, "head -c 48m /dev/zero | tail & while [ ! -e " + go + " ]; do sleep 0.2; done; kill %1; wait");
            await().atMost(PATIENCE).until(() -> !events(JobEvent.NotificationLimit.class).isEmpty());
            JobEvent.NotificationLimit n = events(JobEvent.NotificationLimit.class).get(0);
            assertEquals(Limit.MEMORY_NOTIFICATION, n.limit());
            assertTrue(n.reportedValue() >= (16L << 20), "memory.current at the notification: " + n);
            Files.createFile(go);
            output(p);
            assertEquals(1, events(JobEvent.NotificationLimit.class).size(), events.toString());
        } finally {
            Files.deleteIfExists(go);
        }
    }

    @Test
    void twoCrossingsOfPidsMaxAreTwoEventsAndTheEmptyJobIsOneEvent() throws Exception {
        Job j = job(JobLimits.builder().activeProcesses(4).build());
        String loop = "i=0; while [ $i -lt 10 ]; do sleep 600 >/dev/null 2>&1 & i=$((i+1)); done";
        output(start(j, loop + "; exit 0"));
        await().atMost(PATIENCE).until(() -> events(JobEvent.ActiveProcessLimit.class).size() == 1);
        // back under the limit: the crossing ends once the job settles there
        job.terminate(1);
        await().atMost(PATIENCE).until(() -> j.pids().isEmpty());
        await().atMost(PATIENCE).until(() -> events(JobEvent.ActiveProcessZero.class).size() == 1);
        Thread.sleep(1000); // the next tick settles the crossing (what is checked is the count, not a time)
        output(start(j, loop + "; exit 0"));
        await().atMost(PATIENCE).until(() -> events(JobEvent.ActiveProcessLimit.class).size() == 2);
        assertTrue(CgroupFiles.readKeyed(dir().resolve("pids.events")).get("max") >= 2, "the kernel counted both");
        job.terminate(1);
        await().atMost(PATIENCE).until(() -> events(JobEvent.ActiveProcessZero.class).size() == 2);
        assertEquals(2, events(JobEvent.ActiveProcessLimit.class).size(), events.toString());
    }

    @Test
    void anAffinityOutsideTheParentsCpusIsRefusedAndChangesNothing() {
        int cpus = OnlineCpus.count();
        Job j = job(JobLimits.builder().affinity(CpuSet.parse("0")).build());
        JobLimits before = j.limits();
        LimitRefusedException e = assertThrows(LimitRefusedException.class,
                () -> j.setLimits(JobLimits.builder().affinity(CpuSet.parse(String.valueOf(cpus + 7))).build()));
        assertEquals(Limit.AFFINITY, e.limit());
        assertTrue(e.getMessage().contains(String.valueOf(cpus + 7)), e.getMessage());
        assertEquals(before, j.limits());
        assertEquals("0", CgroupFiles.read(dir().resolve("cpuset.cpus")).strip(), "the kernel file is unchanged");
    }
}
