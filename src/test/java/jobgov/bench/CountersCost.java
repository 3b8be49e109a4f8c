package jobgov.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import jobgov.jmx.JobMBeans;
import jobgov.job.Job;
import jobgov.job.JobCounter;
import jobgov.job.JobSpec;
import jobgov.job.Jobs;

/**
 * The per-read cost of a job's counters, pooled over many reads (not a mean over a timed loop): p50 / p99 of
 * {@code job.counter(ACTIVE_PROCESSES)}, the {@code ActiveProcesses} and {@code Counters} MBean attributes in process,
 * {@code job.counters()}, and the baseline {@code java.lang:type=Memory HeapMemoryUsage} read the same way in the same
 * run, at 1 and 400 processes in the job; the load average before and after. Run as root on a cgroup host:
 * {@code java -cp target/test-classes:target/classes:JNA jobgov.bench.CountersCost [reads]}.
 */
public final class CountersCost {
    private CountersCost() {
    }

    public static void main(String[] args) throws Exception {
        int reads = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        System.out.println("load before: " + Files.readString(Path.of("/proc/loadavg")).trim());
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName heap = new ObjectName("java.lang:type=Memory");
        for (int size : new int[] {1, 400}) {
            String name = Bench.jobName();
            try (Job job = Jobs.create(JobSpec.named(name)); AutoCloseable mbean = JobMBeans.register(job)) {
                Process p = size == 1 ? job.start(new ProcessBuilder("sleep", "1000"))
                        : job.start(new ProcessBuilder("/bin/sh", "-c", "i=1; while [ $i -lt " + size + " ]; do sleep 1000 & i=$((i+1)); done; wait"));
                long until = System.nanoTime() + 60_000_000_000L;
                while (job.pids().size() < size && System.nanoTime() < until) {
                    Thread.sleep(50);
                }
                ObjectName jobName = new ObjectName("jobgov:type=Job,name=" + name);
                report(size, "heap MBean HeapMemoryUsage (baseline)", reads, () -> server.getAttribute(heap, "HeapMemoryUsage"));
                report(size, "job.counter(ACTIVE_PROCESSES)", reads, () -> job.counter(JobCounter.ACTIVE_PROCESSES));
                report(size, "MBean ActiveProcesses", reads, () -> server.getAttribute(jobName, "ActiveProcesses"));
                report(size, "MBean JobMemoryUsedBytes", reads, () -> server.getAttribute(jobName, "JobMemoryUsedBytes"));
                report(size, "job.counters()", reads, job::counters);
                report(size, "MBean Counters", reads, () -> server.getAttribute(jobName, "Counters"));
                job.terminate(1);
                p.destroyForcibly();
            }
        }
        System.out.println("load after: " + Files.readString(Path.of("/proc/loadavg")).trim());
        System.exit(0);
    }

    interface Read {
        Object run() throws Exception;
    }

    private static void report(int size, String what, int reads, Read read) throws Exception {
        for (int i = 0; i < Math.min(reads, 2000); i++) {
            read.run(); // warm-up
        }
        Samples us = new Samples();
        for (int i = 0; i < reads; i++) {
            long t = System.nanoTime();
            read.run();
            us.add((System.nanoTime() - t) / 1000.0);
        }
        System.out.printf("%4d processes  %-40s p50 %8.1f us  p99 %8.1f us  (%d reads)%n", size, what, us.median(), us.percentile(99), reads);
    }
}
