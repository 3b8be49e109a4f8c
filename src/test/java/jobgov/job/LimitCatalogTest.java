package jobgov.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The catalog itself and the spec text, row by row; the other entry points have a test in their own package. */
class LimitCatalogTest {
    @Test
    void namesAreUniqueAndFollowOneRule() {
        List<LimitCatalog.Row> rows = LimitCatalog.ROWS;
        assertEquals(rows.size(), new HashSet<>(rows.stream().map(LimitCatalog.Row::key).toList()).size());
        assertEquals(rows.size(), new HashSet<>(rows.stream().map(LimitCatalog.Row::word).toList()).size());
        List<String> jmx = rows.stream().map(LimitCatalog.Row::jmx).filter(Objects::nonNull).toList();
        assertEquals(jmx.size(), new HashSet<>(jmx).size());
        assertEquals(LimitCatalog.keys(), LimitSpec.KEYS);
        for (LimitCatalog.Row r : rows) {
            assertTrue(r.key().matches("[a-z]+(-[a-z]+)*"), r.key());
            assertEquals("--" + r.key(), r.flag());
            // the one normalizer takes every spelling an entry point accepts back to the key
            for (String spelling : List.of(r.key(), r.word(), r.key().replace('-', '_'), " " + r.word() + " ")) {
                assertEquals(r.key(), LimitCatalog.normalize(spelling), spelling);
                assertEquals(r, LimitCatalog.find(spelling).orElseThrow());
            }
            assertFalse(r.help().isBlank(), r.key());
            assertTrue(r.onJob() ? r.jmx() != null : true, r.key() + ": an attribute of the Job MBean is an item of Limits too");
        }
    }

    @Test
    void everyRowRoundTripsThroughSpecText() {
        for (LimitCatalog.Row r : LimitCatalog.ROWS) {
            String spec = LimitExamples.specOf(r);
            JobLimits l = LimitSpec.parse(spec);
            assertEquals(LimitExamples.of(r), r.format(l), r.key());
            assertNotNull(r.get().apply(l), r.key());
            assertEquals(l, LimitSpec.parse(LimitSpec.format(l)), r.key());
            assertEquals(l, LimitSpec.apply(LimitExamples.valueOf(r), JobLimits.NONE), r.key() + ": the map entry point");
            // camelCase keys in spec text too
            assertEquals(l, LimitSpec.parse(spec.replace(r.key() + "=", r.word() + "=")), r.key());
            if (r.limit() != null && !(r.kind() == LimitCatalog.Kind.SWITCH && Boolean.FALSE.equals(r.get().apply(l)))) {
                assertTrue(l.requested().contains(r.limit()), r.key() + " asks its backend for " + r.limit());
            }
        }
    }

    @Test
    void oneNoLimitConvention() {
        for (LimitCatalog.Row r : LimitCatalog.ROWS) {
            JobLimits set = LimitSpec.parse(LimitExamples.specOf(r));
            Map<String, String> needs = new java.util.LinkedHashMap<>(LimitExamples.valueOf(r));
            needs.remove(r.key());
            for (String none : List.of("none", "NONE", "", " ")) {
                assertTrue(r.clears(none), r.key() + "='" + none + "'");
                JobLimits cleared = LimitSpec.apply(r.key() + "=" + none + pairedClears(r), set);
                assertNull(r.get().apply(cleared), r.key() + "='" + none + "' clears it");
            }
            // 0 clears a limit where 0 cannot be a value; where it can (CPU 0, class 0, DSCP 0, off) it is that value
            assertEquals(!r.zeroIsAValue(), r.clears("0"), r.key());
            if (r.zeroIsAValue()) {
                Map<String, String> zero = new java.util.LinkedHashMap<>(needs);
                zero.put(r.key(), "0");
                assertNotNull(r.get().apply(LimitSpec.apply(zero, JobLimits.NONE)), r.key() + "=0 is a value");
            }
        }
        assertEquals("0", LimitSpec.parse("affinity=0").affinity().toString());
        assertEquals(Boolean.FALSE, LimitSpec.parse("kill-on-close=0").killOnClose());
    }

    /** Clearing one end of a pair clears the other end too (a working set has both ends or neither). */
    private static String pairedClears(LimitCatalog.Row r) {
        return switch (r.key()) {
            case "min-working-set" -> ",max-working-set=none";
            case "max-working-set" -> ",min-working-set=none";
            default -> "";
        };
    }

    @Test
    void oneSwitchParser() {
        for (String yes : List.of("true", "TRUE", "yes", "Yes", "on", "1", " on ")) {
            assertTrue(Units.parseBoolean(yes), yes);
        }
        for (String no : List.of("false", "no", "NO", "off", "0")) {
            assertFalse(Units.parseBoolean(no), no);
        }
        for (String bad : List.of("", "y", "maybe", "2", "enabled")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Units.parseBoolean(bad), bad);
            assertTrue(e.getMessage().contains("yes/no"), e.getMessage());
        }
        for (LimitCatalog.Row r : LimitCatalog.ROWS) {
            if (r.kind() == LimitCatalog.Kind.SWITCH) {
                assertEquals(Boolean.TRUE, r.parse("yes"), r.key());
                assertEquals(Boolean.FALSE, r.parse("off"), r.key());
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LimitSpec.parse(r.key() + "=maybe"));
                assertTrue(e.getMessage().startsWith(r.key() + ": "), e.getMessage());
            }
        }
    }

    @Test
    void badValuesNameTheirLimitAndChangeNothing() {
        JobLimits base = LimitSpec.parse("memory=512m");
        for (LimitCatalog.Row r : LimitCatalog.ROWS) {
            if (Set.of(LimitCatalog.Kind.DEVICE).contains(r.kind())) {
                continue; // any device name is text; the backend checks it exists
            }
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LimitSpec.apply(r.key() + "=x!y", base), r.key());
            assertTrue(e.getMessage().startsWith(r.key()), e.getMessage());
            assertEquals(LimitSpec.parse("memory=512m"), base);
        }
    }
}
