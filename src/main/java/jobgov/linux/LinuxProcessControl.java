package jobgov.linux;

import java.util.Optional;
import java.util.function.LongPredicate;
import jobgov.job.ProcessControl;
import jobgov.job.ProcessInfo;

/** Linux's answer for processes outside any cgroup job (the degraded backend, file checks): /proc for facts and the own uid, pidfds for signals. */
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

    /** /proc/self belongs to the process's effective user. */
    @Override
    public int ownUid() {
        try {
            return (Integer) java.nio.file.Files.getAttribute(java.nio.file.Path.of("/proc/self"), "unix:uid");
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
    }

    @Override
    public boolean ended(long pid) {
        try {
            char state = ProcessStat.fields(pid)[0].charAt(0);
            return state == 'Z' || state == 'X';
        } catch (java.io.IOException | RuntimeException e) {
            return true; // gone
        }
    }
}
