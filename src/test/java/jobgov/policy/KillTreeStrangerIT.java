package jobgov.policy;

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
import jobgov.job.Job;
import jobgov.job.JobBackend;
import jobgov.job.JobSpec;
import jobgov.job.Jobs;
import jobgov.testing.PidReuse;
import jobgov.testing.Requirements;
import jobgov.testing.SignalPause;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code job.killTree} / {@code job.kill} from a policy ask the job to signal, and the job never signals a pid a
 * stranger received after it was listed: the window is held open at the SIGSTOP round and at the SIGKILL of the
 * stopped tree, the listed process dies, a stranger outside the job gets its pid, and the stranger survives.
 */
class KillTreeStrangerIT {
    @Test
    @Timeout(180)
    void killTreeSparesAStrangerThatGotAPidListedForSigstop() throws Exception {
        attack(false);
    }

    @Test
    @Timeout(180)
    void killTreeSparesAStrangerThatGotAStoppedPidBeforeTheSigkill() throws Exception {
        attack(true);
    }

    private static void attack(boolean atKill) throws Exception {
        Requirements.cgroupV1();
        JobBackend cgroup1 = Jobs.backends().stream().filter(b -> b.name().equals("cgroup1")).findFirst().orElseThrow();
        try (PidReuse strangers = new PidReuse();
             Job job = Job.create(cgroup1, JobSpec.named("jobgov-test-killtree-" + UUID.randomUUID().toString().substring(0, 8)))) {
            PolicyJob pj = new PolicyJob(job);
            boolean proven = false;
            for (int attempt = 0; attempt < 5 && !proven; attempt++) {
                Process member = job.start(new ProcessBuilder("sleep", "1000." + (100 + attempt)));
                try {
                    await().atMost(Duration.ofSeconds(10)).until(() -> job.pids().contains(member.pid())
                            && PolicyProcess.commandLine(job, member.pid()).startsWith("sleep"));
                    Optional<Long> stranger;
                    CompletableFuture<Integer> killed;
                    try (SignalPause pause = new SignalPause()) {
                        killed = CompletableFuture.supplyAsync(() -> pj.killTree(member.pid()));
                        List<Long> listed = pause.awaitListed(); // the SIGSTOP round
                        assertEquals(List.of(member.pid()), listed);
                        if (atKill) {
                            pause.go();
                            assertEquals(List.of(member.pid()), pause.awaitListed()); // stopped; now the SIGKILL
                        }
                        member.destroyForcibly();
                        assertTrue(member.waitFor(10, TimeUnit.SECONDS));
                        stranger = strangers.strangerAt(member.pid());
                        pause.disarm();
                        pause.go();
                        assertEquals(0, killed.get(60, TimeUnit.SECONDS), "processes killed");
                    }
                    if (stranger.isPresent()) {
                        assertTrue(PidReuse.runs(stranger.get()), "the stranger at pid " + stranger.get() + " was stopped or killed");
                        assertFalse(pj.kill(stranger.get()), "kill(pid) of a stranger");
                        assertTrue(PidReuse.runs(stranger.get()));
                        proven = true;
                    }
                } finally {
                    member.destroyForcibly();
                }
            }
            assertTrue(proven, "5 times another process took the freed pid first");
        }
    }
}
