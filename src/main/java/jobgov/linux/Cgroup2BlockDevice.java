package jobgov.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import jobgov.job.JobException;

/**
 * Turns the {@code io-device} limit ({@code /dev/vda}, {@code vda} or {@code 254:0}) into the
 * {@code MAJ:MIN} of a whole disk, which is what {@code io.max} is keyed by. A partition resolves to its
 * disk, since the IO controller throttles disks.
 */
public final class Cgroup2BlockDevice {
    private Cgroup2BlockDevice() {
    }

    public static String numbers(String device, Path sysClassBlock) {
        String spec = device.trim();
        if (spec.matches("\\d+:\\d+")) {
            return spec;
        }
        String name;
        try {
            Path p = Path.of(spec);
            name = (p.isAbsolute() && Files.exists(p) ? p.toRealPath() : p).getFileName().toString();
        } catch (IOException | RuntimeException e) {
            throw new JobException("io-device '" + device + "': " + e.getMessage(), e);
        }
        Path entry = sysClassBlock.resolve(name);
        if (!Files.isRegularFile(entry.resolve("dev"))) {
            throw new JobException("io-device '" + device + "' is not a block device (no " + entry.resolve("dev")
                    + "); name a disk such as /dev/sda, sda or its MAJ:MIN numbers");
        }
        try {
            if (Files.exists(entry.resolve("partition"))) {
                entry = entry.toRealPath().getParent();
            }
            return Files.readString(entry.resolve("dev"), StandardCharsets.UTF_8).trim();
        } catch (IOException e) {
            throw new JobException("io-device '" + device + "': cannot read " + entry + ": " + e.getMessage(), e);
        }
    }
}
