/*
 * memory-guard: warn early, stop hard.
 *
 * The job gets a hard memory limit and, below it, a memory notification limit (the Win32
 * JobObjectNotificationLimitInformation; on Linux the backend watches the job's memory usage).
 *  - Crossing the soft threshold: a warning in the log and a JMX notification jobgov.policy.message
 *    ("memory soft limit: ..."); the job keeps running.
 *  - Reaching the hard limit (the kernel's OOM killer ran inside the job): the whole job is terminated
 *    with exit code 137, so no half-dead process tree is left behind, and a notification says why.
 *
 * Params (load option param.NAME=VALUE): hard (default 256m), soft (default 75% of hard).
 * Events: NotificationLimit (memory), JobMemoryLimit.
 */
def hard = size(param('hard', '256m'))
def soft = size(param('soft', (long) (hard * 0.75)))

job {
    memory hard
    memoryNotify soft
}

on(NotificationLimit) { e ->
    if (e.limit == Limit.MEMORY_NOTIFICATION) {
        def msg = "memory soft limit: ${e.reportedValue >> 20} MiB used, warning at ${e.limitValue >> 20} MiB, hard limit ${hard >> 20} MiB"
        log.warn msg
        notify msg
    }
}

on(JobMemoryLimit) { e ->
    def msg = "memory hard limit ${e.limitBytes >> 20} MiB reached (OOM kills: ${e.oomKills}): terminating the job"
    log.error msg
    notify msg
    job.terminate(137)
}
