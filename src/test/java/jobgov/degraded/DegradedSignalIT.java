package jobgov.degraded;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import jobgov.job.Job;
import jobgov.job.JobSpec;
import jobgov.linux.JobSignals;
import jobgov.testing.PidReuse;
import jobgov.testing.Requirements;
import jobgov.testing.SignalPause;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The degraded backend signals through a pidfd and re-checks the start time: a pid listed from its tracked
 * processes and handed to a stranger before the signal is left alone.
 */
class DegradedSignalIT {
    @Test
    @Timeout(180)
    void killSparesAStrangerThatGotAListedPid() throws Exception {
        Requirements.require(JobSignals.pidfdAvailable(), "needs pidfd_open (Linux 5.3+) and JNA");
        try (PidReuse strangers = new PidReuse(); Job job = Job.create(new DegradedBackend(), JobSpec.named("degraded-stranger"))) {
            boolean proven = false;
            for (int attempt = 0; attempt < 5 && !proven; attempt++) {
                Process member = job.start(new ProcessBuilder("sleep", "1000." + (200 + attempt)));
                try {
                    await().atMost(Duration.ofSeconds(10)).until(() -> job.pids().contains(member.pid()));
                    Optional<Long> stranger;
                    try (SignalPause pause = new SignalPause()) {
                        CompletableFuture<Set<Long>> killed = CompletableFuture.supplyAsync(() -> job.kill(List.of(member.pid())));
                        assertEquals(List.of(member.pid()), pause.awaitListed());
                        member.destroyForcibly();
                        assertTrue(member.waitFor(10, TimeUnit.SECONDS));
                        stranger = strangers.strangerAt(member.pid());
                        pause.disarm();
                        pause.go();
                        assertEquals(Set.of(), killed.get(60, TimeUnit.SECONDS));
                    }
                    if (stranger.isPresent()) {
                        assertTrue(PidReuse.runs(stranger.get()), "the stranger at pid " + stranger.get() + " was killed");
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
