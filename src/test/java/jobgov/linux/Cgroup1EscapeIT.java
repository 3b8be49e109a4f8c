package jobgov.linux;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import jobgov.job.Job;
import jobgov.job.JobEvent;
import jobgov.job.JobLimits;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A live process that leaves the job's cgroups is an escape, reported as such and never as an exit; a child that
 * exits is still an exit.
 */
class Cgroup1EscapeIT {
    @Test
    @Timeout(60)
    void aRootMemberThatWritesItselfOutOfTheJobIsReportedAsEscapedNotExited() throws Exception {
        Requirements.cgroupV1();
        String files = GovernedJobs.BACKEND.mounts().ownDirsNow().values().stream()
                .map(d -> d.resolve("cgroup.procs").toString()).collect(Collectors.joining(" "));
        try (GovernedJobs jobs = new GovernedJobs()) {
            Job job = jobs.create("escape", JobLimits.NONE);
            // the child forks a short-lived grandchild (a real exit), then moves itself to this JVM's own cgroups
            Process p = jobs.start(job, "/bin/sh", "-c", "sleep 0.2; /bin/true; for f in " + files
                    + "; do echo $$ > $f; done; exec sleep 1000.41");
            try {
                await().atMost(Duration.ofSeconds(20)).until(() -> !jobs.events(JobEvent.ProcessEscaped.class).isEmpty());
                JobEvent.ProcessEscaped e = jobs.events(JobEvent.ProcessEscaped.class).get(0);
                assertEquals(p.pid(), e.pid());
                assertTrue(p.isAlive(), "it escaped, it did not end");
                assertTrue(!e.cgroup().contains("jobgov-test-escape"), "where it went: " + e.cgroup());
                assertTrue(jobs.events(JobEvent.ProcessExited.class).stream().noneMatch(x -> x.pid() == p.pid())
                        && jobs.events(JobEvent.AbnormalExit.class).stream().noneMatch(x -> x.pid() == p.pid()),
                        "no exit event for the escaped process: " + jobs.events);
                assertTrue(!job.pids().contains(p.pid()));
                // the grandchild /bin/true did exit inside the job: an exit, not an escape
                await().atMost(Duration.ofSeconds(5)).until(() -> jobs.events(JobEvent.ProcessEscaped.class).size() == 1);
            } finally {
                p.destroyForcibly(); // outside the job now: the job's close would not reach it
                p.waitFor();
            }
            // its end, after the escape, is not the job's news either
            await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2))
                    .until(() -> jobs.events(JobEvent.ProcessExited.class).stream().noneMatch(x -> x.pid() == p.pid())
                            && jobs.events(JobEvent.AbnormalExit.class).stream().noneMatch(x -> x.pid() == p.pid()));
        }
    }

    @Test
    @Timeout(90)
    void aKilledWatchdogIsNoticedReportedAndReplaced() throws Exception {
        Requirements.cgroupV1();
        try (GovernedJobs jobs = new GovernedJobs()) {
            Job job = jobs.create("watchdog", JobLimits.builder().killOnClose(true).build());
            String marker = "jobgov-watchdog-" + job.name();
            List<Long> first = GovernedJobs.processesWith(marker);
            assertEquals(1, first.size(), "one watchdog: " + first);
            ProcessHandle.of(first.get(0)).ifPresent(ProcessHandle::destroyForcibly); // what a root member can do
            await().atMost(Duration.ofSeconds(10)).until(() -> !jobs.events(JobEvent.WatchdogRestarted.class).isEmpty());
            JobEvent.WatchdogRestarted r = jobs.events(JobEvent.WatchdogRestarted.class).get(0);
            assertEquals(first.get(0), r.pid());
            assertTrue(r.replacementPid() != 0);
            await().atMost(Duration.ofSeconds(10)).until(() -> GovernedJobs.processesWith(marker).equals(List.of(r.replacementPid())));
            // the new one is outside the job, like the first
            assertTrue(!job.pids().contains(r.replacementPid()));
        }
    }

    @Test
    @Timeout(120)
    void aWatchdogKilledInALoopIsReplacedAFewTimesThenGivenUpNotForkedWithoutEnd() throws Exception {
        Requirements.cgroupV1();
        try (GovernedJobs jobs = new GovernedJobs()) {
            Job job = jobs.create("watchdog-loop", JobLimits.builder().killOnClose(true).build());
            String marker = "jobgov-watchdog-" + job.name();
            // What a hostile root member does: kill every watchdog it sees, again and again.
            int kills = 0;
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (jobs.events(JobEvent.WatchdogGaveUp.class).isEmpty() && System.nanoTime() < deadline) {
                for (long pid : GovernedJobs.processesWith(marker)) {
                    if (ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false)) {
                        kills++;
                    }
                }
                Thread.sleep(20);
            }
            List<JobEvent.WatchdogGaveUp> gaveUp = jobs.events(JobEvent.WatchdogGaveUp.class);
            assertEquals(1, gaveUp.size(), "jobgov says it gave up, once: " + jobs.events);
            assertEquals(Watchdog.MAX_RESTARTS, jobs.events(JobEvent.WatchdogRestarted.class).size(),
                    "replaced exactly up to the cap, after " + kills + " kills");
            assertEquals(Watchdog.MAX_RESTARTS, gaveUp.get(0).restarts());
            // No more watchdogs are started, however long the killer keeps looking.
            await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(10))
                    .until(() -> GovernedJobs.processesWith(marker).isEmpty()
                            && jobs.events(JobEvent.WatchdogRestarted.class).size() == Watchdog.MAX_RESTARTS);
            // The job itself still works: a child runs and the JVM's own close kills it.
            Process p = jobs.start(job, "/bin/sh", "-c", "exec sleep 1000.43");
            assertTrue(p.isAlive());
            assertTrue(job.pids().contains(p.pid()));
        }
    }
}
