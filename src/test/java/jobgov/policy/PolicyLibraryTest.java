package jobgov.policy;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.management.Notification;
import javax.management.ObjectName;
import jobgov.job.Job;
import jobgov.job.JobBackend;
import jobgov.job.JobSpec;
import jobgov.job.Jobs;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every policy of policies/ against the real kernel: this JVM creates a cgroup job, starts a real
 * process tree in it, loads the policy as the agent would, and checks what the kernel did (processes
 * killed, the CFS quota written and CPU use held down, memory and cgroup membership) — not only that a
 * handler ran.
 */
class PolicyLibraryTest {
    private static final Path LIBRARY = Path.of("policies");
    private static final int CPUS = Runtime.getRuntime().availableProcessors();

    @TempDir
    Path dir;

    private final String name = "jobgov-test-" + UUID.randomUUID().toString().substring(0, 8);
    private final List<AutoCloseable> cleanup = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();
    private final List<String> messages = new CopyOnWriteArrayList<>();
    private Job job;

    @BeforeEach
    void job() {
        Requirements.cgroupV1();
        JobBackend cgroup1 = Jobs.backends().stream().filter(b -> b.name().equals("cgroup1")).findFirst().orElse(null);
        Requirements.require(cgroup1 != null, "needs the cgroup1 backend on the class path");
        Requirements.require(cgroup1.unavailableReason().isEmpty(), "cgroup1 backend: " + cgroup1.unavailableReason().orElse(""));
        job = Job.create(cgroup1, JobSpec.named(name));
        cleanup.add(job);
    }

    @AfterEach
    void close() throws Exception {
        for (int i = cleanup.size() - 1; i >= 0; i--) {
            cleanup.get(i).close();
        }
        for (Process p : processes) {
            p.destroyForcibly();
        }
    }

    private PolicyRuntime load(String policy, String... options) throws Exception {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i < options.length; i += 2) {
            o.put(options[i], options[i + 1]);
        }
        PolicyRuntime p = PolicyRuntime.load(LIBRARY.resolve(policy), job, o);
        cleanup.add(p);
        ObjectName on = new ObjectName("jobgov:type=Policy,name=" + name);
        ManagementFactory.getPlatformMBeanServer().addNotificationListener(on, (n, hb) -> {
            if (n.getType().equals("jobgov.policy.message")) {
                messages.add(((Notification) n).getMessage());
            }
        }, null, null);
        return p;
    }

    private Process start(Job in, String... command) {
        Process p = in.start(new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .redirectError(ProcessBuilder.Redirect.DISCARD));
        processes.add(p);
        // The backend starts a small shell that joins the job's cgroups, then execs the command.
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            String cmd = PolicyProcess.commandLine(job, p.pid());
            return !p.isAlive() || !cmd.isEmpty() && !cmd.contains("jobgov-start");
        });
        return p;
    }

    private boolean said(String text) {
        return messages.stream().anyMatch(m -> m.contains(text));
    }

    /** The v1 cgroup directory of {@code pid} for {@code controller}, from /proc/PID/cgroup. */
    private static Path cgroupDir(long pid, String controller) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup"))) {
            String[] f = line.split(":", 3);
            if (List.of(f[1].split(",")).contains(controller)) {
                return Path.of("/sys/fs/cgroup", controller).resolve(f[2].substring(1));
            }
        }
        throw new IllegalStateException("pid " + pid + " has no " + controller + " cgroup");
    }

    private static long read(Path file) throws IOException {
        return Long.parseLong(Files.readString(file).trim());
    }

    /** CPU time (user + system) of one process, from /proc, in milliseconds. */
    private long cpuMillis(long pid) {
        return PolicyProcess.read(job, pid).orElseThrow().getCpuMillis();
    }

    @Test
    void memoryGuardWarnsAtTheSoftLimitAndTerminatesTheJobAtTheHardOne() throws Exception {
        Requirements.command("python3");
        load("memory-guard.groovy", "param.hard", "128m");
        Process sleeper = start(job, "sleep", "300");
        assertEquals(128L << 20, read(cgroupDir(sleeper.pid(), "memory").resolve("memory.limit_in_bytes")));
        // Grows 8 MiB every 50 ms, touching every page, until the kernel stops it.
        Process hog = start(job, "python3", "-c",
                "import time\nb = []\nwhile True:\n    b.append(b'x' * (8 << 20))\n    time.sleep(0.05)\n");
        await().atMost(Duration.ofSeconds(30)).until(() -> said("memory hard limit"));
        assertTrue(said("memory soft limit"), "the soft warning came first: " + messages);
        assertTrue(messages.get(0).contains("memory soft limit"), String.valueOf(messages));
        await().atMost(Duration.ofSeconds(10)).until(() -> !sleeper.isAlive() && !hog.isAlive());
        assertEquals(137, sleeper.waitFor(), "the policy terminated the whole job, not only the process the OOM killer chose");
        await().atMost(Duration.ofSeconds(5)).until(() -> job.pids().isEmpty());
    }

    @Test
    void forkStormGuardKillsTheStormingTreeAndKeepsTheRest() throws Exception {
        Requirements.command("bash");
        load("fork-storm-guard.groovy", "param.processes", "40");
        Process benign = start(job, "sleep", "300");
        assertEquals(40, read(cgroupDir(benign.pid(), "pids").resolve("pids.max")));
        // bash retries a refused fork for 1+2+4+8 s before it gives up (exit 254): the policy kills it long before.
        Process storm = start(job, "bash", "-c", "while true; do sleep 60 & done");
        await().atMost(Duration.ofSeconds(30)).until(() -> !storm.isAlive());
        await().atMost(Duration.ofSeconds(5)).until(() -> said("fork storm"));
        await().atMost(Duration.ofSeconds(10)).until(() -> job.pids().equals(List.of(benign.pid())));
        assertTrue(benign.isAlive(), "the other tree keeps running");
        assertEquals(137, storm.waitFor());
    }

    @Test
    void cpuThrottleCapsABusyJobAndReleasesTheCapWhenItIsIdle() throws Exception {
        // Low numbers, because on a shared build machine a busy loop may get far less than a whole CPU.
        load("cpu-throttle.groovy", "param.budget", "4%", "param.cap", "3%", "param.idle", "1%");
        Process busy = start(job, "sh", "-c", "while :; do :; done");
        Process sleeper = start(job, "sleep", "300");
        Path cpu = cgroupDir(sleeper.pid(), "cpu");
        assertEquals(-1, read(cpu.resolve("cpu.cfs_quota_us")), "no cap before the job is busy");
        await().atMost(Duration.ofSeconds(30)).until(() -> read(cpu.resolve("cpu.cfs_quota_us")) != -1);
        long period = read(cpu.resolve("cpu.cfs_period_us"));
        assertEquals(Math.round(period * CPUS * 0.03), read(cpu.resolve("cpu.cfs_quota_us")), "3% of the machine");
        await().atMost(Duration.ofSeconds(5)).until(() -> said("capped at 3%"));
        // The kernel holds the busy loop down: measured over 3 s, at most the cap plus scheduling slack.
        long before = cpuMillis(busy.pid());
        long t0 = System.nanoTime();
        Thread.sleep(3000);
        double share = (cpuMillis(busy.pid()) - before) * 100.0 / ((System.nanoTime() - t0) / 1e6) / CPUS;
        assertTrue(share < 5, "busy loop used " + share + "% of the machine under a 3% cap");
        busy.destroyForcibly().waitFor();
        await().atMost(Duration.ofSeconds(30)).until(() -> read(cpu.resolve("cpu.cfs_quota_us")) == -1);
        await().atMost(Duration.ofSeconds(5)).until(() -> said("cap released"));
        assertTrue(sleeper.isAlive());
    }

    @Test
    void runawayKillerKillsByCpuTimeAndByWallTimeAndLeavesTheOthers() throws Exception {
        load("runaway-killer.groovy", "param.maxCpu", "1s", "param.maxWall", "10s", "param.exempt", "^sleep 301$");
        long t0 = System.nanoTime();
        Process busy = start(job, "sh", "-c", "while :; do :; done");
        Process sleeper = start(job, "sleep", "300");
        Process exempt = start(job, "sleep", "301");
        await().atMost(Duration.ofSeconds(9)).until(() -> !busy.isAlive());
        assertTrue(sleeper.isAlive(), "not yet 10 s old");
        assertEquals(137, busy.waitFor());
        await().atMost(Duration.ofSeconds(5)).until(() -> said("used"));
        await().atMost(Duration.ofSeconds(20)).until(() -> !sleeper.isAlive());
        assertTrue((System.nanoTime() - t0) / 1_000_000 >= 10_000, "killed for its age only after 10 s");
        assertEquals(137, sleeper.waitFor());
        await().atMost(Duration.ofSeconds(5)).until(() -> said("ran"));
        assertTrue(exempt.isAlive(), "an exempt command line is never killed");
    }

    @Test
    void nestedJobsGivesMatchingCommandsTheirOwnLimitsWhichTheKernelEnforces() throws Exception {
        Requirements.command("python3");
        load("nested-jobs.groovy", "param.memory", "64m", "param.cpu", "25%");
        Job python = job.children().stream().filter(c -> c.name().equals("python")).findFirst().orElseThrow();
        Process idle = start(job, "python3", "-c", "import time; time.sleep(300)");
        Process other = start(job, "sleep", "300");
        await().atMost(Duration.ofSeconds(10)).until(() -> python.pids().contains(idle.pid()));
        Path memory = cgroupDir(idle.pid(), "memory");
        assertEquals(64L << 20, read(memory.resolve("memory.limit_in_bytes")));
        Path cpu = cgroupDir(idle.pid(), "cpu");
        assertEquals(Math.round(read(cpu.resolve("cpu.cfs_period_us")) * CPUS * 0.25), read(cpu.resolve("cpu.cfs_quota_us")));
        assertFalse(python.pids().contains(other.pid()), "a command that does not match stays in the job");
        assertTrue(ManagementFactory.getPlatformMBeanServer().isRegistered(new ObjectName("jobgov:type=Job,name=python")),
                "the sub-job has its Job MBean");
        assertEquals(cpu.getParent(), cgroupDir(other.pid(), "cpu"), "the sub-job is nested in the job");

        // Waits until it has been moved, then allocates past the sub-job's 64 MiB: the kernel kills it there.
        Process hog = start(job, "python3", "-c", "import time\ntime.sleep(2)\nx = b'x' * (200 << 20)\ntime.sleep(60)\n");
        await().atMost(Duration.ofSeconds(20)).until(() -> !hog.isAlive());
        assertEquals(137, hog.waitFor(), "OOM-killed inside the sub-job");
        await().atMost(Duration.ofSeconds(10)).until(() -> said("sub-job python: memory limit"));
        assertTrue(other.isAlive() && idle.isAlive(), "the rest of the job runs on");
    }

    @Test
    void aFloodOfRealProcessEventsIsDroppedCountedAndTheHostKeepsRunning() throws Exception {
        Requirements.command("bash");
        Path p = dir.resolve("flood.groovy");
        Files.writeString(p, """
                on([NewProcess, ProcessExited]) { e -> Thread.sleep(50) }
                """);
        PolicyRuntime policy = PolicyRuntime.load(p, job, Map.of("name", name, "queue", "4"));
        cleanup.add(policy);
        ObjectName on = jobgov.jmx.PolicyMBeans.objectName(policy.name());
        var server = ManagementFactory.getPlatformMBeanServer();
        // 300 short-lived processes, each alive long enough for the backend to see it come and go.
        Process flood = start(job, "bash", "-c", "for i in $(seq 300); do sleep 0.3 & done; wait");
        assertEquals(0, flood.waitFor());
        await().atMost(Duration.ofSeconds(30)).until(() -> (Long) server.getAttribute(on, "EventsDropped") > 0
                && (Integer) server.getAttribute(on, "EventsQueued") == 0
                && server.getAttribute(on, "EventsDelivered").equals(server.getAttribute(on, "HandlersRun")));
        assertTrue((Long) server.getAttribute(on, "EventsDelivered") > 0, "every delivered event ran its handler, the rest were counted");
        assertEquals(0L, server.getAttribute(on, "HandlerErrors"));
        assertTrue(Thread.getAllStackTraces().keySet().stream().anyMatch(t -> t.getName().equals("jobgov-policy-" + name)),
                "the policy thread is alive");
    }

    @Test
    void aHandlerStartsACommandInsideASubJob() throws Exception {
        Path p = dir.resolve("start.groovy");
        Files.writeString(p, """
                subjob('batch') { memory '32m' }
                boolean started = false
                every('100ms') {
                    if (!started) {
                        started = true
                        def proc = subjob('batch').start(['sleep', '300'])
                        notify "started ${proc.pid()}"
                    }
                }
                """);
        PolicyRuntime policy = PolicyRuntime.load(p, job, Map.of("name", name));
        cleanup.add(policy);
        Job batch = job.children().get(0);
        await().atMost(Duration.ofSeconds(10)).until(() -> batch.pids().size() == 1);
        long pid = batch.pids().get(0);
        assertTrue(PolicyProcess.commandLine(job, pid).startsWith("sleep 300"));
        assertEquals(32L << 20, read(cgroupDir(pid, "memory").resolve("memory.limit_in_bytes")));
        assertEquals(List.of("batch"), List.of((String[]) ManagementFactory.getPlatformMBeanServer().getAttribute(jobgov.jmx.PolicyMBeans.objectName(policy.name()), "SubJobs")));
        assertEquals(List.of("batch"), policy.health().subJobs());
        policy.close();
        cleanup.remove(policy);
        assertTrue(job.pids().contains(pid) && ProcessHandle.of(pid).isPresent(),
                "closing the policy moves the sub-job's processes back into the job, it does not kill them");
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
}
