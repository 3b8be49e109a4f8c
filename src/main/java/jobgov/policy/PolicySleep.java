package jobgov.policy;

/**
 * {@code sleep(ms)} in a policy, statically imported so that it replaces Groovy's own {@code sleep}, which
 * sleeps on through interrupts: this one ends with an InterruptedException when the handler's budget is up, so
 * a sleeping handler is stopped instead of abandoned with its thread.
 */
public final class PolicySleep {
    private PolicySleep() {
    }

    public static void sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
    }
}
