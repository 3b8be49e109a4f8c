package jobgov.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import groovy.lang.Closure;
import groovy.lang.GroovyShell;
import java.util.StringJoiner;
import jobgov.job.JobLimits;
import jobgov.job.LimitCatalog;
import jobgov.job.LimitExamples;
import jobgov.job.LimitSpec;
import org.junit.jupiter.api.Test;

/** Every row of the limit catalog is a word of the DSL's limit blocks, compiled and run by real Groovy. */
class LimitsBlockTest {
    private static JobLimits block(String body) {
        Closure<?> c = (Closure<?>) new GroovyShell().evaluate("{ -> " + body + " }");
        return LimitsBlock.collect(c, false).applyTo(JobLimits.NONE);
    }

    @Test
    void everyRowIsAWord() {
        for (LimitCatalog.Row r : LimitCatalog.ROWS) {
            StringJoiner body = new StringJoiner("; ");
            LimitExamples.valueOf(r).forEach((k, v) -> body.add(LimitCatalog.find(k).orElseThrow().word() + " '" + v + "'"));
            assertEquals(LimitSpec.parse(LimitExamples.specOf(r)), block(body.toString()), r.word());
        }
    }

    @Test
    void typedValuesAndNull() {
        assertEquals(LimitSpec.parse("memory=512m,kill-on-close=false,processes=8"), block("memory '512m'; killOnClose false; processes 8"));
        assertEquals(LimitSpec.parse("job-time=90s"), block("jobTime java.time.Duration.ofSeconds(90)"));
        assertEquals(JobLimits.NONE, block("memory null"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> block("killOnClose 'maybe'"));
        assertTrue(e.getMessage().startsWith("kill-on-close: "), e.getMessage());
    }
}
