package jobgov.policy;

import java.time.Duration;
import java.util.Map;
import jobgov.job.Units;

/**
 * The policy engine's own options, parsed and checked: {@code budget} (time per handler call, at least 10 ms,
 * default 1 s), {@code queue} (events waiting, at least 1, default 1024), {@code allocation} (bytes a handler call may
 * allocate, or a share of the heap such as {@code 10%}; default 256m but at most a sixteenth of the heap, never above
 * half) and {@code watch} (reload on change: true or false). Other keys are ignored. No Groovy here: the agent checks
 * these while parsing its options, before {@code main}, with or without a policy file.
 */
public record PolicyOptions(Duration budget, int queue, long allocation, boolean watch) {
    static final Duration DEFAULT_BUDGET = Duration.ofSeconds(1);
    static final int DEFAULT_QUEUE = 1024;
    static final long DEFAULT_ALLOCATION = 256L << 20;
    static final int HEAP_SHARE = 16;

    /** Throws {@link IllegalArgumentException} naming the first bad option. */
    public static void check(Map<String, String> options) {
        parse(options == null ? Map.of() : options);
    }

    static PolicyOptions parse(Map<String, String> o) {
        Duration budget = option(o, "budget", () -> Units.parseDuration(o.get("budget")), DEFAULT_BUDGET);
        if (budget.toMillis() < 10) {
            throw new IllegalArgumentException("budget=" + o.get("budget") + ": a handler needs at least 10ms");
        }
        int queue = option(o, "queue", () -> Units.parseWholeNumber(o.get("queue")), DEFAULT_QUEUE);
        if (queue < 1) {
            throw new IllegalArgumentException("queue=" + queue + ": must be at least 1");
        }
        long allocation = option(o, "allocation", () -> allocation(o.get("allocation").trim()), defaultAllocation());
        boolean watch;
        try {
            watch = Units.parseBoolean(o.getOrDefault("watch", "false")); // the one switch rule of every entry point
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("policy option watch=" + o.get("watch") + ": " + e.getMessage(), e);
        }
        return new PolicyOptions(budget, queue, allocation, watch);
    }

    /** The JVM's heap limit (-Xmx), or -1 when it has none. */
    static long maxHeap() {
        long max = Runtime.getRuntime().maxMemory();
        return max == Long.MAX_VALUE ? -1 : max;
    }

    /**
     * 256m, but never more than a sixteenth of the heap: on a 128 MiB heap a handler may allocate 8 MiB per call. Small,
     * because what a stopped handler kept (a list it filled) stays on the heap, and G1 lays a 1 MiB array over two regions.
     */
    static long defaultAllocation() {
        long heap = maxHeap();
        return heap < 0 ? DEFAULT_ALLOCATION : Math.min(DEFAULT_ALLOCATION, heap / HEAP_SHARE);
    }

    /** Bytes ({@code 64m}) or a share of the heap ({@code 25%}); never more than half the heap, which a handler could then fill. */
    private static long allocation(String text) {
        long heap = maxHeap();
        long bytes;
        if (text.endsWith("%")) {
            double percent = Double.parseDouble(text.substring(0, text.length() - 1).trim());
            if (!(percent > 0 && percent <= 50)) {
                throw new IllegalArgumentException("a share of the heap above 0% and at most 50%");
            }
            if (heap < 0) {
                throw new IllegalArgumentException("this JVM has no heap limit to take a share of; give bytes (64m)");
            }
            bytes = (long) (heap * percent / 100);
        } else {
            bytes = Units.parseBytes(text);
        }
        if (bytes < 1) {
            throw new IllegalArgumentException("must be positive");
        }
        if (heap > 0 && bytes > heap / 2) {
            throw new IllegalArgumentException("more than half of this JVM's heap (" + Units.formatBytes(heap)
                    + "): one handler call could exhaust the host's heap; give at most 50%");
        }
        return bytes;
    }

    private interface Parse<T> {
        T get();
    }

    private static <T> T option(Map<String, String> o, String key, Parse<T> parse, T fallback) {
        String v = o.get(key);
        if (v == null || v.isBlank()) {
            return fallback;
        }
        try {
            return parse.get();
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("policy option " + key + "=" + v + ": " + e.getMessage(), e);
        }
    }
}
