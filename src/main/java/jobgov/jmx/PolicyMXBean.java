package jobgov.jmx;

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

    /** Every faulty handler call: it threw (any Throwable), ran past its time budget, or allocated past its allocation budget. */
    long getHandlerErrors();

    /** Handler calls interrupted for running past the time budget (also counted in HandlerErrors). */
    long getHandlersTimedOut();

    /** Handler threads left behind because a handler ignored its interrupt (ever). */
    long getHandlerThreadsAbandoned();

    /** Abandoned handler threads still alive now. */
    int getHandlerThreadsStuck();

    /** Handlers disabled (after too many abandoned threads or allocation stops), each with time and reason; a reload enables them again. */
    String[] getDisabledHandlers();

    /** Why the whole policy is disabled (too many abandoned threads), with the time; empty while it runs. */
    String getDisabled();

    /** How often the policy thread had to start its loop over after a Throwable (an OutOfMemoryError, say). */
    long getPolicyThreadRestarts();

    /** Job events handed to at least one handler (events no handler takes are not counted). */
    long getEventsDelivered();

    /** Job events dropped because the queue, or the backlog of every handler that takes them, was full. */
    long getEventsDropped();

    /** Timer ticks skipped because the previous tick of that timer had not run yet (or the queue was full). */
    long getTicksSkipped();

    /** Events waiting now. */
    int getEventsQueued();

    int getQueueCapacity();

    long getBudgetMillis();

    /** Bytes one handler call may allocate (the {@code allocation} option; by default at most a sixteenth of the heap). */
    long getAllocationBudgetBytes();

    /** The sub-jobs the policy created. */
    String[] getSubJobs();

    boolean isWatch();

    /** The last failure: time, where (handler and policy line) and what; empty when none. */
    String getLastError();

    /** Recompiles and re-runs the file; a policy that fails to compile or apply leaves the running one in place. Returns what was loaded. */
    String reload();
}
