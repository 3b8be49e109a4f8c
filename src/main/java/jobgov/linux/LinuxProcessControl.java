package jobgov.linux;

import java.util.Optional;
import java.util.function.LongPredicate;
import jobgov.job.ProcessControl;
import jobgov.job.ProcessInfo;

/** Linux's answer for processes outside any cgroup job (the degraded backend): /proc for facts, pidfds for signals. */
public final class LinuxProcessControl implements ProcessControl {
    @Override
    public boolean available() {
        return System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux");
    }

    @Override
    public Optional<ProcessInfo> process(long pid) {
        return ProcessStat.read(pid);
    }

    @Override
    public boolean canSignal() {
        return JobSignals.pidfdAvailable();
    }

    @Override
    public boolean signalIf(long pid, LongPredicate same, int signal) {
        return JobSignals.signalIf(pid, same, signal);
    }
}
