package jobgov.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import jobgov.job.CpuSet;

/** The machine's online CPUs: a cpu hard cap is a share of all of them, not of this JVM's affinity. */
final class OnlineCpus {
    private static final Path ONLINE = Path.of("/sys/devices/system/cpu/online");

    private OnlineCpus() {
    }

    static int count() {
        try {
            String online = Files.readString(ONLINE, StandardCharsets.US_ASCII).strip();
            if (!online.isEmpty()) {
                return CpuSet.parse(online).cpus().cardinality();
            }
        } catch (IOException | IllegalArgumentException ignored) {
            // fall through: what this JVM may use is the best guess left
        }
        return Runtime.getRuntime().availableProcessors();
    }
}
