package jobgov.metrics;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.openmbean.CompositeData;

/**
 * One scrape: every job, policy and the agent of this JVM, read from their MBeans (the same JMX contract JConsole
 * and jmx_exporter read), as Prometheus metric families. Jobs are labelled {@code jobgov_job="NAME"} (not {@code job},
 * which is Prometheus' own target label), policies {@code policy="NAME"}. A counter the backend cannot read (-1) is
 * left out; a limit that is not set reads 0, as on the MBean. Names of the counters and of the four limits
 * jmx_exporter's rules ({@code agent/jmx-exporter.yaml}) produce are the same here, so queries work with either.
 */
final class JobMetrics {
    static final ObjectName POLICIES = name("jobgov:type=Policy,*");
    static final ObjectName AGENT = name("jobgov:type=Agent");
    private static final String[] JOB_ATTRIBUTES = {"Name", "Backend", "LimitSpec", "Counters", "Limits"};
    private static final String[] POLICY_ATTRIBUTES = {"Name", "Job", "File", "Version", "Reloads", "ReloadFailures",
        "HandlersRun", "HandlerErrors", "HandlersTimedOut", "HandlerThreadsAbandoned", "HandlerThreadsStuck",
        "PolicyThreadRestarts", "EventsDelivered", "EventsDropped", "TicksSkipped", "EventsQueued", "QueueCapacity",
        "Disabled", "DisabledHandlers"};
    private static final String[] AGENT_ATTRIBUTES = {"Status", "Backend", "Entry", "PolicyState", "JolokiaState", "Problems"};

    private final MBeanServer server;
    private final EventCounts events;

    JobMetrics(MBeanServer server, EventCounts events) {
        this.server = server;
        this.events = events;
    }

    MetricSnapshots scrape() {
        Families f = new Families();
        List<ObjectName> jobs = new ArrayList<>(server.queryNames(EventCounts.JOBS, null));
        jobs.sort(Comparator.comparing(ObjectName::toString));
        for (ObjectName job : jobs) {
            Map<String, Object> a = attributes(job, JOB_ATTRIBUTES);
            if (a.get("Name") instanceof String name) {
                job(f, job, name, a);
            }
        }
        List<ObjectName> policies = new ArrayList<>(server.queryNames(POLICIES, null));
        policies.sort(Comparator.comparing(ObjectName::toString));
        for (ObjectName policy : policies) {
            Map<String, Object> a = attributes(policy, POLICY_ATTRIBUTES);
            if (a.get("Name") instanceof String name) {
                policy(f, name, a);
            }
        }
        if (server.isRegistered(AGENT)) {
            agent(f, attributes(AGENT, AGENT_ATTRIBUTES));
        }
        return f.snapshots();
    }

    private void job(Families f, ObjectName mbean, String name, Map<String, Object> a) {
        Labels job = Labels.of("jobgov_job", name);
        f.info("jobgov_job", "The job: its backend (cgroup1, cgroup2, windows, degraded) and its limits in the limit-spec syntax",
                job.add("backend", text(a.get("Backend"))).add("limits", text(a.get("LimitSpec"))));
        if (a.get("Counters") instanceof CompositeData c) {
            f.gauge("jobgov_job_active_processes", "Processes in the job now", null, job, c, "activeProcesses", 1);
            f.counter("jobgov_job_processes", "Processes that have been in the job", null, job, c, "totalProcesses", 1);
            f.counter("jobgov_job_terminated_processes", "Processes of the job ended by a limit or terminate", null, job, c,
                    "totalTerminatedProcesses", 1);
            f.counter("jobgov_job_cpu_seconds", "CPU time of the job's processes", Unit.SECONDS, job.add("mode", "user"), c,
                    "totalUserTimeMillis", 0.001);
            f.counter("jobgov_job_cpu_seconds", "CPU time of the job's processes", Unit.SECONDS, job.add("mode", "kernel"), c,
                    "totalKernelTimeMillis", 0.001);
            f.counter("jobgov_job_page_faults", "Page faults of the job's processes", null, job, c, "totalPageFaults", 1);
            for (String op : List.of("read", "write", "other")) {
                f.counter("jobgov_job_io_operations", "IO operations of the job's processes", null, job.add("op", op), c,
                        op + "Operations", 1);
                f.counter("jobgov_job_io_bytes", "Bytes of IO by the job's processes", Unit.BYTES, job.add("op", op), c,
                        op + "Bytes", 1);
            }
            f.gauge("jobgov_job_memory_used_bytes", "Memory charged to the job now", Unit.BYTES, job, c, "jobMemoryUsedBytes", 1);
            f.gauge("jobgov_job_memory_peak_bytes", "Highest memory charged to the job", Unit.BYTES, job, c,
                    "peakJobMemoryUsedBytes", 1);
            f.gauge("jobgov_job_process_memory_peak_bytes", "Highest memory of one process of the job", Unit.BYTES, job, c,
                    "peakProcessMemoryUsedBytes", 1);
        }
        if (a.get("Limits") instanceof CompositeData l) {
            limits(f, job, l);
        }
        for (Map.Entry<String, Long> e : events.of(mbean).entrySet()) {
            f.counter("jobgov_job_events", "Job events by kind (the JMX notification type without 'jobgov.') since metrics started",
                    null, job.add("type", e.getKey().replaceFirst("^jobgov\\.", "")), e.getValue());
        }
    }

    /**
     * Every number of the Limits attribute, named from its item: {@code jobMemoryLimitBytes} is
     * {@code jobgov_job_memory_limit_bytes}, {@code processTimeMillis} {@code jobgov_job_process_time_limit_seconds};
     * booleans are 0 or 1, text items (affinity, the spec) are in {@code jobgov_job_info}.
     */
    private static void limits(Families f, Labels job, CompositeData l) {
        for (String item : l.getCompositeType().keySet()) {
            Object v = l.get(item);
            if (v instanceof Boolean b) {
                f.gauge("jobgov_job_" + snake(item).replaceFirst("^is_", ""), "Limit " + item + " of the job: 1 on, 0 off", null,
                        job, b ? 1 : 0);
                continue;
            }
            if (!(v instanceof Number n)) {
                continue;
            }
            String s = snake(item).replaceFirst("^job_", "");
            double value = n.doubleValue();
            Unit unit = null;
            String base = s;
            String suffix = "";
            for (String u : List.of("_bytes_per_second", "_bytes", "_percent", "_millis")) {
                if (s.endsWith(u)) {
                    base = s.substring(0, s.length() - u.length());
                    suffix = u.equals("_millis") ? "_seconds" : u;
                    value = u.equals("_millis") ? value / 1000 : value;
                    unit = u.equals("_bytes") ? Unit.BYTES : u.equals("_millis") ? Unit.SECONDS : null;
                    break;
                }
            }
            if (!base.contains("limit")) {
                base = base + "_limit";
            }
            f.gauge("jobgov_job_" + base + suffix, "Limit " + item + " of the job, 0 when not set", unit, job, value);
        }
    }

    private static void policy(Families f, String name, Map<String, Object> a) {
        Labels p = Labels.of("policy", name, "jobgov_job", text(a.get("Job")));
        f.info("jobgov_policy", "A loaded policy and its file", p.add("file", text(a.get("File"))));
        f.gauge("jobgov_policy_version", "1 for the first load, +1 for every successful reload", null, p, number(a.get("Version")));
        f.counter("jobgov_policy_reloads", "Successful reloads", null, p, number(a.get("Reloads")));
        f.counter("jobgov_policy_reload_failures", "Reloads that failed (the running version stayed)", null, p,
                number(a.get("ReloadFailures")));
        f.counter("jobgov_policy_handlers_run", "Handler calls that ran", null, p, number(a.get("HandlersRun")));
        f.counter("jobgov_policy_handler_errors", "Faulty handler calls: threw, ran past the time or allocation budget", null, p,
                number(a.get("HandlerErrors")));
        f.counter("jobgov_policy_handlers_timed_out", "Handler calls interrupted for running past the time budget", null, p,
                number(a.get("HandlersTimedOut")));
        f.counter("jobgov_policy_handler_threads_abandoned", "Handler threads left behind because they ignored the interrupt",
                null, p, number(a.get("HandlerThreadsAbandoned")));
        f.gauge("jobgov_policy_handler_threads_stuck", "Abandoned handler threads alive now", null, p,
                number(a.get("HandlerThreadsStuck")));
        f.counter("jobgov_policy_thread_restarts", "Restarts of the policy thread's loop after a Throwable", null, p,
                number(a.get("PolicyThreadRestarts")));
        f.counter("jobgov_policy_events_delivered", "Job events handed to a handler", null, p, number(a.get("EventsDelivered")));
        f.counter("jobgov_policy_events_dropped", "Job events dropped because a queue was full", null, p,
                number(a.get("EventsDropped")));
        f.counter("jobgov_policy_ticks_skipped", "Timer ticks skipped because the previous one had not run yet", null, p,
                number(a.get("TicksSkipped")));
        f.gauge("jobgov_policy_events_queued", "Events waiting now", null, p, number(a.get("EventsQueued")));
        f.gauge("jobgov_policy_queue_capacity", "Capacity of the event queue", null, p, number(a.get("QueueCapacity")));
        f.gauge("jobgov_policy_disabled", "1 when the whole policy is disabled (too many abandoned threads)", null, p,
                text(a.get("Disabled")).isEmpty() ? 0 : 1);
        f.gauge("jobgov_policy_disabled_handlers", "Handlers disabled now", null, p,
                a.get("DisabledHandlers") instanceof String[] d ? d.length : 0);
    }

    private static void agent(Families f, Map<String, Object> a) {
        f.info("jobgov_agent", "The agent in this JVM: governed, degraded or ungoverned; its backend, entry and background parts",
                Labels.of("status", text(a.get("Status")), "backend", text(a.get("Backend")), "entry", text(a.get("Entry")),
                        "policy_state", text(a.get("PolicyState")), "jolokia_state", text(a.get("JolokiaState"))));
        f.gauge("jobgov_agent_problems", "Problems the agent reported (the Agent MBean's Problems)", null, Labels.EMPTY,
                a.get("Problems") instanceof String[] p ? p.length : 0);
    }

    /** The attributes that could be read; empty when the MBean went away meanwhile. */
    private Map<String, Object> attributes(ObjectName n, String[] names) {
        Map<String, Object> out = new LinkedHashMap<>();
        try {
            AttributeList list = server.getAttributes(n, names);
            for (Attribute at : list.asList()) {
                out.put(at.getName(), at.getValue());
            }
        } catch (JMException | RuntimeException e) {
            // closed between the query and the read: not there to show
        }
        return out;
    }

    static String snake(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    }

    private static String text(Object o) {
        return o == null ? "" : o.toString();
    }

    private static double number(Object o) {
        return o instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    private static ObjectName name(String n) {
        try {
            return new ObjectName(n);
        } catch (javax.management.MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** Metric families by name, in first-seen order, each with its data points. */
    private static final class Families {
        private final Map<String, Object> builders = new LinkedHashMap<>();

        void info(String name, String help, Labels labels) {
            ((InfoSnapshot.Builder) builders.computeIfAbsent(name, k -> InfoSnapshot.builder().name(k).help(help)))
                    .dataPoint(InfoSnapshot.InfoDataPointSnapshot.builder().labels(labels).build());
        }

        void gauge(String name, String help, Unit unit, Labels labels, CompositeData c, String item, double factor) {
            long v = c.containsKey(item) ? ((Number) c.get(item)).longValue() : -1;
            if (v >= 0) {
                gauge(name, help, unit, labels, v * factor);
            }
        }

        void gauge(String name, String help, Unit unit, Labels labels, double value) {
            if (Double.isNaN(value)) {
                return;
            }
            ((GaugeSnapshot.Builder) builders.computeIfAbsent(name, k -> withUnit(GaugeSnapshot.builder().name(k).help(help), unit)))
                    .dataPoint(GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(value).build());
        }

        void counter(String name, String help, Unit unit, Labels labels, CompositeData c, String item, double factor) {
            long v = c.containsKey(item) ? ((Number) c.get(item)).longValue() : -1;
            if (v >= 0) {
                counter(name, help, unit, labels, v * factor);
            }
        }

        void counter(String name, String help, Unit unit, Labels labels, double value) {
            if (Double.isNaN(value) || value < 0) {
                return;
            }
            ((CounterSnapshot.Builder) builders.computeIfAbsent(name, k -> withUnit(CounterSnapshot.builder().name(k).help(help), unit)))
                    .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().labels(labels).value(value).build());
        }

        private static <B extends MetricSnapshot.Builder<B>> B withUnit(B b, Unit unit) {
            return unit == null ? b : b.unit(unit);
        }

        MetricSnapshots snapshots() {
            List<MetricSnapshot> out = new ArrayList<>();
            for (Object b : builders.values()) {
                out.add(((MetricSnapshot.Builder<?>) b).build());
            }
            return new MetricSnapshots(out);
        }
    }
}
