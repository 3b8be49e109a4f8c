// A 30-line policy for the start-up benchmark (scripts/bench): limits, handlers, a timer.
// Its last statement prints "policy-live <epoch ms>", the moment the policy is live.
job {
    memory '512m'
    processes 256
    killOnClose true
}

on(ProcessExited) { e ->
    if (e.exitCode != 0) {
        log.warn "pid ${e.pid} exited ${e.exitCode}"
    }
}

on(AbnormalExit) { e ->
    log.warn "pid ${e.pid} killed by signal ${e.signal}"
}

on(ActiveProcessLimit) { e ->
    log.warn "process limit ${e.limit} reached"
}

on(JobMemoryLimit) { e ->
    log.error "memory limit hit: ${e.usageBytes} of ${e.limitBytes}"
    job.terminate(137)
}

on(ActiveProcessZero) { e -> log.info 'job empty' }

every('5s') { if (job.counters.activeProcesses > 200) job.limits { processes 512 } }

println "policy-live ${System.currentTimeMillis()}"
