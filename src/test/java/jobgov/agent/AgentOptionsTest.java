package jobgov.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import jobgov.job.CpuSet;
import org.junit.jupiter.api.Test;

class AgentOptionsTest {
    @Test
    void noArgumentMeansDefaults() {
        for (String none : new String[] {null, "", "  "}) {
            AgentOptions o = AgentOptions.parse(none);
            assertNull(o.policy());
            assertNull(o.name());
            assertTrue(o.killOnClose());
            assertFalse(o.await());
            assertFalse(o.require());
            assertTrue(o.limits().killsOnClose());
            assertEquals(0, o.limits().requested().size(), "kill-on-close is the default, not a requested limit: " + o.limits());
            assertTrue(o.jolokia().isEmpty());
        }
    }

    @Test
    void firstBarePieceIsThePolicy() {
        AgentOptions o = AgentOptions.parse("policies/memory-guard.groovy,name=web,jolokia=127.0.0.1:8778");
        assertEquals("policies/memory-guard.groovy", o.policy());
        assertEquals("web", o.name());
        assertEquals(Map.of("jolokia", "127.0.0.1:8778"), o.jolokia());
    }

    @Test
    void limitsInKebabOrCamelCase() {
        AgentOptions o = AgentOptions.parse("memory=512m,processes=64,cpu=50%,processMemory=128m,affinity=0-1,3,io_iops=");
        assertEquals(512L << 20, o.limits().jobMemoryBytes());
        assertEquals(64, o.limits().activeProcesses());
        assertEquals(50.0, o.limits().cpuRatePercent());
        assertEquals(128L << 20, o.limits().processMemoryBytes());
        assertEquals(CpuSet.parse("0-1,3"), o.limits().affinity());
    }

    @Test
    void agentKeysInEitherCase() {
        AgentOptions o = AgentOptions.parse("policy=p.groovy,killOnClose=false,await=true,require=yes,cgroup=/jobs,watch=true,budget=250ms");
        assertEquals("p.groovy", o.policy());
        assertFalse(o.killOnClose());
        assertEquals(Boolean.FALSE, o.limits().killOnClose());
        assertTrue(o.await());
        assertTrue(o.require());
        assertEquals("/jobs", o.cgroup());
        assertEquals(Map.of("watch", "true", "budget", "250ms", "name", "j"), o.policyOptions("j"));
    }

    @Test
    void policyTuningAndParametersReachThePolicyEngine() {
        AgentOptions o = AgentOptions.parse("p.groovy,queue=64,allocation=32m,param.maxChildren=8,param.cmd=ffmpeg");
        assertEquals(Map.of("queue", "64", "allocation", "32m", "param.maxChildren", "8", "param.cmd", "ffmpeg", "name", "j"),
                o.policyOptions("j"));
    }

    @Test
    void jolokiaKeysAreKeptAsWritten() {
        AgentOptions o = AgentOptions.parse("jolokia=0.0.0.0:8778,jolokiaUser=admin,jolokia-password=s");
        assertEquals(Map.of("jolokia", "0.0.0.0:8778", "jolokiaUser", "admin", "jolokia-password", "s"), o.jolokia());
    }

    @Test
    void unknownKeyIsNamedOnOneLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("name=a,memroy=1g"));
        assertTrue(e.getMessage().startsWith("unknown option 'memroy'"), e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    @Test
    void badValuesAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("memory=lots"));
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("await=perhaps"));
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("name="));
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("name=a,name=b"));
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("p.groovy,stray"));
        assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("=x"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("processes=-3"));
        assertTrue(e.getMessage().contains("processes"), e.getMessage());
    }

    @Test
    void defaultNameIsTheMainClassAndPid() {
        assertEquals("com.example.App-42", DefaultJobName.of("com.example.App --port 8080", 42));
        assertEquals("app-42", DefaultJobName.of("/opt/app/app.jar serve", 42));
        assertEquals("jvm-7", DefaultJobName.of(null, 7));
        assertEquals("jvm-7", DefaultJobName.of("", 7));
        assertEquals("my-app-1", DefaultJobName.of("my$app", 1));
        String longName = DefaultJobName.of("a".repeat(300), 123456);
        assertTrue(longName.length() <= 100 && longName.endsWith("-123456"), longName);
        jobgov.job.JobSpec.named(longName);
        jobgov.job.JobSpec.named(DefaultJobName.of("_weird/$Main", 5));
    }
}
