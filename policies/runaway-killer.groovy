/*
 * runaway-killer: kill a child that has used too much CPU time or run too long.
 *
 * Every second the policy looks at each process of the job (never the host JVM) and SIGKILLs one
 * whose CPU time (user + system) is over `maxCpu`, or whose age (wall time since it started) is over
 * `maxWall`. Processes whose command line matches `exempt` are left alone. Each kill is logged and
 * sent as a jobgov.policy.message notification. Only that process dies: its children stay.
 * (For a per-process CPU limit the kernel enforces itself, use the limit processTime instead.)
 *
 * Params: maxCpu (default 60s), maxWall (default 1h), exempt (a regex, default: none).
 */
Duration maxCpu = duration(param('maxCpu', '60s'))
Duration maxWall = duration(param('maxWall', '1h'))
def exempt = param('exempt', null)
def exemptPattern = exempt == null ? null : ~exempt

every('1s') {
    for (p in job.processes) {
        if (exemptPattern != null && p.commandLine =~ exemptPattern) {
            continue
        }
        String why = p.cpuTime > maxCpu ? "used ${p.cpuMillis} ms of CPU (max ${maxCpu.toMillis()} ms)"
                : p.age > maxWall ? "ran ${p.age.toSeconds()} s (max ${maxWall.toSeconds()} s)" : null
        if (why != null && job.kill(p.pid)) {
            def msg = "runaway: killed pid ${p.pid} (${p.commandLine}): ${why}"
            log.warn msg
            notify msg
        }
    }
}
