package jobgov.linux;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jobgov.job.Job;
import jobgov.job.JobEvent;
import jobgov.job.JobLimits;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Processes the job did not start, as the kernel's process-events connector reports them (root here): their exit
 * codes and signals, and a burst of processes each shorter than any tick, none lost. Real process trees; no timing
 * is asserted.
 */
class Cgroup1ProcEventsIT {
    private GovernedJobs jobs;

    @BeforeEach
    void setUp() {
        Requirements.cgroupV1();
        Requirements.require(ProcConnector.available(), "the netlink process-events connector (root, CONFIG_PROC_EVENTS)");
        jobs = new GovernedJobs();
    }

    @AfterEach
    void tearDown() {
        if (jobs != null) {
            jobs.close();
        }
    }

    @Test
    void grandchildrenReportTheirExitCodesAndSignals() throws Exception {
        Job job = jobs.create("codes", JobLimits.NONE);
        await().atMost(Duration.ofSeconds(10)).until(() -> job.eventSource().contains("proc connector"));
        Process p = jobs.start(job, "/bin/sh", "-c", "(exit 7) & sh -c 'kill -KILL $$' & wait; exit 0");
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        await().atMost(Duration.ofSeconds(10)).until(() -> jobs.events(JobEvent.ProcessExited.class).stream().anyMatch(e -> e.pid() == p.pid()));
        await().atMost(Duration.ofSeconds(10)).until(() -> exitCodes().contains(7) && !jobs.events(JobEvent.AbnormalExit.class).isEmpty());
        JobEvent.AbnormalExit killed = jobs.events(JobEvent.AbnormalExit.class).get(0);
        assertEquals(9, killed.signal(), jobs.events.toString());
        assertEquals(137, killed.exitCode());
        assertTrue(jobs.events(JobEvent.ProcessExited.class).stream().filter(e -> e.pid() != p.pid()).allMatch(e -> e.exitCode() != null),
                "every process's exit code is known: " + jobs.events);
    }

    /** The shell that forks them ends before the connector has read all its forks (it lags the JDK's reaper): waiting for them or not. */
    @ParameterizedTest
    @ValueSource(strings = {"wait", "exit 0"})
    void aBurstOfShortProcessesLosesNone(String end) throws Exception {
        Job job = jobs.create("burst", JobLimits.NONE);
        int n = 100;
        Process p = jobs.start(job, "/bin/sh", "-c", "i=0; while [ $i -lt " + n + " ]; do (exit 3) & i=$((i+1)); done; " + end);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertTrue(exitCodes().stream().filter(c -> c == 3).count() >= n,
                "source " + job.eventSource() + ", exits " + exitCodes().size() + ", forks " + jobs.events(JobEvent.NewProcess.class).size()
                        + ", exited " + jobs.events(JobEvent.ProcessExited.class).size() + ", connector overruns " + ProcConnector.get().lost()));
        await().atMost(Duration.ofSeconds(5)).until(() -> !jobs.events(JobEvent.ActiveProcessZero.class).isEmpty());
        assertEquals(n, exitCodes().stream().filter(c -> c == 3).count(), "each of the " + n + " subshells once");
        assertEquals(n + 1, jobs.events(JobEvent.NewProcess.class).size(), "the shell and its " + n + " subshells, each once");
    }

    private List<Integer> exitCodes() {
        return jobs.events(JobEvent.ProcessExited.class).stream().map(JobEvent.ProcessExited::exitCode).filter(java.util.Objects::nonNull).toList();
    }
}
