package jobgov.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The policy engine's options are agent options like any other: a bad value stops the start (Failure rule 1), with a
 * policy or without one. (They used to be checked only when a policy loaded, on a daemon thread after premain, and
 * were ignored without a policy: {@code budget=-5s} ran main silently.)
 */
class AgentPolicyOptionsTest {
    @Test
    void badPolicyEngineOptionsAreRefusedNamingTheOption() {
        for (String bad : List.of("budget=-5s", "budget=1ms", "budget=soon", "queue=0", "queue=-1", "queue=many",
                "allocation=huge", "allocation=90%", "allocation=0", "watch=maybe", "watch=2")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse(bad), bad);
            String key = bad.substring(0, bad.indexOf('='));
            assertTrue(e.getMessage().contains(key), bad + " -> " + e.getMessage());
        }
    }

    @Test
    void goodPolicyEngineOptionsPass() {
        AgentOptions o = AgentOptions.parse("budget=250ms,queue=16,allocation=8m,watch=true");
        assertEquals("250ms", o.policyOptions().get("budget"));
        AgentOptions.parse("allocation=5%,watch=off");
    }
}
