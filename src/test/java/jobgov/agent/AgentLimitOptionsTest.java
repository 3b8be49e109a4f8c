package jobgov.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import jobgov.job.JobLimits;
import jobgov.job.LimitCatalog;
import jobgov.job.LimitExamples;
import jobgov.job.LimitSpec;
import org.junit.jupiter.api.Test;

/** Every row of the limit catalog is an agent option, under its key and its camelCase word. */
class AgentLimitOptionsTest {
    @Test
    void everyRowIsAnOption() {
        for (LimitCatalog.Row r : LimitCatalog.ROWS) {
            JobLimits expected = LimitSpec.parse(LimitExamples.specOf(r));
            String spec = LimitExamples.specOf(r);
            assertEquals(expected, AgentOptions.parse(spec).limits(), r.key());
            assertEquals(expected, AgentOptions.parse("p.groovy," + spec.replace(r.key() + "=", r.word() + "=")).limits(), r.word());
        }
    }

    @Test
    void switchesTakeTheOneSwitchSyntax() {
        for (String off : List.of("false", "no", "off", "0")) {
            AgentOptions o = AgentOptions.parse("killOnClose=" + off + ",await=" + off + ",require=" + off);
            assertFalse(o.killOnClose(), off);
            assertFalse(o.await(), off);
            assertEquals(Boolean.FALSE, o.limits().killOnClose(), off);
        }
        for (String on : List.of("true", "yes", "on", "1")) {
            assertTrue(AgentOptions.parse("await=" + on).await(), on);
        }
        for (String bad : List.of("maybe", "")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> AgentOptions.parse("await=" + bad));
            assertTrue(e.getMessage().startsWith("option 'await': "), e.getMessage());
        }
    }
    @Test
    void optionsAreLimitedOnlyWhenTheySetALimit() {
        // limited: the start stops when these cannot be put in force (no degraded fallback); kill-on-close is no such limit
        assertTrue(AgentOptions.parse("memory=64m").limited());
        assertTrue(AgentOptions.parse("name=x,processes=8,kill-on-close=false").limited());
        for (String none : List.of("", "name=x", "kill-on-close=false", "memory=none", "memory=", "await=true")) {
            assertFalse(AgentOptions.parse(none).limited(), none);
        }
    }
}
