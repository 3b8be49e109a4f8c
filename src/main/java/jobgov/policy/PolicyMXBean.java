package jobgov.policy;

/**
 * {@code jobgov:type=Policy,name=NAME}: one loaded policy. Also a notification emitter:
 * {@code jobgov.policy.message} (the policy's {@code notify}), {@code jobgov.policy.error} (a handler
 * failed, ran over its budget, or a reload failed) and {@code jobgov.policy.reloaded}.
 */
public interface PolicyMXBean {
    /** The policy's name (the {@code name} option; the job's name by default). */
    String getName();

    /** The policy file, as an absolute path. */
    String getFile();

    /** The job the policy governs. */
    String getJob();

    /** When the running version was loaded (ISO-8601 instant). */
    String getLoadedAt();

    /** 1 for the first load, +1 for every successful reload. */
    int getVersion();

    long getReloads();

    long getReloadFailures();

    /** Handler calls (on and every) that ran, whether or not they succeeded. */
    long getHandlersRun();

    /** Handler calls that threw, or were stopped for allocating past the allocation budget. */
    long getHandlerErrors();

    /** Handler calls interrupted for running past the time budget. */
    long getHandlersTimedOut();

    /** Handler threads left behind because a handler ignored its interrupt. */
    long getHandlerThreadsAbandoned();

    /** Job events taken from the queue and handed to the handlers. */
    long getEventsDelivered();

    /** Job events dropped because the queue was full. */
    long getEventsDropped();

    /** Timer ticks skipped because the previous tick of that timer had not run yet (or the queue was full). */
    long getTicksSkipped();

    /** Events waiting now. */
    int getEventsQueued();

    int getQueueCapacity();

    long getBudgetMillis();

    long getAllocationBudgetBytes();

    /** The sub-jobs the policy created. */
    String[] getSubJobs();

    boolean isWatch();

    /** The last failure: time, where (handler and policy line) and what; empty when none. */
    String getLastError();

    /** Recompiles and re-runs the file; a policy that fails to compile or apply leaves the running one in place. Returns what was loaded. */
    String reload();
}
