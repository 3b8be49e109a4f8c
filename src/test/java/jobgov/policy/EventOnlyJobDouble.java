package jobgov.policy;

import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import jobgov.job.BackendJob;
import jobgov.job.Job;
import jobgov.job.JobBackend;
import jobgov.job.JobCounters;
import jobgov.job.JobEvent;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.Limit;

/**
 * A TEST DOUBLE of a job backend for the pure engine-logic tests of the policy engine (compile errors,
 * handler failures, budgets, queue, reload): it holds limits in memory, enforces nothing, has no
 * processes, and lets the test play the event pump with {@link #fire}. Every test of what a policy does
 * to processes uses the real cgroup backend instead.
 */
final class EventOnlyJobDouble implements JobBackend {
    private volatile Consumer<JobEvent> pump;
    private volatile JobLimits applied = JobLimits.NONE;

    static EventOnlyJobDouble create() {
        return new EventOnlyJobDouble();
    }

    Job job(String name) {
        return Job.create(this, JobSpec.named(name));
    }

    /** Delivers an event as the backend's event thread would, on the caller's thread. */
    void fire(JobEvent event) {
        pump.accept(event);
    }

    /** The limits the engine last applied. */
    JobLimits applied() {
        return applied;
    }

    @Override
    public String name() {
        return "event-only-test-double";
    }

    @Override
    public int priority() {
        return -1;
    }

    @Override
    public Optional<String> unavailableReason() {
        return Optional.empty();
    }

    @Override
    public Set<Limit> capabilities() {
        return EnumSet.allOf(Limit.class);
    }

    @Override
    public BackendJob create(JobSpec spec, Consumer<JobEvent> events) {
        pump = events;
        applied = spec.limits();
        return handle(true);
    }

    private BackendJob handle(boolean top) {
        return new BackendJob() {
            @Override
            public void assign(long pid) {
                throw new UnsupportedOperationException("test double: no processes");
            }

            @Override
            public Process start(ProcessBuilder command) {
                throw new UnsupportedOperationException("test double: no processes");
            }

            @Override
            public List<Long> pids() {
                return List.of();
            }

            @Override
            public void apply(JobLimits next, JobLimits current) {
                if (top) {
                    applied = next;
                }
            }

            @Override
            public JobCounters counters() {
                return JobCounters.NONE;
            }

            @Override
            public void terminate(int exitCode) {
            }

            @Override
            public java.util.Set<Long> kill(java.util.Collection<Long> pids) {
                return java.util.Set.of(); // no processes
            }

            @Override
            public BackendJob createChild(JobSpec spec, Consumer<JobEvent> events) {
                return handle(false);
            }

            @Override
            public String location() {
                return "test double";
            }

            @Override
            public void close() {
            }
        };
    }
}
