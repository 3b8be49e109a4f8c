package jobgov.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * An idle host JVM for the idle-cost figure: after a settling period it measures its own process CPU
 * time over {@code args[0]} seconds, then its heap in use after a full GC and its resident set size.
 * Prints {@code idle cpu-ms=.. heap-bytes=.. rss-kib=..}.
 */
public final class Idle {
    private Idle() {
    }

    public static void main(String[] args) throws Exception {
        long seconds = Long.parseLong(args[0]);
        Thread.sleep(3000); // let start-up work (agent threads, class loading) settle
        com.sun.management.OperatingSystemMXBean os =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        Thread.sleep(seconds * 1000);
        long cpu1 = os.getProcessCpuTime();
        System.gc();
        System.gc();
        long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
        long rss = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("VmRSS:")).map(l -> l.replaceAll("\\D", "")).mapToLong(Long::parseLong).findFirst().orElse(-1);
        System.out.println("idle cpu-ms=" + (cpu1 - cpu0) / 1_000_000 + " heap-bytes=" + heap + " rss-kib=" + rss);
    }
}
