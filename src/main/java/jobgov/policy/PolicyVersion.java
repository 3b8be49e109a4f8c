package jobgov.policy;

import groovy.lang.Closure;
import groovy.lang.GroovyClassLoader;
import groovy.lang.GroovySystem;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import jobgov.job.JobEvent;

/**
 * One compiled version of a policy file: its own class loader (dropped on reload, so reloading does
 * not leak classes), the script instance, and what its top level declared.
 */
final class PolicyVersion {
    /** An {@code on(...)} handler; {@code where} is {@code on(ProcessExited) at file:line}. */
    record Handler(List<Class<?>> types, Closure<?> body, String where) {
        boolean accepts(JobEvent e) {
            for (Class<?> t : types) {
                if (t.isInstance(e)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** An {@code every(...)} timer. */
    record Timer(Duration period, Closure<?> body, String where) {
    }

    /** A {@code subjob(...)} declaration: limits and the optional command pattern. */
    record SubJob(String name, LimitsBlock limits, Pattern match, String where) {
    }

    private final PolicyRuntime runtime;
    private final GroovyClassLoader loader;
    private final PolicyScript script;
    private final String fileName;
    private final int number;
    private final Instant loadedAt = Instant.now();
    private final List<Handler> handlers = new ArrayList<>();
    private final List<Timer> timers = new ArrayList<>();
    private final Map<String, SubJob> subJobs = new LinkedHashMap<>();
    private LimitsBlock limits;
    private volatile boolean declaring = true;

    PolicyVersion(PolicyRuntime runtime, GroovyClassLoader loader, PolicyScript script, String fileName, int number) {
        this.runtime = runtime;
        this.loader = loader;
        this.script = script;
        this.fileName = fileName;
        this.number = number;
        script.bind(this);
    }

    PolicyRuntime runtime() {
        return runtime;
    }

    PolicyScript script() {
        return script;
    }

    int number() {
        return number;
    }

    Instant loadedAt() {
        return loadedAt;
    }

    boolean declaring() {
        return declaring;
    }

    /** Ends the declaration phase: from now on the DSL words act instead of declaring. */
    void declared() {
        declaring = false;
    }

    void declareLimits(LimitsBlock block) {
        requireDeclaring("job { ... }");
        if (limits != null) {
            throw new IllegalArgumentException("job { ... } given twice; put every limit in one block");
        }
        limits = block;
    }

    void declareHandler(List<Class<?>> types, Closure<?> body) {
        requireDeclaring("on(...)");
        String names = String.join(", ", types.stream().map(Class::getSimpleName).toList());
        handlers.add(new Handler(List.copyOf(types), body, "on(" + names + ") at " + callerLine()));
    }

    void declareTimer(Duration period, Closure<?> body) {
        requireDeclaring("every(...)");
        if (period.toMillis() < 10) {
            throw new IllegalArgumentException("every(" + period + "): the period must be at least 10ms");
        }
        timers.add(new Timer(period, body, "every(" + jobgov.job.Units.formatDuration(period) + ") at " + callerLine()));
    }

    void declareSubJob(String name, LimitsBlock block) {
        requireDeclaring("subjob(...)");
        if (subJobs.containsKey(name)) {
            throw new IllegalArgumentException("subjob('" + name + "') declared twice");
        }
        subJobs.put(name, new SubJob(name, block, block.match(), "subjob('" + name + "') at " + callerLine()));
    }

    LimitsBlock limits() {
        return limits;
    }

    List<Handler> handlers() {
        return handlers;
    }

    List<Timer> timers() {
        return timers;
    }

    Map<String, SubJob> subJobs() {
        return subJobs;
    }

    /** Drops this version's classes: meta classes removed, class cache cleared, loader closed. */
    void discard() {
        handlers.clear();
        timers.clear();
        for (Class<?> c : loader.getLoadedClasses()) {
            GroovySystem.getMetaClassRegistry().removeMetaClass(c);
        }
        GroovySystem.getMetaClassRegistry().removeMetaClass(script.getClass());
        loader.clearCache();
        try {
            loader.close();
        } catch (IOException e) {
            // Nothing was opened from files; closing cannot fail in a way that matters.
        }
    }

    private void requireDeclaring(String what) {
        if (!declaring) {
            throw new IllegalStateException(what + " declares at the top level of the policy, not inside a handler");
        }
    }

    /** file:line of the policy statement that called into the DSL. */
    String callerLine() {
        return lineIn(new Throwable().getStackTrace(), fileName);
    }

    /** The first frame of {@code trace} in the policy file, as {@code file:line}, or the file name alone. */
    static String lineIn(StackTraceElement[] trace, String fileName) {
        for (StackTraceElement e : trace) {
            if (fileName.equals(e.getFileName()) && e.getLineNumber() > 0) {
                return fileName + ":" + e.getLineNumber();
            }
        }
        return fileName;
    }
}
