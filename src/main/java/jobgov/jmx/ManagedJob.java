package jobgov.jmx;

import java.util.List;
import java.util.function.Supplier;
import jobgov.job.Job;
import jobgov.job.JobCounter;
import jobgov.job.JobCounters;
import jobgov.job.JobException;
import jobgov.job.JobLimits;
import jobgov.job.LimitCatalog;
import jobgov.job.LimitRefusedException;
import jobgov.job.LimitSpec;

/**
 * A {@link Job} seen through {@link JobMXBean}. Every error leaves as a plain JDK exception carrying the
 * message only (IllegalArgumentException for a refused or malformed limit, IllegalStateException for a
 * job that cannot do it now), because a remote JMX client has no jobgov classes to deserialize ours.
 */
final class ManagedJob implements JobMXBean {
    private final Job job;
    private final JobHealth health;

    ManagedJob(Job job, JobHealth health) {
        this.job = job;
        this.health = health;
    }

    @Override public String getName() { return job.name(); }
    @Override public String getBackend() { return job.backend(); }
    @Override public String getLocation() { return call(job::location); }
    @Override public String getEventSource() { return call(job::eventSource); }
    @Override public long[] getProcessIds() { return pids(); }
    @Override public long getActiveProcesses() { return counter(JobCounter.ACTIVE_PROCESSES); }
    @Override public long getTotalProcesses() { return counter(JobCounter.TOTAL_PROCESSES); }
    @Override public long getTotalTerminatedProcesses() { return counter(JobCounter.TOTAL_TERMINATED_PROCESSES); }
    @Override public long getTotalUserTimeMillis() { return counter(JobCounter.TOTAL_USER_TIME_MILLIS); }
    @Override public long getTotalKernelTimeMillis() { return counter(JobCounter.TOTAL_KERNEL_TIME_MILLIS); }
    @Override public long getTotalPageFaults() { return counter(JobCounter.TOTAL_PAGE_FAULTS); }
    @Override public long getJobMemoryUsedBytes() { return counter(JobCounter.JOB_MEMORY_USED_BYTES); }
    @Override public long getPeakJobMemoryUsedBytes() { return counter(JobCounter.PEAK_JOB_MEMORY_USED_BYTES); }
    @Override public long getPeakProcessMemoryUsedBytes() { return counter(JobCounter.PEAK_PROCESS_MEMORY_USED_BYTES); }
    @Override public long getReadOperations() { return counter(JobCounter.READ_OPERATIONS); }
    @Override public long getWriteOperations() { return counter(JobCounter.WRITE_OPERATIONS); }
    @Override public long getOtherOperations() { return counter(JobCounter.OTHER_OPERATIONS); }
    @Override public long getReadBytes() { return counter(JobCounter.READ_BYTES); }
    @Override public long getWriteBytes() { return counter(JobCounter.WRITE_BYTES); }
    @Override public long getOtherBytes() { return counter(JobCounter.OTHER_BYTES); }

    // The limit attributes: each reads and writes its LimitCatalog row (0 or "" = no limit).
    @Override public long getJobMemoryLimitBytes() { return (long) limit("JobMemoryLimitBytes"); }
    @Override public void setJobMemoryLimitBytes(long bytes) { setLimit("JobMemoryLimitBytes", bytes); }
    @Override public long getProcessMemoryLimitBytes() { return (long) limit("ProcessMemoryLimitBytes"); }
    @Override public void setProcessMemoryLimitBytes(long bytes) { setLimit("ProcessMemoryLimitBytes", bytes); }
    @Override public int getActiveProcessLimit() { return (int) limit("ActiveProcessLimit"); }
    @Override public void setActiveProcessLimit(int processes) { setLimit("ActiveProcessLimit", processes); }
    @Override public double getCpuRateLimitPercent() { return (double) limit("CpuRateLimitPercent"); }
    @Override public void setCpuRateLimitPercent(double percent) { setLimit("CpuRateLimitPercent", percent); }
    @Override public int getCpuWeight() { return (int) limit("CpuWeight"); }
    @Override public void setCpuWeight(int weight) { setLimit("CpuWeight", weight); }
    /** "0" is CPU 0 here, as in the limit spec; empty or "none" clears the limit. */
    @Override public String getAffinity() { return (String) limit("Affinity"); }
    @Override public void setAffinity(String cpus) { setLimit("Affinity", cpus == null ? "" : cpus); }
    @Override public boolean isKillOnClose() { return (boolean) limit("KillOnClose"); }

    @Override
    public boolean isKillOnCloseArmed() {
        return job.limits().killsOnClose() && !health.watchdogGaveUp();
    }

    @Override public long getEventFailures() { return health.eventFailures(); }
    @Override public String getLastEventFailure() { return health.lastEventFailure(); }
    @Override public long getWatchdogRestarts() { return health.watchdogRestarts(); }

    @Override
    public String getLimitSpec() {
        return LimitSpec.format(job.limits());
    }

    @Override
    public LimitsView getLimits() {
        return OpenLimits.of(job.limits());
    }

    @Override
    public CountersView getCounters() {
        return OpenCounters.of(counters());
    }

    @Override
    public void terminate(int exitCode) {
        run(() -> job.terminate(exitCode));
    }

    @Override
    public void changeLimits(String spec) {
        run(() -> job.setLimits(spec == null ? "" : spec));
    }

    @Override
    public long[] pids() {
        List<Long> pids = call(job::pids);
        return pids.stream().mapToLong(Long::longValue).toArray();
    }

    private JobCounters counters() {
        return call(job::counters);
    }

    /** One attribute reads only its own counter. */
    private long counter(JobCounter which) {
        return call(() -> job.counter(which));
    }

    private Object limit(String attribute) {
        return OpenLimits.item("get" + attribute).jmxValue(job.limits());
    }

    private void setLimit(String attribute, Object value) {
        LimitCatalog.Row row = OpenLimits.item("get" + attribute);
        run(() -> {
            Object v = row.fromJmx(attribute, value);
            synchronized (job) {
                JobLimits.Builder b = job.limits().toBuilder();
                row.set().accept(b, v);
                job.setLimits(b.build());
            }
        });
    }

    private static void run(Runnable action) {
        call(() -> {
            action.run();
            return null;
        });
    }

    private static <T> T call(Supplier<T> action) {
        try {
            return action.get();
        } catch (LimitRefusedException | IllegalArgumentException e) {
            throw new IllegalArgumentException(e.getMessage());
        } catch (JobException | IllegalStateException e) {
            throw new IllegalStateException(e.getMessage());
        } catch (RuntimeException e) {
            throw new IllegalStateException(e.getClass().getSimpleName() + ": " + e.getMessage());
        }
    }
}
