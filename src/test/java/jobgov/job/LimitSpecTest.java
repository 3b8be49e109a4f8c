package jobgov.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LimitSpecTest {
    @Test
    void parsesTheCliNames() {
        JobLimits l = LimitSpec.parse("memory=1.5g,processes=32,cpu=25%,affinity=0-1,3,process-time=500ms,job-time=2m,processMemory=64m");
        assertEquals(1536L << 20, l.jobMemoryBytes());
        assertEquals(32, l.activeProcesses());
        assertEquals(25.0, l.cpuRatePercent());
        assertEquals("0-1,3", l.affinity().toString());
        assertEquals(0b1011L, l.affinity().mask());
        assertEquals(Duration.ofMillis(500), l.processTime());
        assertEquals(Duration.ofMinutes(2), l.jobTime());
        assertEquals(64L << 20, l.processMemoryBytes());
        assertEquals(Set.of(Limit.JOB_MEMORY, Limit.ACTIVE_PROCESSES, Limit.CPU_RATE, Limit.AFFINITY,
                Limit.PROCESS_TIME, Limit.JOB_TIME, Limit.PROCESS_MEMORY), l.requested());
    }

    @Test
    void formatRoundTrips() {
        String spec = "memory=512m,processes=64,cpu=12.5%,affinity=0-1,3,process-time=500ms,kill-on-close=false,ui-restrictions=handles+desktop";
        JobLimits l = LimitSpec.parse(spec);
        assertEquals(spec, LimitSpec.format(l));
        assertEquals(l, LimitSpec.parse(LimitSpec.format(l)));
    }

    @Test
    void applyChangesOnlyNamedLimitsAndClears() {
        JobLimits base = LimitSpec.parse("memory=512m,processes=64");
        JobLimits next = LimitSpec.apply("processes=none,cpu=50%", base);
        assertEquals(512L << 20, next.jobMemoryBytes());
        assertNull(next.activeProcesses());
        assertEquals(50.0, next.cpuRatePercent());
        assertEquals(base, LimitSpec.apply("", base));
    }

    @Test
    void badInputNamesTheLimit() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LimitSpec.parse("memory=lots")).getMessage().startsWith("memory: not a size"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LimitSpec.parse("cpu=150%")).getMessage().contains("cpu must be"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LimitSpec.parse("bogus=1")).getMessage().startsWith("unknown limit 'bogus'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LimitSpec.parse("processes=-3")).getMessage().contains("processes"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LimitSpec.parse("memory=1m,memory=2m")).getMessage().contains("twice"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LimitSpec.parse("cpu=10%,cpu-weight=3")).getMessage().contains("one CPU rate mode"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LimitSpec.parse("memory")).getMessage().contains("key=value"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LimitSpec.parse("min-working-set=1m")).getMessage().contains("go together"));
    }

    @Test
    void units() {
        assertEquals(4096, Units.parseBytes("4096"));
        assertEquals(64L << 10, Units.parseBytes("64K"));
        assertEquals(2L << 30, Units.parseBytes("2GiB"));
        assertEquals(Duration.ofSeconds(90), Units.parseDuration("1.5m"));
        assertEquals(Duration.ofSeconds(3), Units.parseDuration("3"));
        assertEquals("1536m", Units.formatBytes(1536L << 20));
        assertEquals("90s", Units.formatDuration(Duration.ofSeconds(90)));
        assertThrows(IllegalArgumentException.class, () -> Units.parseDuration("soon"));
        assertThrows(IllegalArgumentException.class, () -> Units.parseBytes("99999999999t"));
    }
}
