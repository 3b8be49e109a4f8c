package jobgov.linux;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import jobgov.job.Job;
import jobgov.job.JobCounters;
import jobgov.job.JobEvent;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.Limit;
import jobgov.job.LimitRefusedException;
import jobgov.job.LimitSpec;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cgroup2 backend's job on the real kernel, in a child of the unified tree's root: on a hybrid host
 * (/sys/fs/cgroup/unified, these build machines) that tree has no controllers, so no limit is enforced, but
 * cgroup creation, cgroup.procs, cgroup.kill, cgroup.events (inotify), cpu.stat and removal are the kernel's
 * own; on a pure v2 host (/sys/fs/cgroup, the scripts/cgroup2-guest guest) the same tests run with the
 * controllers on. Needs root.
 */
class Cgroup2UnifiedKernelTest {
    static final CgroupMounts MOUNTS = CgroupMounts.read();
    static final Path UNIFIED = MOUNTS.unified().map(Hierarchy::mountPoint).orElse(Path.of("/sys/fs/cgroup/unified"));

    Path parent;
    Job job;
    final ConcurrentLinkedQueue<JobEvent> events = new ConcurrentLinkedQueue<>();

    @BeforeEach
    void parent() throws IOException {
        Requirements.require(Requirements.isRoot(), "needs root to create cgroups");
        Requirements.require(Files.exists(UNIFIED.resolve("cgroup.procs")), "needs the cgroup v2 unified tree at " + UNIFIED);
        parent = Files.createDirectory(UNIFIED.resolve("jobgov-test-" + UUID.randomUUID().toString().substring(0, 8)));
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (job != null) {
            job.close();
        }
        if (parent == null) {
            return;
        }
        // Whatever the test left: kill it and remove every cgroup below the test parent, deepest first.
        List<Path> deepestFirst = new java.util.ArrayList<>(CgroupFiles.tree(parent));
        java.util.Collections.reverse(deepestFirst);
        for (Path d : deepestFirst) {
            if (!CgroupFiles.procs(d).isEmpty()) {
                CgroupFiles.write(d.resolve("cgroup.kill"), "1");
            }
        }
        await().atMost(Duration.ofSeconds(5)).until(() -> CgroupFiles.procsRecursive(parent).isEmpty());
        for (Path d : deepestFirst) {
            Files.delete(d);
        }
    }

    private Job job(JobLimits limits) {
        String cgroupPath = "/" + parent.getFileName();
        job = Job.create(new Cgroup2Backend(), new JobSpec("k" + UUID.randomUUID().toString().substring(0, 6), cgroupPath, limits));
        job.subscribe(events::add);
        return job;
    }

    @Test
    void terminateKillsTheWholeTreeDoubleForkedIncludedAndTheEmptyJobIsReported() throws IOException {
        Job j = job(JobLimits.NONE);
        Path dir = parent.resolve("jobgov-" + j.name() + "." + ProcessHandle.current().pid());
        assertTrue(Files.isDirectory(dir), "the job is a child of the parent named in the spec: " + j.location());

        Process p = j.start(new ProcessBuilder("/bin/sh", "-c",
                "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done; for n in 1 2 3; do sleep 300 & done; "
                        + "(sleep 300 &); (sleep 300 &); (setsid sleep 300 &); wait"));
        // the shell and its six sleeps, once the subshells that double-forked three of them are gone (one still
        // ending between the list and the counters made them differ: 8 listed, 7 counted; the tree also passes through
        // 7 on its way, so it must hold 7 for a while); slow in an emulated guest
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(180)).until(() -> j.pids().size() == 7);
        List<Long> pids = j.pids();
        JobCounters c = j.counters();
        assertTrue(c.totalUserTimeMillis() > 0, "user time from the job's cpu.stat: " + c);
        assertEquals(pids.size(), c.activeProcesses());

        j.terminate(1);
        assertEquals(List.of(), j.pids());
        for (long pid : pids) {
            await().atMost(Duration.ofSeconds(2)).until(() -> ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true));
        }
        await().atMost(Duration.ofSeconds(2)).until(() -> !p.isAlive());
        await().atMost(Duration.ofSeconds(2)).until(() -> events.stream().anyMatch(e -> e instanceof JobEvent.ActiveProcessZero));
        assertEquals("0", CgroupFiles.readKeyed(dir.resolve("cgroup.events")).get("populated").toString());

        j.close();
        assertFalse(Files.exists(dir), "close removes the job's cgroup");
    }

    @Test
    void aProcessThatExitsOnItsOwnEmptiesTheJobThroughCgroupEvents() {
        Job j = job(JobLimits.NONE);
        j.start(new ProcessBuilder("/bin/sh", "-c", "sleep 0.2"));
        await().atMost(Duration.ofSeconds(5)).until(() -> events.stream().anyMatch(e -> e instanceof JobEvent.ActiveProcessZero));
        assertTrue(events.stream().anyMatch(e -> e instanceof JobEvent.ProcessExited x && Integer.valueOf(0).equals(x.exitCode())), events.toString());
    }

    @Test
    void aMissingProgramFailsToStartLikeTheJdksOwnStart() {
        Job j = job(JobLimits.NONE);
        jobgov.job.JobException e = org.junit.jupiter.api.Assertions.assertThrows(jobgov.job.JobException.class,
                () -> j.start(new ProcessBuilder("/nonexistent/jobgov-no-such-program")));
        assertTrue(e.getMessage().contains("No such file"), e.getMessage());
        assertTrue(j.pids().isEmpty(), "nothing was started");
    }

    @Test
    void keepHostTerminateSparesTheCallerAndCloseMovesItBack() throws IOException {
        Job j = job(JobLimits.NONE);
        long self = ProcessHandle.current().pid();
        Path home = CgroupMounts.read().ownDirsNow().get(CgroupMounts.read().unified().orElseThrow());
        Process child = j.start(new ProcessBuilder("sleep", "300"));
        j.assign(self);
        try {
            assertTrue(j.pids().contains(self));
            j.terminate(1);
            assertEquals(List.of(self), j.pids(), "only the caller is left");
            assertTrue(child.waitFor(2, java.util.concurrent.TimeUnit.SECONDS), "the other process is dead");
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        } finally {
            j.close();
        }
        assertTrue(CgroupFiles.procs(home).contains(self), "back in " + home);
    }

    @Test
    void nestedJobsAreChildCgroupsWhoseProcessesCountInTheParent() {
        Job j = job(JobLimits.NONE);
        Job inner = j.createChild(JobSpec.named("inner"));
        Process p = inner.start(new ProcessBuilder("sleep", "300"));
        await().atMost(Duration.ofSeconds(5)).until(() -> j.pids().contains(p.pid()));
        assertEquals(List.of(p.pid()), inner.pids());
        j.terminate(1);
        await().atMost(Duration.ofSeconds(2)).until(() -> !p.isAlive());
        j.close();
        assertEquals(Set.of(), Set.copyOf(CgroupFiles.tree(parent).subList(1, CgroupFiles.tree(parent).size())), "every job cgroup removed");
    }

    @Test
    void aMemoryLimitIsRefusedWithTheKernelsListOnAControllerLessTreeAndWrittenOnAPureOne() throws IOException {
        if (MOUNTS.mode() == CgroupMounts.Mode.V2) {
            Job j = job(LimitSpec.apply("memory=64m", JobLimits.NONE));
            Path dir = parent.resolve("jobgov-" + j.name() + "." + ProcessHandle.current().pid());
            assertEquals(String.valueOf(64L << 20), Files.readString(dir.resolve("memory.max")).strip());
            return;
        }
        LimitRefusedException e = assertThrows(LimitRefusedException.class, () -> job(LimitSpec.apply("memory=64m", JobLimits.NONE)));
        assertEquals(Limit.JOB_MEMORY, e.limit());
        assertTrue(e.getMessage().contains("'memory' controller is not in " + UNIFIED.resolve("cgroup.controllers")), e.getMessage());
        job = null;
    }
}
