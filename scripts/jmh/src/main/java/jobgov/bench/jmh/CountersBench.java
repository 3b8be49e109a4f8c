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
import jobgov.job.JobSpec;
import jobgov.job.Jobs;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Per-call cost of reading a job's counters: the Java API, the Job MBean's {@code Counters} attribute in
 * process and over a loopback JMX (RMI) connection, each against reading {@code java.lang:type=Memory}'s
 * {@code HeapMemoryUsage} the same way. The job holds one sleeping process so the counters are real.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class CountersBench {
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
        sleeper = job.start(new ProcessBuilder("sleep", "1000"));
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
