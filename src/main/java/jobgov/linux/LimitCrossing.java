package jobgov.linux;

/**
 * One event per crossing of a kernel-enforced limit. While usage hovers at {@code memory.max} the kernel
 * counts every reclaim that hit it ({@code memory.events} max), and a fork loop at {@code pids.max} every
 * refused fork: many increments, one crossing (Windows' job object sends JOB_MEMORY_LIMIT once, too).
 * A crossing starts at the first increment and ends when a {@link #settle} finds the counter unchanged
 * since the previous one and usage back under the limit by 1/16 of it (at least 1), so the next
 * increment is a new crossing. Not thread-safe: the job's event thread owns it.
 */
final class LimitCrossing {
    private long count;
    private long countAtSettle;
    private boolean inside;

    /** @param count the kernel's counter when the job's watching began (earlier increments are not crossings) */
    LimitCrossing(long count) {
        this.count = count;
        this.countAtSettle = count;
    }

    /** The kernel's counter read again: true when it went up outside a crossing (report one event). */
    boolean counted(long now) {
        boolean up = now > count;
        count = now;
        if (up && !inside) {
            inside = true;
            return true;
        }
        return false;
    }

    /** Called periodically with the usage now and the limit (negative: unknown, then only a still counter counts). */
    void settle(long usage, long limit) {
        boolean still = count == countAtSettle;
        countAtSettle = count;
        if (inside && still && usage >= 0 && (limit < 0 || usage < limit - Math.max(1, limit / 16))) {
            inside = false;
        }
    }

    boolean inside() {
        return inside;
    }
}
