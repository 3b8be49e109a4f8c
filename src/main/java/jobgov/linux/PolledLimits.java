package jobgov.linux;

import jobgov.job.JobLimits;

/**
 * The limits no cgroup file notifies on, so the event thread's tick checks them: job time and its notification
 * (the user time only grows), and the memory and IO notification thresholds (usage crosses them without an
 * event). While none is set the tick may slow down ({@link EventLoop#whenQuiet}).
 */
final class PolledLimits {
    private PolledLimits() {
    }

    static boolean any(JobLimits l) {
        return l.jobTime() != null || l.jobTimeNotify() != null || l.memoryNotifyBytes() != null
                || l.ioReadNotifyBytes() != null || l.ioWriteNotifyBytes() != null;
    }
}
