package jobgov.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** require=true: any failure stops the JVM before main with exit code 1 and one clear line, never a JVM "FATAL ERROR" (a bad option does so even without require). */
class AgentRequireIT {
    @Test
    void unknownOptionWithRequireExitsOneBeforeMain() throws Exception {
        try (HostJvm host = HostJvm.start("require=true,memroy=64m", TreeHost.class.getName())) {
            assertEquals(1, host.waitFor(Duration.ofSeconds(60)), host.stderr());
            assertTrue(host.lines().stream().noneMatch(l -> l.startsWith("ready")), "main never ran: " + host.lines());
            assertTrue(host.stderr().contains("jobgov: bad agent options"), host.stderr());
            assertTrue(host.stderr().contains("unknown option 'memroy'"), host.stderr());
            assertFalse(host.stderr().contains("FATAL ERROR"), host.stderr());
        }
    }

    @Test
    void missingPolicyWithRequireExitsOneBeforeMain() throws Exception {
        try (HostJvm host = HostJvm.start("/nonexistent/guard.groovy,require=true", TreeHost.class.getName())) {
            assertEquals(1, host.waitFor(Duration.ofSeconds(60)), host.stderr());
            assertTrue(host.lines().isEmpty(), "main never ran: " + host.lines());
            assertTrue(host.stderr().contains("policy file '/nonexistent/guard.groovy' not found"), host.stderr());
            assertFalse(host.stderr().contains("FATAL ERROR"), host.stderr());
        }
    }
}
