package jobgov.policy;

import java.lang.management.ManagementFactory;

/**
 * The allocation budget of the handler call running on this thread, checked by the policy itself: the compiler
 * weaves {@link #exceeded()} into every loop, closure and method of a policy ({@link PolicyInterrupt}), so a
 * Groovy loop that allocates stops within one iteration of its budget, however busy the machine is. Allocation
 * inside one long Java call is caught by the dispatcher's budget thread instead.
 */
public final class PolicyBudget {
    private static final ThreadLocal<PolicyBudget> CURRENT = new ThreadLocal<>();
    private static final com.sun.management.ThreadMXBean THREADS = threads();

    private final long limit;
    private final long before;
    private final Runnable over;
    private boolean exceeded;

    private PolicyBudget(long limit, long before, Runnable over) {
        this.limit = limit;
        this.before = before;
        this.over = over;
    }

    /** The call starting on this thread may allocate {@code limit} bytes from now on; {@code over} runs once when it has gone past. */
    static void begin(long limit, Runnable over) {
        long now = allocatedHere();
        CURRENT.set(limit > 0 && now >= 0 ? new PolicyBudget(limit, now, over) : null);
    }

    static void end() {
        CURRENT.remove();
    }

    /** True (and from then on) once the running handler call allocated past its budget; the woven check then throws. */
    public static boolean exceeded() {
        PolicyBudget b = CURRENT.get();
        if (b == null) {
            return false;
        }
        if (b.exceeded) {
            return true;
        }
        long now = allocatedHere();
        if (now >= 0 && now - b.before > b.limit) {
            b.exceeded = true;
            try {
                b.over.run();
            } catch (Throwable t) {
                // describing the fault failed (heap short): the check still stops the handler
            }
            return true;
        }
        return false;
    }

    private static long allocatedHere() {
        try {
            return THREADS == null ? -1 : THREADS.getCurrentThreadAllocatedBytes();
        } catch (RuntimeException | LinkageError e) {
            return -1;
        }
    }

    private static com.sun.management.ThreadMXBean threads() {
        try {
            if (ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean mx && mx.isThreadAllocatedMemorySupported()
                    && mx.isThreadAllocatedMemoryEnabled()) {
                return mx;
            }
        } catch (RuntimeException | LinkageError e) {
            // not HotSpot: the time budget alone applies
        }
        return null;
    }
}
