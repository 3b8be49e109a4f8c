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

    /** From /proc/PID/maps; a process whose maps cannot be read (another user's, without privilege) counts as no JVM. */
    @Override
    public Optional<Boolean> runsJvm(long pid) {
        java.nio.file.Path proc = java.nio.file.Path.of("/proc", Long.toString(pid));
        if (!java.nio.file.Files.isDirectory(proc)) {
            return Optional.empty();
        }
        try (java.util.stream.Stream<String> lines = java.nio.file.Files.lines(proc.resolve("maps"))) {
            return Optional.of(lines.anyMatch(l -> l.endsWith("/libjvm.so")));
        } catch (java.io.IOException | RuntimeException e) {
            return Optional.of(false);
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
