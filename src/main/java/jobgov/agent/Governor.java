package jobgov.agent;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.management.ObjectName;
import jobgov.job.Job;
import jobgov.job.JobBackend;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.Jobs;
import jobgov.metrics.Metrics;

/**
 * Governs the JVM the agent runs in: a job holding the JVM (and so every child it spawns), the option
 * limits, kill-on-close, the MBeans, then the policy and Jolokia on daemon threads. The failure rule
 * (docs/agent.md): a configuration error (a bad option, option limits that cannot be put in force) stops
 * the start before main with one line and exit code 1; any other failure becomes one log line and a line
 * in the Agent MBean's Problems, and the host runs degraded or ungoverned, unless the options say
 * {@code require=true}. Nothing here throws into the host.
 */
final class Governor implements AgentMXBean {
    static final String JOB_PROPERTY = AgentStatus.JOB;
    static final String OPTIONS_PROPERTY = AgentStatus.OPTIONS;
    static final String STATUS_PROPERTY = AgentStatus.STATUS;
    static final String ERROR_PROPERTY = AgentStatus.ERROR;
    static final String AGENT_MBEAN = "jobgov:type=Agent";
    /** How long {@code await=true} / {@code require=true} hold main for the policy and Jolokia. */
    private static final long AWAIT_SECONDS = Long.getLong("jobgov.agent.awaitSeconds", 120);

    private final String raw;
    private final boolean attached;
    private final long pid = ProcessHandle.current().pid();
    private final List<String> problems = new CopyOnWriteArrayList<>();
    private final List<Long> unassigned = new CopyOnWriteArrayList<>();
    private final CountDownLatch background = new CountDownLatch(3);
    private volatile AgentOptions options;
    private volatile Job job;
    /** The job's MBean, policy and Jolokia, wired as {@code jobgov run} wires them; null without a job. */
    private volatile Governance governance;
    private volatile ObjectName agentMBean;
    private volatile Metrics metrics;
    private volatile String policyState = "none";
    private volatile String jolokiaState = "none";
    private volatile boolean closed;
    /** This governor wrote {@link #JOB_PROPERTY} (a second agent refused on a governed JVM must leave the first's). */
    private volatile boolean namedJob;

    Governor(String raw, boolean attached) {
        this.raw = raw == null ? "" : raw;
        this.attached = attached;
    }

    /** Runs the whole start; returns once the host may go on (at once, or when the policy is live with await). */
    void start() {
        // Two pieces of the start are begun on daemon threads first, so that their class loading runs on another
        // core while the options are parsed: the platform MBean server (~100 ms: every platform MXBean; the MBeans
        // are still registered here, before main) and the backend's choice (the main thread then finds it made,
        // or waits for it on Jobs' lock, and reports its error if it failed).
        daemon("jobgov-jmx-start", ManagementFactory::getPlatformMBeanServer);
        daemon("jobgov-backend-start", Governor::chooseBackend);
        try {
            options = AgentOptions.parse(raw).validate();
        } catch (RuntimeException e) {
            // A configuration error stops the start, as a bad -Xmx does: nothing is created, main never runs.
            refuse("bad agent options '" + raw + "': " + oneLine(e));
            return;
        }
        boolean require = options.require();
        if (System.getProperty(JOB_PROPERTY) != null) {
            problem("this JVM is governed already by job '" + System.getProperty(JOB_PROPERTY) + "': agent not started again");
            if (require) {
                fail();
            }
            return;
        }
        String name = options.name() != null ? options.name() : DefaultJobName.of(System.getProperty("sun.java.command"), pid);
        // The JVM's children as they were before the job: the job's own watchdog (a child of this JVM, started
        // with the job and outside it) must never be adopted into the job it watches.
        List<ProcessHandle> children = attached ? ProcessHandle.current().descendants().toList() : List.of();
        try {
            job = createJob(name);
        } catch (LimitsNotApplied e) {
            refuse(e.getMessage());
            return;
        }
        if (job != null && attached) {
            adoptChildren(children);
        }
        governance = new Governance(job); // Jolokia runs without a job too: it shows the Agent MBean's problems
        if (job != null) {
            countEvents(); // before the Job MBean: its first events are counted too
            try {
                governance.publishJob();
            } catch (RuntimeException e) {
                problem("Job MBean not registered: " + e.getMessage());
            }
        }
        registerAgentMBean();
        System.setProperty(OPTIONS_PROPERTY, raw);
        if (job != null) {
            System.setProperty(JOB_PROPERTY, job.name());
            namedJob = true;
        }
        Thread hook = new Thread(this::close, "jobgov-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        if (require && !problems.isEmpty()) {
            fail();
            return;
        }
        startPolicy();
        startJolokia();
        startMetrics();
        if (options.await() || require) {
            awaitBackground();
            if (require && !problems.isEmpty()) {
                fail();
                return;
            }
        }
        publishStatus();
    }

    /** The option limits could not be put in force: the start stops (a user must never believe a job is limited when it is not). */
    private static final class LimitsNotApplied extends RuntimeException {
        LimitsNotApplied(String message) {
            super(message, null, false, false);
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() == null ? e.toString() : e.getMessage();
        return m.replaceAll("\\s*\\R\\s*", " ").trim();
    }

    /**
     * With option limits: the chosen backend's job with exactly those limits, or {@link LimitsNotApplied}. Without
     * them: the chosen backend, then the degraded backend; else ungoverned (each step reported).
     */
    private Job createJob(String name) {
        JobLimits all = options.limits();
        JobLimits closeOnly = JobLimits.builder().killOnClose(options.killOnClose() ? null : Boolean.FALSE).build();
        boolean limited = options.limited(); // not all.equals(closeOnly): a record's first equals costs premain ~55 ms
        Optional<JobBackend> chosen;
        try {
            chosen = Optional.of(Jobs.backend());
        } catch (RuntimeException e) {
            if (limited) {
                throw new LimitsNotApplied("option limits [" + all + "] not applied: no backend: " + oneLine(e));
            }
            problem(e.getMessage());
            chosen = Optional.empty();
        }
        if (chosen.isPresent()) {
            JobBackend backend = chosen.get();
            if (limited) {
                try {
                    return jobWith(backend, new JobSpec(name, options.cgroup(), all));
                } catch (RuntimeException e) {
                    throw new LimitsNotApplied("option limits [" + all + "] not applied (" + backend.name() + " backend): " + oneLine(e));
                }
            }
            Optional<Job> j = attempt("job '" + name + "' with " + backend.name(),
                    () -> jobWith(backend, new JobSpec(name, options.cgroup(), closeOnly)));
            if (j.isPresent()) {
                return j.get();
            }
        }
        Optional<JobBackend> degraded = Jobs.backends().stream().filter(b -> b.name().equals("degraded")).findFirst();
        if (degraded.isPresent() && (chosen.isEmpty() || chosen.get() != degraded.get())) {
            Optional<Job> j = attempt("job '" + name + "' with the degraded backend",
                    () -> jobWith(degraded.get(), new JobSpec(name, null, closeOnly)));
            if (j.isPresent()) {
                return j.get();
            }
        }
        problem("no job could be created: this JVM runs UNGOVERNED");
        return null;
    }

    /** A job holding this JVM; closed again if the JVM cannot be moved into it. */
    private Job jobWith(JobBackend backend, JobSpec spec) {
        Job j = Job.create(backend, spec);
        try {
            j.assign(pid);
            return j;
        } catch (RuntimeException e) {
            j.close();
            throw new IllegalStateException("cannot move this JVM (pid " + pid + ") into it: " + e.getMessage(), e);
        }
    }

    private <T> Optional<T> attempt(String what, java.util.function.Supplier<T> action) {
        try {
            return Optional.ofNullable(action.get());
        } catch (RuntimeException e) {
            problem((what == null ? "" : what + " failed: ") + e.getMessage());
            return Optional.empty();
        }
    }

    /** On attach: the JVM's children from before the job (and theirs) join it; the ones that cannot are reported. */
    private void adoptChildren(List<ProcessHandle> children) {
        for (ProcessHandle child : children) {
            if (!child.isAlive()) {
                continue;
            }
            try {
                job.assign(child.pid());
            } catch (RuntimeException e) {
                if (child.isAlive()) {
                    unassigned.add(child.pid());
                    problem("child pid " + child.pid() + " not moved into the job: " + e.getMessage());
                }
            }
        }
    }

    private static void chooseBackend() {
        try {
            Jobs.prepare();
        } catch (RuntimeException | LinkageError e) {
            // the main thread asks again and reports it
        }
    }

    private void registerAgentMBean() {
        try {
            ObjectName n = new ObjectName(AGENT_MBEAN);
            ManagementFactory.getPlatformMBeanServer().registerMBean(new DescribedAgent(this), n);
            agentMBean = n;
        } catch (Exception e) {
            problem("Agent MBean not registered: " + e.getMessage());
        }
    }

    private void startPolicy() {
        if (options.policy() == null) {
            background.countDown();
            return;
        }
        if (job == null) {
            policyState = "failed";
            problem("policy " + options.policy() + " not loaded: no job to govern");
            background.countDown();
            return;
        }
        policyState = "loading";
        daemon("jobgov-policy", () -> {
            try {
                governance.loadPolicy(Path.of(options.policy()), options.policyOptions(job.name()));
                if (governance.isClosed()) {
                    return; // closed with the governance as the JVM shut down
                }
                policyState = "live";
            } catch (RuntimeException | LinkageError e) {
                policyState = "failed";
                problem("policy " + options.policy() + " not loaded: " + e.getMessage());
            } finally {
                background.countDown();
            }
        });
    }

    private void startJolokia() {
        if (options.jolokia().isEmpty()) {
            background.countDown();
            return;
        }
        jolokiaState = "starting";
        daemon("jobgov-jolokia-start", () -> {
            try {
                governance.startJolokia(options.jolokia());
                if (governance.isClosed()) {
                    return;
                }
                jolokiaState = "live";
            } catch (Exception | LinkageError e) {
                jolokiaState = "failed";
                problem("Jolokia not started: " + e.getMessage());
            } finally {
                background.countDown();
            }
        });
    }

    private void countEvents() {
        if (!options.metrics().isEmpty()) {
            attempt("metrics", () -> metrics = governance.add(Metrics.count(options.metrics())));
        }
    }

    /** The built-in Prometheus endpoint (docs/metrics.md), on a daemon thread like Jolokia. */
    private void startMetrics() {
        Metrics m = metrics;
        if (m == null) {
            background.countDown();
            return;
        }
        daemon("jobgov-metrics-start", () -> {
            try {
                m.serve();
                if (governance.isClosed()) {
                    m.close(); // the governance closed it before it served: close what serve() just started
                }
            } catch (RuntimeException | LinkageError e) {
                problem("metrics not served: " + e.getMessage());
            } finally {
                background.countDown();
            }
        });
    }

    private void awaitBackground() {
        try {
            if (!background.await(AWAIT_SECONDS, TimeUnit.SECONDS)) {
                problem("policy/Jolokia/metrics not live after " + AWAIT_SECONDS + " s; main goes on");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void daemon(String name, Runnable task) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
    }

    /** require=true and something failed: undo everything; before main the JVM exits 1, an attached JVM is left as it was. */
    private void fail() {
        stop("jobgov: required governance failed: " + String.join("; ", problems));
    }

    /**
     * A configuration error (a bad option, option limits that cannot be put in force): one line on stderr, nothing
     * left behind; before main the JVM exits 1 (main never runs), an attached JVM is left as it was.
     */
    private void refuse(String why) {
        problems.add(why);
        stop("jobgov: " + why);
    }

    /** The start stops: {@code message} on stderr and in the error property, everything undone, then exit 1 before main. */
    private void stop(String message) {
        System.setProperty(ERROR_PROPERTY, message);
        System.err.println(message);
        System.err.flush();
        close();
        if (!attached) {
            System.exit(1);
        }
        if (namedJob) {
            System.clearProperty(JOB_PROPERTY);
        }
        System.setProperty(STATUS_PROPERTY, "ungoverned");
    }

    private void publishStatus() {
        System.setProperty(STATUS_PROPERTY, getStatus());
        if (!problems.isEmpty()) {
            System.setProperty(ERROR_PROPERTY, String.join("; ", problems));
        }
    }

    private void problem(String line) {
        problems.add(line);
        System.getLogger("jobgov.agent").log(System.Logger.Level.WARNING, "jobgov: " + line);
        if (options != null) {
            publishStatus();
        }
    }

    /** The shutdown hook: the Agent MBean, then the governance (policy, Jolokia, Job MBean, metrics, then the job, which kills the children if kill-on-close). */
    synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (agentMBean != null) {
            try {
                ManagementFactory.getPlatformMBeanServer().unregisterMBean(agentMBean);
            } catch (Exception ignored) {
                // unregistered already
            }
        }
        Governance g = governance;
        if (g != null) {
            g.close(); // null only when the start stopped before a job was made
        }
    }

    @Override
    public String getStatus() {
        if (job == null || closed) {
            return "ungoverned";
        }
        return problems.isEmpty() && !job.backend().equals("degraded") ? "governed" : "degraded";
    }

    @Override
    public String[] getProblems() {
        return problems.toArray(String[]::new);
    }

    @Override
    public String getJobName() {
        return job == null ? "" : job.name();
    }

    @Override
    public String getBackend() {
        return job == null ? "none" : job.backend();
    }

    @Override
    public String getOptions() {
        return raw;
    }

    @Override
    public String getEntry() {
        return attached ? "agentmain" : "premain";
    }

    @Override
    public long[] getUnassignedProcessIds() {
        return unassigned.stream().mapToLong(Long::longValue).toArray();
    }

    @Override
    public String getPolicy() {
        return options == null || options.policy() == null ? "" : options.policy();
    }

    @Override
    public String getPolicyState() {
        return policyState;
    }

    @Override
    public String getJolokiaState() {
        return jolokiaState;
    }
}
