/*
 * fork-storm-guard: a process limit, and when it is hit, kill the tree that caused it.
 *
 * The job may hold at most `processes` tasks (on Linux pids.max counts threads too). When the kernel
 * refuses a fork (ActiveProcessLimit), the policy groups the job's processes by the root of their
 * subtree inside the job (a child of the host, or of whoever started it), and kills the largest
 * group with everything under it. The other trees, and the host JVM, keep running.
 * A notification (jobgov.policy.message) names the tree that was killed.
 *
 * Params: processes (default 64); share (default 0.5): the largest tree is only killed when it holds
 * at least this share of the limit, so a limit reached by many small trees kills nothing.
 * Events: ActiveProcessLimit. (The event's pid is 0 where the platform cannot say who forked.)
 */
int limit = param('processes', 64) as int
double share = param('share', 0.5) as double

job {
    processes limit
}

on(ActiveProcessLimit) { e ->
    def procs = job.processes
    def byPid = procs.collectEntries { [(it.pid): it] }
    // Climb parent links while the parent is in the job: that is the subtree's root.
    def rootOf = { p ->
        def r = p
        while (byPid[r.parentPid] != null) {
            r = byPid[r.parentPid]
        }
        r
    }
    def trees = procs.groupBy { rootOf(it).pid }
    if (trees.isEmpty()) {
        return
    }
    def largest = trees.max { it.value.size() }
    if (largest.value.size() < limit * share) {
        log.warn "process limit ${e.limit} hit, but no tree holds ${(share * 100) as int}% of it (largest: ${largest.value.size()}): nothing killed"
        return
    }
    def root = byPid[largest.key]
    int killed = job.killTree(root.pid)
    def msg = "fork storm: process limit ${e.limit} hit; killed ${killed} processes of the tree of pid ${root.pid} (${root.commandLine})"
    log.warn msg
    notify msg
}
