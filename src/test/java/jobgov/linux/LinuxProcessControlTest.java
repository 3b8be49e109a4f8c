package jobgov.linux;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import jobgov.job.ProcessControl;
import org.junit.jupiter.api.Test;

/** The platform's process facts as the degraded backend and the file checks get them: real processes, a real zombie. */
class LinuxProcessControlTest {
    private final ProcessControl os = ProcessControl.platform();

    @Test
    void onLinuxThePlatformIsLinuxAndKnowsThisProcesssUid() {
        assertTrue(os instanceof LinuxProcessControl, os.getClass().getName());
        assertEquals(new com.sun.security.auth.module.UnixSystem().getUid(), os.ownUid());
        assertTrue(os.process(ProcessHandle.current().pid()).isPresent());
    }

    @Test
    void aZombieAndAReapedProcessHaveEndedALiveOneHasNot() throws Exception {
        // the shell's first child ends; the exec'd sleep never waits for it, so it stays a zombie
        Process p = new ProcessBuilder("/bin/sh", "-c", "/bin/true & exec sleep 30").start();
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> p.children().findAny().isPresent());
            long zombie = p.children().findAny().orElseThrow().pid();
            await().atMost(Duration.ofSeconds(10)).until(() -> os.ended(zombie));
            assertTrue(ProcessHandle.of(zombie).isPresent(), "not reaped: a zombie");
            assertFalse(os.ended(p.pid()), "its parent lives");
        } finally {
            p.destroyForcibly();
            p.waitFor();
        }
        assertTrue(os.ended(p.pid()), "reaped");
    }
    @Test
    void aJvmIsToldFromAProcessThatIsNone() throws Exception {
        ProcessControl c = new LinuxProcessControl();
        assertEquals(java.util.Optional.of(true), c.runsJvm(ProcessHandle.current().pid()), "this JVM maps libjvm.so");
        Process sleep = new ProcessBuilder("sleep", "30").start();
        try {
            assertEquals(java.util.Optional.of(false), c.runsJvm(sleep.pid()), "sleep is no JVM");
        } finally {
            sleep.destroyForcibly();
            sleep.waitFor();
        }
        assertEquals(java.util.Optional.empty(), c.runsJvm(Long.MAX_VALUE), "no such process: no answer (the JDK's list decides)");
    }
}
