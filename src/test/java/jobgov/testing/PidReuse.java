package jobgov.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Test support: strangers that receive a chosen, just-freed pid. A shell started when this object is made (so
 * outside any job created later) writes {@code PID-1} to {@code /proc/sys/kernel/ns_last_pid} and forks a
 * {@code sleep} at once: the kernel hands out the next pid, PID, unless another process on the machine forked in
 * those microseconds ({@link #strangerAt} then says so and the caller tries again). Needs root.
 * Every stranger is killed on {@link #close()} (they are this launcher's children, alive: their pids are theirs).
 */
public final class PidReuse implements AutoCloseable {
    private final Process launcher;
    private final OutputStream in;
    private final BufferedReader out;
    private final String marker;
    private final List<Long> strangers = new ArrayList<>();

    public PidReuse() throws IOException {
        Requirements.require(Requirements.isRoot() && Files.isWritable(Path.of("/proc/sys/kernel/ns_last_pid")),
                "needs root and /proc/sys/kernel/ns_last_pid to hand a freed pid to a stranger");
        marker = "2000." + Math.abs(UUID.randomUUID().getMostSignificantBits() % 1_000_000);
        launcher = new ProcessBuilder("/bin/sh", "-c",
                "while read n; do echo $n > /proc/sys/kernel/ns_last_pid; sleep " + marker + " & echo $!; done")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        in = launcher.getOutputStream();
        out = new BufferedReader(new InputStreamReader(launcher.getInputStream(), StandardCharsets.UTF_8));
    }

    /** The cgroup of the launcher (where the strangers are born), as /proc says. */
    public long launcherPid() {
        return launcher.pid();
    }

    /** Forks a stranger that holds {@code pid} (free now), or empty when another process got it first. */
    public Optional<Long> strangerAt(long pid) throws IOException {
        in.write(((pid - 1) + "\n").getBytes(StandardCharsets.US_ASCII));
        in.flush();
        String line = out.readLine();
        if (line == null) {
            throw new IOException("the stranger launcher died");
        }
        long got = Long.parseLong(line.trim());
        strangers.add(got);
        return got == pid ? Optional.of(got) : Optional.empty();
    }

    /** The pid of the stranger forked last (whether or not it got the pid asked for). */
    public long lastStranger() {
        return strangers.get(strangers.size() - 1);
    }

    /** Whether the stranger at {@code pid} is still alive and not stopped (state neither Z, X nor T). */
    public static boolean runs(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X' && state != 'T' && state != 't';
        } catch (IOException e) {
            return false;
        }
    }

    /** The marker on every stranger's command line ({@code sleep MARKER}). */
    public String marker() {
        return marker;
    }

    @Override
    public void close() throws Exception {
        for (long pid : strangers) {
            ProcessHandle.of(pid).filter(h -> h.info().commandLine().orElse("").contains(marker)).ifPresent(ProcessHandle::destroyForcibly);
        }
        launcher.destroyForcibly();
        launcher.waitFor();
    }
}
