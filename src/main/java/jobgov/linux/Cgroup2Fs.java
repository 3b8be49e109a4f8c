package jobgov.linux;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The few file operations the cgroup v2 backend performs on cgroupfs. The kernel gives them their meaning
 * ({@code mkdir} creates a cgroup with its interface files, a write to {@code cgroup.subtree_control}
 * enables controllers); {@link #KERNEL} is plain file access, which is all the real cgroupfs needs.
 * Tests on machines without a controller-carrying unified hierarchy substitute a scratch directory.
 */
public interface Cgroup2Fs {
    String read(Path file) throws IOException;

    /** One {@code write(2)} of {@code value}, as the kernel expects for every cgroup interface file. */
    void write(Path file, String value) throws IOException;

    void mkdir(Path dir) throws IOException;

    void rmdir(Path dir) throws IOException;

    default boolean exists(Path path) {
        return Files.exists(path);
    }

    Cgroup2Fs KERNEL = new Cgroup2Fs() {
        @Override
        public String read(Path file) throws IOException {
            return Files.readString(file, StandardCharsets.UTF_8);
        }

        @Override
        public void write(Path file, String value) throws IOException {
            // No CREATE/TRUNCATE: cgroup files exist or the controller is off; one write call per value.
            // An empty value must still reach the kernel (cpuset.cpus "" = inherit): send a newline.
            String text = value.isEmpty() ? "\n" : value;
            Files.write(file, text.getBytes(StandardCharsets.UTF_8), StandardOpenOption.WRITE);
        }

        @Override
        public void mkdir(Path dir) throws IOException {
            Files.createDirectory(dir);
        }

        @Override
        public void rmdir(Path dir) throws IOException {
            // A cgroup directory is removed while its interface files are still listed; rmdir(2) is right.
            Files.delete(dir);
        }
    };
}
