package jobgov.jmx;

import jobgov.job.JobEvent;

/**
 * What went wrong in a job's own machinery while the host runs, as the Job MBean shows it: failures of the
 * event thread (which survives them) and the kill-on-close watchdog's deaths, restarts and giving up. Learnt
 * from the job's events, so every backend that reports them is covered.
 */
final class JobHealth {
    private volatile long eventFailures;
    private volatile String lastEventFailure = "";
    private volatile long watchdogRestarts;
    private volatile boolean watchdogGaveUp;

    void seen(JobEvent event) {
        if (event instanceof JobEvent.EventThreadFailed f) {
            lastEventFailure = f.time() + " " + f.thread() + ": " + f.error(); // first: a reader that sees the count sees it
            eventFailures = Math.max(eventFailures, f.failures());
        } else if (event instanceof JobEvent.WatchdogRestarted r) {
            watchdogRestarts++;
            if (r.replacementPid() == 0) {
                watchdogGaveUp = true;
            }
        } else if (event instanceof JobEvent.WatchdogGaveUp) {
            watchdogGaveUp = true;
        }
    }

    long eventFailures() {
        return eventFailures;
    }

    String lastEventFailure() {
        return lastEventFailure;
    }

    long watchdogRestarts() {
        return watchdogRestarts;
    }

    boolean watchdogGaveUp() {
        return watchdogGaveUp;
    }
}
