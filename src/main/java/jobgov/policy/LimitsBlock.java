package jobgov.policy;

import groovy.lang.Closure;
import groovy.lang.MissingMethodException;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Pattern;
import jobgov.job.JobLimits;
import jobgov.job.LimitCatalog;
import jobgov.job.LimitSpec;
import jobgov.job.Units;
import org.codehaus.groovy.runtime.InvokerHelper;

/**
 * The delegate of {@code job { ... }}, {@code job.limits { ... }} and {@code subjob('x') { ... }}: every
 * row of {@link LimitCatalog} is a word (its {@link LimitCatalog.Row#word()}) ({@code memory '512m'}, {@code processMemory '1g'},
 * {@code killOnClose true}, {@code cpu 'none'} to clear), collected and then applied as one value so
 * the change is all-or-nothing. Sub-job blocks also take {@code match ~/regex/}.
 */
public final class LimitsBlock {
    private final Map<String, String> pairs = new LinkedHashMap<>();
    private final boolean subJob;
    private final Object owner;
    private Pattern match;

    private LimitsBlock(boolean subJob, Object owner) {
        this.subJob = subJob;
        this.owner = owner;
    }

    /** Runs {@code block} against a fresh collector; {@code subJob} allows {@code match}. */
    static LimitsBlock collect(Closure<?> block, boolean subJob) {
        LimitsBlock limits = new LimitsBlock(subJob, block == null ? null : block.getOwner());
        if (block != null) {
            Closure<?> c = (Closure<?>) block.clone();
            c.setDelegate(limits);
            c.setResolveStrategy(Closure.DELEGATE_FIRST);
            c.call();
        }
        return limits;
    }

    /** {@code match ~/python3/} (or a string regex): processes whose command line contains a match join the sub-job. */
    public void match(Object regex) {
        if (!subJob) {
            throw new IllegalArgumentException("match is a word of subjob('name') { ... } blocks only");
        }
        match = regex instanceof Pattern p ? p : Pattern.compile(String.valueOf(regex));
    }

    /** Every other word names a limit: camelCase of the catalog key ({@code memoryNotify} = {@code memory-notify}). */
    public Object methodMissing(String name, Object args) {
        Object[] a = args instanceof Object[] arr ? arr : new Object[] {args};
        String key = LimitCatalog.normalize(name);
        if (LimitCatalog.find(key).isEmpty()) {
            if (owner != null) {
                // Not a limit: a word of the policy itself, such as param(...) or size(...).
                try {
                    return InvokerHelper.invokeMethod(owner, name, a);
                } catch (MissingMethodException e) {
                    if (!name.equals(e.getMethod())) {
                        throw e;
                    }
                }
            }
            throw new IllegalArgumentException("unknown limit '" + name + "' (known: " + String.join(", ", LimitCatalog.ROWS.stream().map(LimitCatalog.Row::word).toList()) + ")");
        }
        if (a.length != 1) {
            throw new IllegalArgumentException(name + " takes one value, e.g. " + name + " '...'");
        }
        if (pairs.containsKey(key)) {
            throw new IllegalArgumentException("limit '" + name + "' given twice in one block");
        }
        String value = text(a[0]);
        if ((value.contains("=") || value.contains(",")) && !key.equals("affinity")) {
            throw new IllegalArgumentException(name + ": bad value '" + value + "'");
        }
        pairs.put(key, value);
        return null;
    }

    /** {@code base} with this block's limits applied; validates the whole value. */
    JobLimits applyTo(JobLimits base) {
        if (pairs.isEmpty()) {
            return base;
        }
        return LimitSpec.apply(pairs, base);
    }

    Pattern match() {
        return match;
    }

    boolean isEmpty() {
        return pairs.isEmpty();
    }

    private static String text(Object v) {
        if (v == null) {
            return "none";
        }
        if (v instanceof Duration d) {
            return Units.formatDuration(d);
        }
        if (v instanceof Collection<?> c) {
            StringJoiner j = new StringJoiner("+");
            c.forEach(x -> j.add(String.valueOf(x)));
            return j.toString();
        }
        return String.valueOf(v).trim();
    }
}
