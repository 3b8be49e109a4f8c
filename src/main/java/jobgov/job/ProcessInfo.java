package jobgov.job;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * One process as the platform reports it: {@code pid}, {@code parentPid}, {@code commandLine} (arguments
 * joined by spaces; empty when the platform cannot tell), {@code cpuTime} (user + system), {@code age} (wall
 * time since it started) and {@code residentBytes} (-1 when the platform cannot tell). Read by the backend
 * ({@link JobBackend#process}), so no layer above it reads /proc or calls the Win32 API.
 */
public record ProcessInfo(long pid, long parentPid, String commandLine, Duration cpuTime, Duration age, long residentBytes) {
    /** What the JDK's ProcessHandle tells of {@code pid}, for a platform without a richer source. */
    public static Optional<ProcessInfo> fromProcessHandle(long pid) {
        return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(h -> {
            ProcessHandle.Info i = h.info();
            Duration age = i.startInstant().map(s -> Duration.between(s, Instant.now())).orElse(Duration.ZERO);
            return new ProcessInfo(pid, h.parent().map(ProcessHandle::pid).orElse(0L), i.commandLine().orElse(""),
                    i.totalCpuDuration().orElse(Duration.ZERO), age.isNegative() ? Duration.ZERO : age, -1);
        });
    }
}
