package jobgov.jmx;

import java.util.List;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import jobgov.job.CpuSet;
import jobgov.job.Job;
import jobgov.job.JobCounter;
import jobgov.job.JobCounters;
import jobgov.job.JobException;
import jobgov.job.JobLimits;
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

    @Override
    public long getJobMemoryLimitBytes() {
        return orZero(job.limits().jobMemoryBytes());
    }

    @Override
    public void setJobMemoryLimitBytes(long bytes) {
        change(b -> b.jobMemoryBytes(positiveOrNone("JobMemoryLimitBytes", bytes)));
    }

    @Override
    public long getProcessMemoryLimitBytes() {
        return orZero(job.limits().processMemoryBytes());
    }

    @Override
    public void setProcessMemoryLimitBytes(long bytes) {
        change(b -> b.processMemoryBytes(positiveOrNone("ProcessMemoryLimitBytes", bytes)));
    }

    @Override
    public int getActiveProcessLimit() {
        Integer v = job.limits().activeProcesses();
        return v == null ? 0 : v;
    }

    @Override
    public void setActiveProcessLimit(int processes) {
        Long v = positiveOrNone("ActiveProcessLimit", processes);
        change(b -> b.activeProcesses(v == null ? null : processes));
    }

    @Override
    public double getCpuRateLimitPercent() {
        Double v = job.limits().cpuRatePercent();
        return v == null ? 0 : v;
    }

    @Override
    public void setCpuRateLimitPercent(double percent) {
        if (percent < 0 || Double.isNaN(percent)) {
            throw new IllegalArgumentException("CpuRateLimitPercent must be 0 (no limit) or above 0 and at most 100, got " + percent);
        }
        change(b -> b.cpuRatePercent(percent == 0 ? null : percent));
    }

    @Override
    public int getCpuWeight() {
        Integer v = job.limits().cpuWeight();
        return v == null ? 0 : v;
    }

    @Override
    public void setCpuWeight(int weight) {
        Long v = positiveOrNone("CpuWeight", weight);
        change(b -> b.cpuWeight(v == null ? null : weight));
    }

    @Override
    public String getAffinity() {
        CpuSet cpus = job.limits().affinity();
        return cpus == null ? "" : cpus.toString();
    }

    @Override
    public void setAffinity(String cpus) {
        // "0" is CPU 0 here, as in the limit spec; empty or "none" clears the limit.
        boolean none = cpus == null || cpus.isBlank() || cpus.trim().equalsIgnoreCase("none");
        change(b -> b.affinity(none ? null : CpuSet.parse(cpus)));
    }

    @Override
    public boolean isKillOnClose() {
        return job.limits().killsOnClose();
    }

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

    private void change(UnaryOperator<JobLimits.Builder> edit) {
        run(() -> {
            synchronized (job) {
                job.setLimits(edit.apply(job.limits().toBuilder()).build());
            }
        });
    }

    private static Long positiveOrNone(String attribute, long v) {
        if (v < 0) {
            throw new IllegalArgumentException(attribute + " must be 0 (no limit) or positive, got " + v);
        }
        return v == 0 ? null : v;
    }

    private static long orZero(Long v) {
        return v == null ? 0 : v;
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
