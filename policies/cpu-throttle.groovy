/*
 * cpu-throttle: cap the job's CPU while it uses more than its budget, release the cap when it is idle.
 *
 * Every second the policy measures the job's CPU use (user + kernel time of every process in the job,
 * from the job's counters) as a share of the whole machine. When it stays above `budget` for `samples`
 * seconds in a row, the job gets a hard CPU cap of `cap` (Win32 CPU rate hard cap; on Linux the CFS quota
 * cpu.cfs_quota_us / cpu.max). When use falls below `idle` for `samples` seconds, the cap is removed
 * again. Each change is logged and sent as a jobgov.policy.message notification.
 *
 * Params: budget (default 25%), cap (default 10%), idle (default 5%), samples (default 2).
 * All percentages are of the whole machine (100% = every CPU busy).
 */
double budget = percent(param('budget', '25%'))
def cap = param('cap', '10%')
double idle = percent(param('idle', '5%'))
int samples = param('samples', 2) as int
int cpus = Runtime.runtime.availableProcessors()

long lastUsed = -1
long lastAt = 0
int over = 0
int under = 0
boolean throttled = false

every('1s') {
    def c = job.counters
    long used = c.totalUserTimeMillis + c.totalKernelTimeMillis
    long now = System.nanoTime()
    if (lastUsed >= 0 && used >= lastUsed) {
        double wallMillis = (now - lastAt) / 1e6
        double use = (used - lastUsed) * 100.0 / wallMillis / cpus
        over = use > budget ? over + 1 : 0
        under = use < idle ? under + 1 : 0
        if (!throttled && over >= samples) {
            job.limits { cpu cap }
            throttled = true
            def msg = "cpu-throttle: ${String.format('%.1f', use)}% of the machine is over the budget of ${budget}%: capped at ${cap}"
            log.warn msg
            notify msg
        } else if (throttled && under >= samples) {
            job.limits { cpu 'none' }
            throttled = false
            def msg = "cpu-throttle: idle (${String.format('%.1f', use)}%): cap released"
            log.info msg
            notify msg
        }
    }
    lastUsed = used
    lastAt = now
}
