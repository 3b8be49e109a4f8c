package jobgov.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The offset of this process's CLOCK_MONOTONIC from the kernel's own (a time namespace, {@code
 * /proc/self/timens_offsets}; 0 outside one or on kernels without them): what turns a kernel timestamp, such as the
 * process-events connector's, into a value comparable with {@link System#nanoTime()}.
 */
final class TimeNamespace {
    private TimeNamespace() {
    }

    static long monotonicOffsetNanos() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/timens_offsets"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length == 3 && f[0].equals("monotonic")) {
                    return Long.parseLong(f[1]) * 1_000_000_000L + Long.parseLong(f[2]);
                }
            }
        } catch (IOException | RuntimeException e) {
            // no time namespaces here: the clocks are the kernel's
        }
        return 0;
    }
}
