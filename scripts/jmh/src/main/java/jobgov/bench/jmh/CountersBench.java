package jobgov.bench.jmh;

import java.lang.management.ManagementFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import javax.management.MBeanServer;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXConnectorServer;
import javax.management.remote.JMXConnectorServerFactory;
import javax.management.remote.JMXServiceURL;
import jobgov.jmx.JobMBeans;
import jobgov.job.Job;
import jobgov.job.JobCounter;
import jobgov.job.JobSpec;
import jobgov.job.Jobs;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Per-call cost of reading a job's counters: the Java API, the Job MBean's {@code Counters} attribute in
 * process and over a loopback JMX (RMI) connection, each against reading {@code java.lang:type=Memory}'s
 * {@code HeapMemoryUsage} the same way, and one attribute ({@code ActiveProcesses}) alone. The job holds
 * {@code processes} sleeping processes (1, or 400 started by one shell), so the counters are real and the cost
 * at a job's size shows.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CountersBench {
    @Param({"1", "400"})
    public int processes;

    private Job job;
    private Process sleeper;
    private AutoCloseable registration;
    private MBeanServer server;
    private ObjectName jobName;
    private ObjectName memory;
    private JMXConnectorServer connectorServer;
    private JMXConnector connector;
    private MBeanServerConnection remote;

    @Setup
    public void setUp() throws Exception {
        String name = "jobgov-jmh-" + Integer.toHexString(ThreadLocalRandom.current().nextInt());
        job = Jobs.create(JobSpec.named(name));
        sleeper = processes <= 1 ? job.start(new ProcessBuilder("sleep", "1000"))
                : job.start(new ProcessBuilder("/bin/sh", "-c", "i=1; while [ $i -lt " + processes + " ]; do sleep 1000 & i=$((i+1)); done; wait"));
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (job.pids().size() < processes && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        registration = JobMBeans.register(job);
        server = ManagementFactory.getPlatformMBeanServer();
        jobName = new ObjectName("jobgov:type=Job,name=" + name);
        memory = new ObjectName("java.lang:type=Memory");
        connectorServer = JMXConnectorServerFactory.newJMXConnectorServer(new JMXServiceURL("service:jmx:rmi://127.0.0.1"), null, server);
        connectorServer.start();
        connector = JMXConnectorFactory.connect(connectorServer.getAddress());
        remote = connector.getMBeanServerConnection();
    }

    @TearDown
    public void tearDown() throws Exception {
        connector.close();
        connectorServer.stop();
        registration.close();
        job.terminate(1);
        sleeper.destroyForcibly();
        job.close();
    }

    @Benchmark
    public Object countersJavaApi() {
        return job.counters();
    }

    @Benchmark
    public Object countersMBeanInProcess() throws Exception {
        return server.getAttribute(jobName, "Counters");
    }

    @Benchmark
    public Object activeProcessesMBeanInProcess() throws Exception {
        return server.getAttribute(jobName, "ActiveProcesses");
    }

    @Benchmark
    public long activeProcessesJavaApi() {
        return job.counter(JobCounter.ACTIVE_PROCESSES);
    }

    @Benchmark
    public Object memoryMBeanInProcess() throws Exception {
        return server.getAttribute(memory, "HeapMemoryUsage");
    }

    @Benchmark
    public Object countersOverJmx() throws Exception {
        return remote.getAttribute(jobName, "Counters");
    }

    @Benchmark
    public Object memoryOverJmx() throws Exception {
        return remote.getAttribute(memory, "HeapMemoryUsage");
    }
}
