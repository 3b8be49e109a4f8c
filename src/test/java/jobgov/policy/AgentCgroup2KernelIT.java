package jobgov.policy;

import java.time.Duration;
import java.util.List;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/**
 * The Java agent with a Groovy policy in a separate JVM on a real cgroup v2 kernel (the scripts/cgroup2-guest
 * guest): {@link PolicyAgentIT}'s memory guard, the host JVM in its own cgroup2 job.
 */
class AgentCgroup2KernelIT {
    @Test
    @Disabled("not yet green in the guest: its first run there armed the policy after 4 min, past the agent's 120 s await, "
            + "so the OOM kill came before the policy; PolicyAgentIT now waits for the policy, unproven in the guest yet")
    void memoryGuardThroughTheAgentKillsTheChildrenAndKeepsTheHost() throws Exception {
        Requirements.cgroupV2();
        PolicyAgentIT.memoryGuard(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"), Duration.ofSeconds(300), Duration.ofSeconds(300));
    }
}
