package jobgov.linux;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import jobgov.job.Job;
import jobgov.job.JobEvent;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cgroup2 backend's memory and process limits on a real cgroup v2 kernel (a pure v2 host: in CI the
 * scripts/cgroup2-guest guest, {@code mvn verify -Pcgroup2-guest}): the kernel enforces them and each
 * crossing is one event, however often the kernel counted it.
 */
class MemoryCgroup2KernelIT {
    final List<JobEvent> events = new CopyOnWriteArrayList<>();
    Job job;

    @BeforeEach
    void pureV2() {
        Requirements.cgroupV2();
    }

    @AfterEach
    void close() {
        if (job != null) {
            job.close();
            assertTrue(!Files.exists(dir()), "the job's cgroup is removed");
        }
    }

    Job job(JobLimits limits) {
        job = Job.create(new Cgroup2Backend(), new JobSpec("k2-" + UUID.randomUUID().toString().substring(0, 8), null, limits));
        job.subscribe(events::add);
        return job;
    }

    Path dir() {
        return Path.of(job.location().replaceAll("^.*?(/sys/fs/cgroup\\S*).*$", "$1"));
    }

    <T extends JobEvent> List<T> events(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    @Test
    void memoryMaxOomKillsAnAllocationPastItWithSwapOffAndTheCrossingIsOneEvent() throws Exception {
        Job j = job(JobLimits.builder().jobMemoryBytes(64L << 20).build());
        assertEquals(String.valueOf(64L << 20), Files.readString(dir().resolve("memory.max")).strip());
        assertEquals("0", Files.readString(dir().resolve("memory.swap.max")).strip(), "swap off: the limit is the job's memory");
        // tail holds a line without newlines in memory: 256 MiB of zeros is one line
        Process p = j.start(new ProcessBuilder("/bin/sh", "-c", "head -c 256m /dev/zero | tail").redirectErrorStream(true));
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the OOM killer ends the allocation");
        assertTrue(p.exitValue() != 0);
        await().atMost(Duration.ofSeconds(30)).until(() -> !events(JobEvent.JobMemoryLimit.class).isEmpty());
        long kernelHits = CgroupFiles.readKeyed(dir().resolve("memory.events")).get("max");
        long kills = CgroupFiles.readKeyed(dir().resolve("memory.events")).get("oom_kill");
        assertTrue(kills >= 1, "memory.events oom_kill");
        Thread.sleep(500); // give a stray second event the chance to show (the assertion is on the count, not on time)
        List<JobEvent.JobMemoryLimit> limitEvents = events(JobEvent.JobMemoryLimit.class);
        assertTrue(limitEvents.size() <= 1 + kills, "one event for the crossing and one per OOM kill, while the kernel counted max "
                + kernelHits + " times: " + limitEvents);
        assertEquals(kills, limitEvents.get(limitEvents.size() - 1).oomKills(), "the last event carries the kernel's oom_kill count");
        assertEquals(64L << 20, limitEvents.get(0).limitBytes());
        assertTrue(limitEvents.get(0).usageBytes() > 0, "the usage at the crossing: " + limitEvents.get(0));
        assertTrue(j.counters().peakJobMemoryUsedBytes() <= (64L << 20), "memory.peak stays at the limit: " + j.counters());
    }

    @Test
    void anAllocationUnderMemoryMaxPasses() throws Exception {
        Job j = job(JobLimits.builder().jobMemoryBytes(512L << 20).build());
        Process p = j.start(new ProcessBuilder("/bin/sh", "-c", "head -c 96m /dev/zero | tail | wc -c").redirectErrorStream(true));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), out);
        assertEquals(String.valueOf(96L << 20), out);
        assertTrue(j.counters().peakJobMemoryUsedBytes() >= (96L << 20), "memory.peak saw the line: " + j.counters());
        assertEquals(List.of(), events(JobEvent.JobMemoryLimit.class));
    }

    @Test
    void pidsMaxStopsAForkLoopAtTheLimitAndTheCrossingIsOneEvent() throws Exception {
        Job j = job(JobLimits.builder().activeProcesses(8).build());
        // the shell keeps forking after refusals (bash retries a refused fork; each retry is a kernel count)
        Process p = j.start(new ProcessBuilder("/bin/sh", "-c",
                "i=0; while [ $i -lt 20 ]; do sleep 60 >/dev/null 2>&1 & i=$((i+1)); done; echo all-started").redirectErrorStream(true));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertTrue(!out.contains("all-started"), "a fork was refused: " + out);
        assertEquals(7, j.pids().size(), "7 sleeps beside the shell under processes=8: " + j.pids());
        await().atMost(Duration.ofSeconds(30)).until(() -> !events(JobEvent.ActiveProcessLimit.class).isEmpty());
        assertTrue(CgroupFiles.readKeyed(dir().resolve("pids.events")).get("max") >= 1);
        Thread.sleep(500);
        assertEquals(1, events(JobEvent.ActiveProcessLimit.class).size(), events.toString());
        assertEquals(8, events(JobEvent.ActiveProcessLimit.class).get(0).limit());
    }
}
