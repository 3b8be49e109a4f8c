package jobgov.linux;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import jobgov.job.Job;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.testing.PidReuse;
import jobgov.testing.Requirements;
import jobgov.testing.SignalPause;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The v1 freezer kill path (terminate where the unified tree has no {@code cgroup.kill}: freeze, wait for FROZEN, signal,
 * thaw) against a stranger, with pidfds and without them (the FROZEN-only exception: frozen tasks signalled by plain
 * pid). The window between listing and signalling is held open ({@link SignalPause}) while the job is FROZEN; the
 * listed member is SIGKILLed from outside in that window. A frozen task cannot exit, so its pid is not freed: a
 * stranger forked for that pid ({@link PidReuse}) gets another one, and survives the terminate that follows.
 * The backend is the real one with the unified hierarchy hidden from it, so the kernel's freezer does the work.
 */
class FreezerSignalsIT {
    @Test
    @Timeout(120)
    void freezeSignalThawSparesAStrangerWithPidfds() throws Exception {
        attack(false);
    }

    @Test
    @Timeout(120)
    void withoutPidfdsOnlyFrozenTasksAreSignalledByPidAndAStrangerSurvives() throws Exception {
        attack(true);
    }

    private static void attack(boolean withoutPidfds) throws Exception {
        Requirements.cgroupV1();
        Requirements.require(GovernedJobs.BACKEND.mounts().controller("freezer").isPresent(), "needs the v1 freezer");
        CgroupMounts mounts = withoutUnified();
        Cgroup1Backend freezerOnly = new Cgroup1Backend(mounts, CgroupFs.KERNEL, mounts::ownDirsNow, mounts.ownDirsNow());
        String name = GovernedJobs.uniqueName("freezer-stranger");
        String marker = "1000." + Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000);
        JobSignals.withoutPidfdsForTest(withoutPidfds);
        try (PidReuse strangers = new PidReuse()) {
            Job job = Job.create(freezerOnly, new JobSpec(name, null, JobLimits.NONE));
            try {
                Process member = job.start(new ProcessBuilder("sleep", marker));
                await().atMost(Duration.ofSeconds(10)).until(() -> job.pids().contains(member.pid()));
                Path freezerState = GovernedJobs.cgroupsNamed(name).stream()
                        .filter(d -> Files.exists(d.resolve("freezer.state"))).findFirst().orElseThrow().resolve("freezer.state");
                Optional<Long> stranger;
                long other;
                try (SignalPause pause = new SignalPause()) {
                    CompletableFuture<Void> terminate = CompletableFuture.runAsync(() -> job.terminate(1));
                    List<Long> listed = pause.awaitListed();
                    assertTrue(listed.contains(member.pid()), "listed " + listed);
                    assertEquals("FROZEN", Files.readString(freezerState).trim(), "the job is frozen while the signal waits");
                    member.destroyForcibly(); // from outside, inside the window: a frozen task does not die of it yet
                    assertFalse(member.waitFor(300, TimeUnit.MILLISECONDS), "a frozen task cannot exit and free its pid");
                    stranger = strangers.strangerAt(member.pid());
                    assertTrue(stranger.isEmpty(), "the listed pid is still the member's, so no stranger can get it");
                    other = strangers.lastStranger();
                    pause.disarm();
                    pause.go();
                    terminate.get(60, TimeUnit.SECONDS);
                }
                assertTrue(member.waitFor(10, TimeUnit.SECONDS), "the member died once thawed");
                assertTrue(PidReuse.runs(other), "the stranger born during the window (pid " + other + ") was not signalled");
                assertFalse(job.pids().contains(other));
                assertEquals("THAWED", Files.readString(freezerState).trim(), "the job is thawed after the kill");
            } finally {
                job.close();
            }
            assertEquals(List.of(), GovernedJobs.cgroupsNamed(name), "the job's cgroups are removed");
        } finally {
            JobSignals.withoutPidfdsForTest(false);
        }
    }

    /** This machine's mounts with the unified (cgroup2) hierarchy left out: no cgroup.kill, so terminate freezes. */
    private static CgroupMounts withoutUnified() throws Exception {
        String mountinfo = Files.readAllLines(CgroupMounts.MOUNTINFO).stream()
                .filter(l -> !l.contains(" - cgroup2 ")).collect(Collectors.joining("\n", "", "\n"));
        String cgroup = Files.readAllLines(CgroupMounts.PROC_SELF_CGROUP).stream()
                .filter(l -> !l.startsWith("0::")).collect(Collectors.joining("\n", "", "\n"));
        return CgroupMounts.parse(mountinfo, cgroup);
    }
}
