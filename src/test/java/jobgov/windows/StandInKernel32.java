package jobgov.windows;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.platform.win32.WinNT.HANDLE;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Assertions;

/**
 * The gcc-built stand-in libkernel32.so (src/test/native/kernel32-standin.c), compiled once per test
 * JVM into target/standin/ and loaded through the backend's own {@link Kernel32Jobs} interface. A
 * stand-in, not Windows: it checks marshalling, out-parameters and last errors, and enforces nothing.
 */
final class StandInKernel32 {
    /** The stand-in's test controls (not kernel32 functions). */
    interface Controls extends Library {
        int StandInAddProcesses(HANDLE job, int count, long firstPid);

        int StandInTerminatedWith(HANDLE job);

        int StandInDescribe(HANDLE job, byte[] out, int size);

        default String describe(HANDLE job) {
            byte[] b = new byte[1024];
            int n = StandInDescribe(job, b, b.length);
            return new String(b, 0, n);
        }
    }

    private static Path library;

    private StandInKernel32() {
    }

    static synchronized Path library() {
        if (library == null) {
            Requirements.require(com.sun.jna.Platform.isLinux() && com.sun.jna.Platform.isIntel() && com.sun.jna.Platform.is64Bit(),
                    "the kernel32 stand-in is a Linux x64 shared library");
            Requirements.command("gcc");
            Path source = Path.of("src/test/native/kernel32-standin.c");
            Path out = Path.of("target/standin/libkernel32.so").toAbsolutePath();
            try {
                Files.createDirectories(out.getParent());
                Process gcc = new ProcessBuilder("gcc", "-shared", "-fPIC", "-pthread", "-Wall", "-Werror", "-o", out.toString(),
                        source.toString()).redirectErrorStream(true).start();
                String log = new String(gcc.getInputStream().readAllBytes());
                Assertions.assertTrue(gcc.waitFor(60, TimeUnit.SECONDS), "gcc timed out");
                Assertions.assertEquals(0, gcc.exitValue(), "gcc failed building the stand-in:\n" + log);
            } catch (IOException e) {
                throw new AssertionError("cannot build the stand-in", e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
            library = out;
        }
        return library;
    }

    static Kernel32Jobs kernel32() {
        return Native.load(library().toString(), Kernel32Jobs.class);
    }

    static Controls controls() {
        return Native.load(library().toString(), Controls.class);
    }
}
