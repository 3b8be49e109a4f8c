package jobgov.policy;

import groovy.lang.Binding;
import groovy.lang.Closure;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import jobgov.job.Job;
import jobgov.job.JobEvent;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;
import jobgov.job.Units;

/**
 * A loaded Groovy policy governing a job: compiled once per version, its handlers on its own threads
 * ({@link PolicyDispatcher}), its view in JMX ({@code jobgov:type=Policy,name=NAME}), and the sub-jobs it
 * declared. {@link #reload()} swaps in a new version only if it compiles and applies; otherwise the
 * running one stays.
 */
public final class PolicyRuntime implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("jobgov.policy");
    /** Where sub-jobs are shown (the Job MBeans), found once. */
    private static final List<PolicyViews> VIEWS = PolicyViews.installed();
    private static final long SELF = ProcessHandle.current().pid();
    private static final Duration MIN_SCRIPT_BUDGET = Duration.ofSeconds(5);
    private static final Duration SWEEP = Duration.ofSeconds(1);

    /** A sub-job the policy created, with its JMX registration and event subscription. */
    private record SubJob(Job job, PolicyJob view, AutoCloseable mbean, AutoCloseable events) {
    }

    private final String name;
    private final Path file;
    private final String fileName;
    private final Job job;
    private final PolicyJob jobView;
    private final PolicyLog log;
    private final long allocationBudget;
    private final JobLimits baseLimits;
    private final PolicyDispatcher dispatcher;
    /** The Policy MBean's notices, once published (null before, or where no view shows policies). */
    private volatile PolicyNotices notices;
    private final Map<String, SubJob> subJobs = new ConcurrentHashMap<>();
    private final Map<String, String> params;
    private final List<ScheduledFuture<?>> timers = new ArrayList<>();
    private final ThreadLocal<JobEvent> currentEvent = new ThreadLocal<>();
    private final Object reloadLock = new Object();
    private final AtomicLong reloads = new AtomicLong();
    private final AtomicLong reloadFailures = new AtomicLong();
    private volatile PolicyVersion current;
    private volatile String loadedText;
    private AutoCloseable jobEvents;
    private PolicyWatch watch;
    private volatile boolean closed;

    private PolicyRuntime(Path file, Job job, String name, Duration budget, int queue, long allocationBudget, Map<String, String> params) {
        this.name = name;
        this.params = params;
        this.file = file.toAbsolutePath();
        this.fileName = file.getFileName().toString();
        this.job = job;
        this.jobView = new PolicyJob(job);
        this.log = new PolicyLog(name);
        this.allocationBudget = allocationBudget;
        this.baseLimits = job.limits();
        this.dispatcher = new PolicyDispatcher(name, budget, allocationBudget, queue, this::reportError);
    }

    /**
     * Compiles {@code file}, applies its {@code job {}} limits all-or-nothing, arms its handlers and timers,
     * registers {@code jobgov:type=Policy,name=NAME}. Options: {@code name} (default: the job's name),
     * {@code watch} (reload on change, default false), {@code budget} (time per handler call, default 1s),
     * {@code queue} (events waiting, default 1024), {@code allocation} (bytes a handler call may allocate, or a
     * share of the heap such as {@code 10%}; default 256m but at most a sixteenth of the heap, never above half), {@code param.NAME} (read by the policy with {@code param('NAME', fallback)}); other keys
     * are ignored. Throws {@link IllegalArgumentException} with file:line:column
     * on a compile error, and with file:line when the policy's top level fails; a refused limit throws
     * {@link jobgov.job.LimitRefusedException}. Nothing stays changed after a failure.
     */
    public static PolicyRuntime load(Path file, Job job, Map<String, String> options) {
        Map<String, String> o = options == null ? Map.of() : options;
        String name = o.getOrDefault("name", job.name());
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("policy name must not be empty");
        }
        PolicyOptions settings = PolicyOptions.parse(o);
        Duration budget = settings.budget();
        int queue = settings.queue();
        long allocation = settings.allocation();
        boolean watch = settings.watch();

        String text = PolicyFile.read(file);
        PolicyCompiler.Compiled compiled = PolicyCompiler.compile(file, text);
        Map<String, String> params = new java.util.TreeMap<>();
        o.forEach((k, v) -> {
            if (k.startsWith("param.") && k.length() > 6) {
                params.put(k.substring(6), v);
            }
        });
        PolicyRuntime runtime = new PolicyRuntime(file, job, name, budget, queue, allocation, Map.copyOf(params));
        try {
            runtime.publish();
            synchronized (runtime.reloadLock) {
                runtime.activate(compiled, text);
            }
            runtime.jobEvents = job.subscribe(e -> runtime.enqueue(e, job));
            if (watch) {
                runtime.watch = new PolicyWatch(name, runtime.file, runtime::reloadIfChanged);
            }
        } catch (RuntimeException e) {
            runtime.close();
            throw e;
        }
        LOG.log(System.Logger.Level.INFO, "policy " + name + ": " + runtime.file + " governs job " + job.name()
                + " (" + runtime.current.handlers().size() + " handlers, " + runtime.current.timers().size() + " timers, "
                + runtime.subJobs.size() + " sub-jobs)");
        return runtime;
    }

    static long defaultAllocation() {
        return PolicyOptions.defaultAllocation();
    }

    /** Recompiles and re-runs the file; if that fails the running version stays. Returns what was loaded. */
    public String reload() {
        synchronized (reloadLock) {
            if (closed) {
                throw new IllegalStateException("policy " + name + " is closed");
            }
            int running = version();
            try {
                String text = PolicyFile.read(file);
                PolicyCompiler.Compiled compiled = PolicyCompiler.compile(file, text);
                activate(compiled, text);
            } catch (RuntimeException e) {
                reloadFailures.incrementAndGet();
                String message = "reload failed, version " + running + " keeps running: " + e.getMessage();
                dispatcher.recordError(message);
                LOG.log(System.Logger.Level.WARNING, "policy " + name + ": " + message);
                notice(PolicyNotices.Kind.ERROR, message, null);
                throw new IllegalArgumentException(message, e);
            }
            reloads.incrementAndGet();
            String message = "loaded version " + version() + " of " + file + " at " + loadedAt();
            LOG.log(System.Logger.Level.INFO, "policy " + name + ": " + message);
            notice(PolicyNotices.Kind.RELOADED, message, null);
            return message;
        }
    }

    private void reloadIfChanged() {
        try {
            String text = PolicyFile.read(file);
            if (text.equals(loadedText)) {
                return;
            }
        } catch (RuntimeException e) {
            // reload() reports it
        }
        reload();
    }

    /**
     * Runs a compiled version's top level (declarations only), then applies it: job limits, sub-jobs,
     * handlers, timers. On any failure the previous version and limits stay.
     */
    private void activate(PolicyCompiler.Compiled compiled, String text) {
        int number = current == null ? 1 : current.number() + 1;
        PolicyScript script;
        try {
            script = compiled.type().getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException e) {
            compiled.loader().clearCache();
            throw new IllegalArgumentException(file + ": cannot instantiate the policy: " + e, e);
        }
        script.setBinding(new Binding());
        PolicyVersion next = new PolicyVersion(this, compiled.loader(), script, fileName, number);
        boolean ok = false;
        synchronized (dispatcher) {
            try {
                Duration limit = dispatcher.budget().compareTo(MIN_SCRIPT_BUDGET) > 0 ? dispatcher.budget() : MIN_SCRIPT_BUDGET;
                PolicyDispatcher.Result r = dispatcher.run("policy " + fileName, fileName, limit, script::run, false);
                if (!r.ran()) {
                    throw new IllegalArgumentException(r.message());
                }
                next.declared();
                apply(next);
                PolicyVersion previous = current;
                current = next;
                loadedText = text;
                if (previous != null) {
                    dispatcher.retire(previous.handlers());
                    dispatcher.retire(previous.timers());
                    previous.discard();
                }
                dispatcher.enableAgain();
                ok = true;
            } finally {
                if (!ok) {
                    next.discard();
                }
            }
        }
    }

    /** Limits, then sub-jobs, then timers; limits are restored if the sub-jobs fail. */
    private void apply(PolicyVersion next) {
        JobLimits before = job.limits();
        JobLimits wanted;
        try {
            wanted = next.limits() == null ? baseLimits : next.limits().applyTo(baseLimits);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(fileName + ": job { ... }: " + e.getMessage(), e);
        }
        if (!wanted.equals(before)) {
            job.setLimits(wanted);
        }
        List<String> created = new ArrayList<>();
        try {
            for (PolicyVersion.SubJob s : next.subJobs().values()) {
                JobLimits limits;
                try {
                    limits = s.limits().applyTo(JobLimits.NONE);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(s.where() + ": " + e.getMessage(), e);
                }
                SubJob existing = subJobs.get(s.name());
                if (existing != null) {
                    if (!limits.equals(existing.job().limits())) {
                        existing.job().setLimits(limits);
                    }
                } else {
                    subJobs.put(s.name(), createSubJob(s.name(), limits));
                    created.add(s.name());
                }
            }
        } catch (RuntimeException e) {
            for (String n : created) {
                closeSubJob(subJobs.remove(n));
            }
            if (!job.limits().equals(before)) {
                try {
                    job.setLimits(before);
                } catch (RuntimeException restore) {
                    e.addSuppressed(restore);
                }
            }
            throw e;
        }
        for (String n : List.copyOf(subJobs.keySet())) {
            if (!next.subJobs().containsKey(n)) {
                closeSubJob(subJobs.remove(n));
            }
        }
        startTimers(next);
    }

    private SubJob createSubJob(String subName, JobLimits limits) {
        Job child = job.createChild(new JobSpec(subName, null, limits));
        List<AutoCloseable> published = new ArrayList<>();
        for (PolicyViews view : VIEWS) {
            try {
                published.add(view.publish(child));
            } catch (UnsupportedOperationException e) {
                LOG.log(System.Logger.Level.INFO, "policy " + name + ": sub-job " + subName + " has no Job MBean: " + e.getMessage());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.WARNING, "policy " + name + ": sub-job " + subName + ": Job MBean not registered: " + e);
            }
        }
        AutoCloseable mbean = () -> {
            for (AutoCloseable p : published) {
                quietly(p);
            }
        };
        AutoCloseable events = child.subscribe(e -> enqueue(e, child));
        LOG.log(System.Logger.Level.INFO, "policy " + name + ": sub-job " + subName + " created (" + limits + ")");
        return new SubJob(child, new PolicyJob(child), mbean, events);
    }

    /** Moves the sub-job's processes back into the job (stopping a policy kills nothing), then closes it. */
    private void closeSubJob(SubJob s) {
        if (s == null) {
            return;
        }
        quietly(s.events());
        quietly(s.mbean());
        if (!job.isClosed() && !s.job().isClosed()) {
            for (long pid : s.job().pids()) {
                try {
                    job.assign(pid);
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "policy " + name + ": pid " + pid + " not moved back: " + e.getMessage());
                }
            }
        }
        try {
            s.job().close();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "policy " + name + ": closing sub-job " + s.job().name() + ": " + e);
        }
    }

    private void startTimers(PolicyVersion next) {
        synchronized (timers) {
            timers.forEach(t -> t.cancel(false));
            timers.clear();
            for (PolicyVersion.Timer t : next.timers()) {
                long ms = t.period().toMillis();
                timers.add(dispatcher.timer().scheduleAtFixedRate(() -> {
                    try {
                        tick(next, t);
                    } catch (Throwable e) {
                        // A tick that cannot be handed over (out of memory, say) must not cancel the timer for good.
                    }
                }, ms, ms, TimeUnit.MILLISECONDS));
            }
            if (next.subJobs().values().stream().anyMatch(s -> s.match() != null)) {
                AtomicBoolean pending = new AtomicBoolean();
                long ms = SWEEP.toMillis();
                timers.add(dispatcher.timer().scheduleAtFixedRate(() -> {
                    if (pending.compareAndSet(false, true)
                            && !dispatcher.post(new PolicyDispatcher.Item("sub-job sweep", () -> {
                                pending.set(false);
                                sweep();
                            }, false))) {
                        pending.set(false);
                    }
                }, ms, ms, TimeUnit.MILLISECONDS));
            }
        }
    }

    /**
     * Hands one tick of a timer to the timer's own thread, unless a previous tick still waits there (then it is
     * counted as skipped) or the handler is disabled.
     */
    private void tick(PolicyVersion version, PolicyVersion.Timer t) {
        if (current != version || !dispatcher.enabled(t)) {
            return;
        }
        if (!dispatcher.submit(t, t.where(), fileName, () -> {
            if (current == version) {
                call(t.body(), null, jobView);
            }
        }, true)) {
            if (dispatcher.enabled(t)) {
                dispatcher.countSkippedTick();
            }
        }
    }

    /** On the job's event thread: only enqueue. */
    private void enqueue(JobEvent e, Job source) {
        dispatcher.post(new PolicyDispatcher.Item(e.type() + (e.pid() != 0 ? " pid " + e.pid() : ""), () -> dispatch(e, source), true));
    }

    /** On the policy thread: sub-job matching, then every handler that takes this event, each on its own thread. */
    private void dispatch(JobEvent e, Job source) {
        PolicyVersion v = current;
        String what = e.type() + (e.pid() != 0 ? " pid " + e.pid() : "");
        if (v == null || closed) {
            return;
        }
        try {
            if (e instanceof JobEvent.NewProcess np && source == job) {
                matchNew(np.pid());
            }
        } finally {
            PolicyJob view = jobView;
            if (source != job) {
                view = subJobs.values().stream().filter(s -> s.job() == source).map(SubJob::view).findFirst().orElse(new PolicyJob(source));
            }
            PolicyJob jobOfEvent = view;
            boolean taken = false;
            boolean full = false;
            for (PolicyVersion.Handler h : v.handlers()) {
                if (h.accepts(e) && dispatcher.enabled(h)) {
                    if (dispatcher.submit(h, h.where(), fileName, () -> call(h.body(), e, jobOfEvent), false)) {
                        taken = true;
                    } else {
                        full = true;
                    }
                }
            }
            if (taken || full) {
                // Counted for the handlers: an event no handler takes is neither delivered nor dropped.
                dispatcher.countEvent(taken, what);
            }
        }
    }

    /** Calls a handler with as many of (event, job) as it takes; {@code event} is visible as the DSL word too. */
    private void call(Closure<?> body, JobEvent e, PolicyJob source) {
        currentEvent.set(e);
        try {
            switch (body.getMaximumNumberOfParameters()) {
                case 0 -> body.call();
                case 1 -> body.call(e);
                default -> body.call(e, source);
            }
        } finally {
            currentEvent.remove();
        }
    }

    // --- sub-job matching: a process whose command line matches joins the sub-job -------------------

    private void matchNew(long pid) {
        if (!hasMatchers()) {
            return;
        }
        if (!tryMatch(pid, subJobPids())) {
            // Seen at fork, before exec: the command line is still the parent's. Look again shortly;
            // the periodic sweep catches the rest.
            for (long delay : new long[] {50, 300}) {
                dispatcher.timer().schedule(() -> dispatcher.post(new PolicyDispatcher.Item("sub-job match pid " + pid,
                        () -> {
                            if (job.pids().contains(pid)) {
                                tryMatch(pid, subJobPids());
                            }
                        }, false)), delay, TimeUnit.MILLISECONDS);
            }
        }
    }

    private void sweep() {
        if (closed || job.isClosed() || !hasMatchers()) {
            return;
        }
        Set<Long> inSubJobs = subJobPids();
        for (long pid : job.pids()) {
            tryMatch(pid, inSubJobs);
        }
    }

    private boolean hasMatchers() {
        PolicyVersion v = current;
        return v != null && v.subJobs().values().stream().anyMatch(s -> s.match() != null);
    }

    private Set<Long> subJobPids() {
        Set<Long> pids = new HashSet<>();
        subJobs.values().forEach(s -> pids.addAll(s.job().pids()));
        return pids;
    }

    /** True when the process is settled: matched and moved, in a sub-job already, or this JVM. */
    private boolean tryMatch(long pid, Set<Long> inSubJobs) {
        if (pid == SELF || inSubJobs.contains(pid)) {
            return true;
        }
        String command = PolicyProcess.commandLine(job, pid);
        if (command.isEmpty()) {
            return false;
        }
        PolicyVersion v = current;
        for (PolicyVersion.SubJob s : v.subJobs().values()) {
            SubJob live = subJobs.get(s.name());
            if (s.match() != null && live != null && s.match().matcher(command).find()) {
                try {
                    live.job().assign(pid);
                    LOG.log(System.Logger.Level.INFO, "policy " + name + ": pid " + pid + " (" + command + ") moved into sub-job " + s.name());
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.DEBUG, "policy " + name + ": pid " + pid + " not moved into " + s.name() + ": " + e.getMessage());
                }
                return true;
            }
        }
        return false;
    }

    // --- what the DSL and the MBean use ----------------------------------------------------------

    PolicyVersion current() {
        return current;
    }

    PolicyJob jobView() {
        return jobView;
    }

    PolicyJob subJobView(String subName) {
        SubJob s = subJobs.get(subName);
        if (s == null) {
            throw new IllegalArgumentException("no sub-job '" + subName + "' (declared: " + String.join(", ", subJobs.keySet())
                    + "); sub-jobs are declared at the top level with subjob('" + subName + "') { ... }");
        }
        return s.view();
    }

    String param(String key) {
        return params.get(key);
    }

    JobEvent currentEvent() {
        return currentEvent.get();
    }

    PolicyLog log() {
        return log;
    }

    void notifyMessage(String message) {
        JobEvent e = currentEvent.get();
        LOG.log(System.Logger.Level.INFO, "policy " + name + " notifies: " + message);
        notice(PolicyNotices.Kind.MESSAGE, message, e == null ? null : e.type());
    }

    private void reportError(String message) {
        notice(PolicyNotices.Kind.ERROR, message, null);
    }

    private void notice(PolicyNotices.Kind kind, String message, String eventType) {
        PolicyNotices n = notices;
        if (n != null) {
            n.send(kind, message, eventType);
        }
    }

    public String name() {
        return name;
    }

    public Path file() {
        return file;
    }

    public Job job() {
        return job;
    }

    public Instant loadedAt() {
        PolicyVersion v = current;
        return v == null ? Instant.EPOCH : v.loadedAt();
    }

    public int version() {
        PolicyVersion v = current;
        return v == null ? 0 : v.number();
    }

    /** One reading of this policy's counters and state, for the views above the policy layer. */
    public PolicyHealth health() {
        PolicyDispatcher d = dispatcher;
        return new PolicyHealth(name, file.toString(), job.name(), loadedAt(), version(), reloads.get(), reloadFailures.get(),
                d.handlersRun(), d.handlerErrors(), d.handlersTimedOut(), d.handlerThreadsAbandoned(), d.handlerThreadsStuck(),
                d.disabledHandlers(), d.disabled(), d.pumpRestarts(), d.eventsDelivered(), d.eventsDropped(), d.ticksSkipped(),
                d.queued(), d.capacity(), d.budget(), allocationBudget, List.copyOf(subJobs.keySet()), watch != null, d.lastError());
    }

    /** Shows this policy through the first view that shows policies (the Policy MBean); IllegalArgumentException if it cannot be. */
    private void publish() {
        for (PolicyViews view : VIEWS) {
            try {
                notices = view.publishPolicy(this);
                return;
            } catch (UnsupportedOperationException e) {
                // this view shows sub-jobs only
            }
        }
        LOG.log(System.Logger.Level.INFO, "policy " + name + ": no view shows policies here: it runs without its MBean");
    }

    /** Stops the handlers and timers, moves sub-job processes back into the job and closes the sub-jobs, unregisters the MBean. */
    @Override
    public void close() {
        synchronized (reloadLock) {
            if (closed) {
                return;
            }
            closed = true;
        }
        if (watch != null) {
            watch.close();
        }
        quietly(jobEvents);
        synchronized (timers) {
            timers.forEach(t -> t.cancel(false));
            timers.clear();
        }
        dispatcher.close();
        for (String n : List.copyOf(subJobs.keySet())) {
            closeSubJob(subJobs.remove(n));
        }
        PolicyNotices n = notices;
        if (n != null) {
            notices = null;
            n.close();
        }
        PolicyVersion v = current;
        if (v != null) {
            v.discard();
        }
    }

    private static void quietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            LOG.log(System.Logger.Level.DEBUG, "jobgov.policy: close failed: " + e);
        }
    }
}
