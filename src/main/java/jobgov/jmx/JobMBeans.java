package jobgov.jmx;

import jobgov.job.Job;

/**
 * Registers a job as {@code jobgov:type=Job,name=NAME} in the platform MBeanServer. STUB: the agent work
 * replaces this class; the signature is the contract the policy engine (sub-jobs) and the CLI call.
 */
public final class JobMBeans {
    private JobMBeans() {
    }

    /** Registers the MXBean and its notifications; close() unregisters it. */
    public static AutoCloseable register(Job job) {
        throw new UnsupportedOperationException("the Job MBean is not built yet");
    }
}
