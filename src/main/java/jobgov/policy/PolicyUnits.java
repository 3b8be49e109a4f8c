package jobgov.policy;

import java.time.Duration;
import jobgov.job.Units;

/**
 * The quantity words of the policy DSL, statically imported into every policy:
 * {@code size('512m')} (bytes), {@code duration('5s')}, {@code percent('25%')} (a number 0-100).
 * They let a policy compare counters with the same units it writes limits in.
 */
public final class PolicyUnits {
    private PolicyUnits() {
    }

    /** Bytes, powers of 1024: {@code size('64m') == 67108864}. */
    public static long size(Object text) {
        return text instanceof Number n ? n.longValue() : Units.parseBytes(String.valueOf(text));
    }

    /** {@code duration('500ms')}, {@code duration('2m')}; a bare number is seconds. */
    public static Duration duration(Object text) {
        if (text instanceof Duration d) {
            return d;
        }
        return text instanceof Number n ? Duration.ofMillis(Math.round(n.doubleValue() * 1000)) : Units.parseDuration(String.valueOf(text));
    }

    /** {@code percent('12.5%') == 12.5}. */
    public static double percent(Object text) {
        return text instanceof Number n ? n.doubleValue() : Units.parsePercent(String.valueOf(text));
    }
}
