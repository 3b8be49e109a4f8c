package jobgov.policy;

import groovy.lang.Closure;
import groovy.lang.Script;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import jobgov.job.JobEvent;

/**
 * The base class of every policy script: the words of the DSL. The top level of a policy declares
 * ({@code job}, {@code on}, {@code every}, {@code subjob}); nothing takes effect until the whole
 * script has run without error, so a broken (re)load changes nothing. Inside handlers the same
 * words act on the running job.
 */
public abstract class PolicyScript extends Script {
    private PolicyVersion version;

    final void bind(PolicyVersion version) {
        this.version = version;
    }

    /**
     * At the top level: the job's limits, applied all-or-nothing once the script has run.
     * In a handler: changes the limits now, like {@code job.limits { ... }}.
     */
    public void job(Closure<?> block) {
        if (version.declaring()) {
            version.declareLimits(LimitsBlock.collect(block, false));
        } else {
            getJob().limits(block);
        }
    }

    /** The governed job. */
    public PolicyJob getJob() {
        return version.runtime().jobView();
    }

    /** The event the running handler was called for ({@code null} in {@code every} handlers). */
    public JobEvent getEvent() {
        return version.runtime().currentEvent();
    }

    public PolicyLog getLog() {
        return version.runtime().log();
    }

    /** {@code on(ProcessExited) { e -> ... }}; {@code on([ProcessExited, AbnormalExit]) { e -> ... }}; {@code on(JobEvent)} is every event. */
    public void on(Object types, Closure<?> handler) {
        List<Class<?>> classes = new ArrayList<>();
        for (Object t : types instanceof Collection<?> c ? c : List.of(types)) {
            if (!(t instanceof Class<?> k) || !JobEvent.class.isAssignableFrom(k)) {
                throw new IllegalArgumentException("on(...) takes event types such as ProcessExited or JobMemoryLimit, got " + t);
            }
            classes.add(k);
        }
        if (classes.isEmpty()) {
            throw new IllegalArgumentException("on(...) needs at least one event type");
        }
        version.declareHandler(classes, handler);
    }

    /** {@code every('5s') { ... }}: runs the block at that period, on the policy's thread. */
    public void every(Object period, Closure<?> handler) {
        version.declareTimer(PolicyUnits.duration(period), handler);
    }

    /** Declares a nested job: {@code subjob('py') { memory '256m'; cpu '25%'; match ~/python3/ }}. */
    public PolicyJob subjob(String name, Closure<?> block) {
        if (!version.declaring()) {
            throw new IllegalStateException("subjob('" + name + "') { ... } declares a sub-job at the top level of the policy; in a handler use subjob('" + name + "')");
        }
        version.declareSubJob(name, LimitsBlock.collect(block, true));
        return null;
    }

    /** A declared sub-job, in a handler: {@code subjob('py').start('python3 work.py')}. */
    public PolicyJob subjob(String name) {
        return version.runtime().subJobView(name);
    }

    /**
     * A setting of the policy given at load time as the option {@code param.NAME=VALUE} (agent:
     * {@code -javaagent:jobgov.jar=p.groovy,param.maxCpu=30s}), else {@code fallback}. Always a String
     * (or the fallback as given): convert with {@code size}, {@code duration}, {@code percent}.
     */
    public Object param(String name, Object fallback) {
        String v = version.runtime().param(name);
        return v == null ? fallback : v;
    }

    /** Emits the JMX notification {@code jobgov.policy.message} from this policy's MBean. */
    public void notify(Object message) {
        version.runtime().notifyMessage(String.valueOf(message));
    }
}
