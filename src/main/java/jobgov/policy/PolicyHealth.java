package jobgov.policy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One reading of a running policy's state: what the Policy MBean and the metrics show, taken at once by
 * {@link PolicyRuntime#health()} so that the views above the policy layer need none of its internals.
 *
 * @param handlerThreadsAbandoned handler threads given up on (stuck past their budget, replaced by a new one)
 * @param disabled                why the whole policy is disabled, or "" while it runs
 * @param policyThreadRestarts    restarts of the thread that hands events to the handlers
 * @param allocationBudgetBytes   bytes one handler call may allocate (0: no allocation budget)
 * @param lastError               the last handler failure, budget overrun or reload failure, or ""
 */
public record PolicyHealth(
        String name,
        String file,
        String job,
        Instant loadedAt,
        int version,
        long reloads,
        long reloadFailures,
        long handlersRun,
        long handlerErrors,
        long handlersTimedOut,
        long handlerThreadsAbandoned,
        int handlerThreadsStuck,
        List<String> disabledHandlers,
        String disabled,
        long policyThreadRestarts,
        long eventsDelivered,
        long eventsDropped,
        long ticksSkipped,
        int eventsQueued,
        int queueCapacity,
        Duration budget,
        long allocationBudgetBytes,
        List<String> subJobs,
        boolean watch,
        String lastError) {
    public PolicyHealth {
        disabledHandlers = List.copyOf(disabledHandlers);
        subJobs = List.copyOf(subJobs);
    }
}
