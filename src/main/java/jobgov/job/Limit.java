package jobgov.job;

/**
 * Every kind of limit a job can carry: the Win32 basic, extended, UI, CPU-rate, net-rate, IO-rate
 * and notification-limit classes. Backends report which of these they enforce; asking for one they
 * do not enforce is refused with {@link LimitRefusedException}, never silently ignored.
 */
public enum Limit {
    JOB_MEMORY("memory", "job memory limit (JOB_OBJECT_LIMIT_JOB_MEMORY)"),
    PROCESS_MEMORY("process-memory", "per-process memory limit (JOB_OBJECT_LIMIT_PROCESS_MEMORY)"),
    WORKING_SET("working-set", "minimum/maximum working set (JOB_OBJECT_LIMIT_WORKINGSET)"),
    ACTIVE_PROCESSES("processes", "active process limit (JOB_OBJECT_LIMIT_ACTIVE_PROCESS)"),
    CPU_RATE("cpu", "CPU hard cap, percent of the machine (JOB_OBJECT_CPU_RATE_CONTROL_HARD_CAP)"),
    CPU_WEIGHT("cpu-weight", "CPU weight 1-9 (JOB_OBJECT_CPU_RATE_CONTROL_WEIGHT_BASED)"),
    CPU_MIN_MAX("cpu-min/cpu-max", "CPU minimum/maximum rate (JOB_OBJECT_CPU_RATE_CONTROL_MIN_MAX_RATE)"),
    AFFINITY("affinity", "processor affinity (JOB_OBJECT_LIMIT_AFFINITY)"),
    PRIORITY_CLASS("priority-class", "priority class (JOB_OBJECT_LIMIT_PRIORITY_CLASS)"),
    SCHEDULING_CLASS("scheduling-class", "scheduling class 0-9 (JOB_OBJECT_LIMIT_SCHEDULING_CLASS)"),
    PROCESS_TIME("process-time", "per-process user time (JOB_OBJECT_LIMIT_PROCESS_TIME)"),
    JOB_TIME("job-time", "per-job user time (JOB_OBJECT_LIMIT_JOB_TIME)"),
    KILL_ON_CLOSE("kill-on-close", "kill every process when the job closes (JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE)"),
    DIE_ON_UNHANDLED_EXCEPTION("die-on-unhandled-exception", "no error dialog on unhandled exceptions (JOB_OBJECT_LIMIT_DIE_ON_UNHANDLED_EXCEPTION)"),
    BREAKAWAY("breakaway", "children may break away (JOB_OBJECT_LIMIT_BREAKAWAY_OK / SILENT_BREAKAWAY_OK)"),
    UI_RESTRICTIONS("ui-restrictions", "user-interface restrictions (JOBOBJECT_BASIC_UI_RESTRICTIONS)"),
    IO_RATE("io-bandwidth/io-iops", "IO bandwidth / IOPS cap (JOBOBJECT_IO_RATE_CONTROL_INFORMATION)"),
    NET_RATE("net-bandwidth/net-dscp", "network bandwidth cap and DSCP tag (JOBOBJECT_NET_RATE_CONTROL_INFORMATION)"),
    MEMORY_NOTIFICATION("memory-notify", "job memory notification limit (JobObjectNotificationLimitInformation)"),
    JOB_TIME_NOTIFICATION("job-time-notify", "per-job user time notification limit (JobObjectNotificationLimitInformation)"),
    IO_NOTIFICATION("io-read-notify/io-write-notify", "IO bytes notification limits (JobObjectNotificationLimitInformation)");

    private final String key;
    private final String description;

    Limit(String key, String description) {
        this.key = key;
        this.description = description;
    }

    /** The option name(s) users write for this limit, as in {@code --memory} or {@code memory=512m}. */
    public String key() {
        return key;
    }

    public String description() {
        return description;
    }
}
