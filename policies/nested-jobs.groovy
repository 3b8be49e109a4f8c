/*
 * nested-jobs: give chosen child commands their own job, with their own memory and CPU caps.
 *
 * Declares a sub-job (a nested job: a child cgroup on Linux, a nested Job Object on Windows) and moves
 * every process of the job whose command line matches `match` into it, as it appears (NewProcess) or
 * at the latest within a second. Inside, the sub-job's limits apply on top of the job's: a python3 that
 * allocates too much is stopped by its own memory limit while the rest of the job runs on. Processes
 * the moved ones start are in the sub-job from birth. Sub-job events reach the handlers too, with the
 * sub-job as the second handler argument; this one reports the sub-job's OOM kills.
 * The sub-job gets its own MBean jobgov:type=Job,name=NAME.
 *
 * Params: name (default python), match (default \bpython3?\b), memory (default 256m), cpu (default 25%).
 */
def subName = param('name', 'python')

subjob(subName) {
    memory param('memory', '256m')
    cpu param('cpu', '25%')
    match param('match', /\bpython3?\b/)
}

on(JobMemoryLimit) { e, j ->
    if (j.name == subName) {
        def msg = "sub-job ${j.name}: memory limit ${e.limitBytes >> 20} MiB reached, the kernel killed a process (OOM kills: ${e.oomKills})"
        log.warn msg
        notify msg
    }
}
