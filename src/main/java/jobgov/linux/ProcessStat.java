package jobgov.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import jobgov.job.ProcessInfo;

/** A process's facts from /proc/PID/stat, /proc/PID/cmdline and /proc/uptime (the Linux backends' {@code process(pid)}). */
public final class ProcessStat {
    private static final long TICKS_PER_SECOND = 100; // USER_HZ, fixed at 100 on every Linux ABI
    private static final long PAGE_SIZE = 4096;

    private ProcessStat() {
    }

    /** The process now, or empty when it is gone (or /proc is not there). */
    public static Optional<ProcessInfo> read(long pid) {
        try {
            String[] f = fields(pid);
            long ppid = Long.parseLong(f[1]);
            long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
            long startTicks = Long.parseLong(f[19]);
            long rssPages = Long.parseLong(f[21]);
            double uptime = Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
            long ageMillis = Math.max(0, Math.round(uptime * 1000) - startTicks * 1000 / TICKS_PER_SECOND);
            return Optional.of(new ProcessInfo(pid, ppid, commandLine(pid), Duration.ofMillis(ticks * 1000 / TICKS_PER_SECOND),
                    Duration.ofMillis(ageMillis), rssPages * PAGE_SIZE));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /**
     * The fields of /proc/PID/stat after the command name, from field 3 (the state) on: index {@code n - 3} is field
     * {@code n} of proc(5). The command name is in parentheses and may itself hold ") ", so they follow the last ')'.
     */
    static String[] fields(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
    }

    /** /proc/PID/cmdline with the NULs as spaces; empty for a kernel thread, a zombie, or a process that is gone. */
    static String commandLine(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"));
            int n = raw.length;
            while (n > 0 && raw[n - 1] == 0) {
                n--;
            }
            for (int i = 0; i < n; i++) {
                if (raw[i] == 0) {
                    raw[i] = ' ';
                }
            }
            return new String(raw, 0, n, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "";
        }
    }
}
