package jobgov.cli;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.JMException;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/** Jobs read from a local JVM's {@code jobgov:type=Job,*} MBeans over JMX (the JVM's local management agent, started through the Attach API). */
final class JmxJobView implements JobView {
    private final long pid;
    private final JMXConnector connector;
    private final MBeanServerConnection server;

    private JmxJobView(long pid, JMXConnector connector) throws IOException {
        this.pid = pid;
        this.connector = connector;
        this.server = connector.getMBeanServerConnection();
    }

    static JmxJobView connect(long pid) throws IOException {
        AttachTarget.check(pid);
        String url;
        try {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            try {
                url = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
        } catch (AttachNotSupportedException e) {
            throw new IOException("cannot attach to pid " + pid + ": " + e.getMessage(), e);
        }
        return new JmxJobView(pid, JMXConnectorFactory.connect(new JMXServiceURL(url)));
    }

    @Override
    public String source() {
        return "pid " + pid + ", local JMX";
    }

    @Override
    public List<JobSnapshot> jobs() throws IOException {
        List<JobSnapshot> out = new ArrayList<>();
        List<ObjectName> names = new ArrayList<>(server.queryNames(pattern(), null));
        names.sort(Comparator.comparing(ObjectName::toString));
        for (ObjectName n : names) {
            try {
                out.add(read(n));
            } catch (JMException e) {
                // the job closed between the query and the read: it is no longer there to show
            }
        }
        return out;
    }

    private JobSnapshot read(ObjectName n) throws JMException, IOException {
        String name = (String) server.getAttribute(n, "Name");
        String backend = (String) server.getAttribute(n, "Backend");
        String location = (String) server.getAttribute(n, "Location");
        String eventSource;
        try {
            eventSource = (String) server.getAttribute(n, "EventSource");
        } catch (javax.management.AttributeNotFoundException e) {
            eventSource = ""; // a JVM governed by an older jobgov
        }
        String limits = (String) server.getAttribute(n, "LimitSpec");
        CompositeData c = (CompositeData) server.getAttribute(n, "Counters");
        Map<String, Long> counters = new LinkedHashMap<>();
        // The record's order (time, processes, IO, memory) reads better than the CompositeType's sorted keys.
        for (var rc : jobgov.job.JobCounters.class.getRecordComponents()) {
            if (c.containsKey(rc.getName())) {
                counters.put(rc.getName(), ((Number) c.get(rc.getName())).longValue());
            }
        }
        long[] pids = (long[]) server.getAttribute(n, "ProcessIds");
        List<Long> p = new ArrayList<>();
        for (long x : pids) {
            p.add(x);
        }
        return new JobSnapshot(name, backend, location, eventSource, limits, counters, p);
    }

    @Override
    public void setLimits(String job, String spec) throws IOException {
        invoke(job, "setLimits", new Object[] {spec}, new String[] {String.class.getName()});
    }

    @Override
    public void terminate(String job, int exitCode) throws IOException {
        invoke(job, "terminate", new Object[] {exitCode}, new String[] {int.class.getName()});
    }

    private void invoke(String job, String operation, Object[] args, String[] signature) throws IOException {
        try {
            server.invoke(jobgov.jmx.JobMBeans.objectName(job), operation, args, signature);
        } catch (javax.management.MBeanException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IOException(Main.oneLine(cause), cause);
        } catch (JMException e) {
            throw new IOException(Main.oneLine(e), e);
        } catch (RuntimeException e) {
            // a RuntimeMBeanException wraps the job's IllegalArgumentException / LimitRefusedException
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IOException(Main.oneLine(cause), cause);
        }
    }

    private static ObjectName pattern() {
        try {
            return new ObjectName("jobgov:type=Job,*");
        } catch (JMException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        try {
            connector.close();
        } catch (IOException ignored) {
            // the target went away: nothing left to close
        }
    }
}
