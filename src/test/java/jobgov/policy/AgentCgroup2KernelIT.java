package jobgov.policy;

import java.time.Duration;
import java.util.List;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;

/**
 * The Java agent with a Groovy policy in a separate JVM on a real cgroup v2 kernel (the scripts/cgroup2-guest
 * guest): {@link PolicyAgentIT}'s memory guard, the host JVM in its own cgroup2 job.
 */
class AgentCgroup2KernelIT {
    /** Under the guest's emulation the policy is armed minutes after main starts: the hog waits for it (300 s each step). */
    @Test
    void memoryGuardThroughTheAgentKillsTheChildrenAndKeepsTheHost() throws Exception {
        Requirements.cgroupV2();
        PolicyAgentIT.memoryGuard(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), Duration.ofSeconds(300), Duration.ofSeconds(300));
    }
}
