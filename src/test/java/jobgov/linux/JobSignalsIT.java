package jobgov.linux;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import jobgov.job.Job;
import jobgov.job.JobLimits;
import jobgov.testing.PidReuse;
import jobgov.testing.Requirements;
import jobgov.testing.SignalPause;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * No signal reaches a stranger: the window between listing a job's pids and signalling them is held open
 * ({@link SignalPause}), the listed member dies and its pid goes to a process outside the job ({@link PidReuse}),
 * and then the signal code goes on. Raw kill(2) by the listed pid killed that stranger; a pidfd does not.
 */
class JobSignalsIT {
    private static final long SELF = ProcessHandle.current().pid();

    @Test
    void thisKernelHasPidfds() {
        Requirements.cgroupV1();
        assertTrue(JobSignals.pidfdAvailable(), "pidfd_open on " + System.getProperty("os.version"));
    }

    @Test
    @Timeout(180)
    void keepHostTerminateSparesAStrangerThatGotAListedPid() throws Exception {
        Requirements.cgroupV1();
        try (PidReuse strangers = new PidReuse(); GovernedJobs jobs = new GovernedJobs()) {
            Job job = jobs.create("keephost-stranger", JobLimits.NONE);
            job.assign(SELF); // keep-host: terminate signals members one by one, never cgroup.kill
            attack(jobs, job, strangers, victim -> () -> job.terminate(1));
        }
    }

    @Test
    @Timeout(180)
    void jobKillOfOneProcessSparesAStrangerThatGotItsPid() throws Exception {
        Requirements.cgroupV1();
        try (PidReuse strangers = new PidReuse(); GovernedJobs jobs = new GovernedJobs()) {
            Job job = jobs.create("kill-stranger", JobLimits.NONE);
            attack(jobs, job, strangers, victim -> () -> assertEquals(java.util.Set.of(), job.kill(List.of(victim))));
        }
    }

    @Test
    void killAndStopReachMembersOnlyAndNeverThisJvm() throws Exception {
        Requirements.cgroupV1();
        try (GovernedJobs jobs = new GovernedJobs()) {
            Job job = jobs.create("kill-members", JobLimits.NONE);
            Process a = jobs.start(job, "sleep", "1000.31");
            Process outside = new ProcessBuilder("sleep", "1000.32").start();
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> job.pids().contains(a.pid()));
                assertEquals(java.util.Set.of(), job.kill(List.of(outside.pid(), SELF, 1L)), "not members");
                assertEquals(java.util.Set.of(a.pid()), job.stop(List.of(a.pid(), outside.pid())));
                await().atMost(Duration.ofSeconds(10)).until(() -> !PidReuse.runs(a.pid()) && a.isAlive());
                assertTrue(PidReuse.runs(outside.pid()));
                assertEquals(java.util.Set.of(a.pid()), job.kill(List.of(a.pid())));
                assertTrue(a.waitFor(10, TimeUnit.SECONDS));
                assertTrue(outside.isAlive());
            } finally {
                outside.destroyForcibly();
                a.destroyForcibly();
            }
        }
    }

    /**
     * Up to 5 tries (another process on the machine may take the freed pid first): a member listed, paused, killed and
     * reaped; a stranger forked at its pid; the signal code goes on; the stranger still runs and is not in the job.
     */
    private static void attack(GovernedJobs jobs, Job job, PidReuse strangers, LongFunction<Runnable> signal) throws Exception {
        boolean proven = false;
        for (int attempt = 0; attempt < 5 && !proven; attempt++) {
            String marker = "1000." + Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000);
            Process member = jobs.start(job, "sleep", marker);
            await().atMost(Duration.ofSeconds(10)).until(() -> job.pids().contains(member.pid()));
            Optional<Long> stranger;
            try (SignalPause pause = new SignalPause()) {
                CompletableFuture<Void> call = CompletableFuture.runAsync(signal.apply(member.pid()));
                List<Long> listed = pause.awaitListed();
                assertTrue(listed.contains(member.pid()), "listed " + listed + ", member " + member.pid());
                member.destroyForcibly(); // our own child: its pid is ours until the JDK reaps it
                assertTrue(member.waitFor(10, TimeUnit.SECONDS));
                stranger = strangers.strangerAt(member.pid());
                pause.disarm();
                pause.go();
                call.get(60, TimeUnit.SECONDS);
            }
            if (stranger.isPresent()) {
                long s = stranger.get();
                assertTrue(PidReuse.runs(s), "the stranger at pid " + s + " was signalled");
                assertFalse(job.pids().contains(s), "the stranger is outside the job");
                proven = true;
            }
        }
        assertTrue(proven, "5 times another process took the freed pid first");
    }
}
