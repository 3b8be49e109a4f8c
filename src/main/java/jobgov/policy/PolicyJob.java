package jobgov.policy;

import groovy.lang.Closure;
import java.io.File;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jobgov.job.Job;
import jobgov.job.JobCounters;
import jobgov.job.JobLimits;

/**
 * {@code job} (and {@code subjob('name')}) as a policy handler sees it: limits, counters, processes,
 * and the actions a policy takes. The JVM running the policy is never listed in {@link #getProcesses()}
 * and never killed by {@link #kill}/{@link #killTree}: only {@link #terminate} ends the whole job.
 */
public final class PolicyJob {
    private static final long SELF = ProcessHandle.current().pid();

    private final Job job;

    PolicyJob(Job job) {
        this.job = job;
    }

    public String getName() {
        return job.name();
    }

    /** The backend's name: cgroup1, cgroup2, windows or degraded. */
    public String getBackend() {
        return job.backend();
    }

    /** The job's current limits (a {@link JobLimits}; {@code null} fields are unset). */
    public JobLimits getLimits() {
        return job.limits();
    }

    /** Tightens or releases limits all-or-nothing: {@code job.limits { cpu '10%' }}, {@code job.limits { cpu 'none' } }. */
    public JobLimits limits(Closure<?> block) {
        JobLimits next = LimitsBlock.collect(block, false).applyTo(job.limits());
        job.setLimits(next);
        return next;
    }

    /** The same in the text form of the CLI: {@code job.limits 'cpu=10%,processes=32'}. */
    public JobLimits limits(String spec) {
        job.setLimits(spec);
        return job.limits();
    }

    public JobCounters getCounters() {
        return job.counters();
    }

    /** Every pid in the job now (the host JVM too, when it is in the job). */
    public List<Long> getPids() {
        return job.pids();
    }

    /** The job's processes other than this JVM, as the job's backend reads them. */
    public List<PolicyProcess> getProcesses() {
        List<PolicyProcess> out = new ArrayList<>();
        for (long pid : job.pids()) {
            if (pid != SELF) {
                PolicyProcess.read(job, pid).ifPresent(out::add);
            }
        }
        return out;
    }

    /** Kills every process of the job (the host JVM too when it is in the job), exit code 137. */
    public void terminate() {
        terminate(137);
    }

    public void terminate(int exitCode) {
        job.terminate(exitCode);
    }

    /**
     * SIGKILLs one process of this job (or of one of its nested jobs). Returns false when it is not there. The job
     * checks membership while it holds the process (a pidfd on Linux), so a pid reused by a stranger is left alone.
     */
    public boolean kill(long pid) {
        return pid != SELF && job.kill(List.of(pid)).contains(pid);
    }

    /**
     * SIGKILLs {@code pid} and every process of the job descended from it. Where the job can stop processes (Linux),
     * the tree is first stopped (SIGSTOP, parents before children) in rounds until no new member appears, so a fork
     * storm can neither grow nor orphan children out of the tree while it is killed; elsewhere it is killed in rounds.
     * Every signal goes through the job ({@link Job#stop}, {@link Job#kill}), which re-checks membership with the
     * process held: a pid that a stranger received meanwhile is never signalled. Processes that had been reparented
     * away from the subtree before (double forks) are out of reach: use {@link #terminate} for those. Returns how many
     * processes were killed.
     */
    public int killTree(long pid) {
        if (!job.canStop()) {
            return killTreeInRounds(pid);
        }
        Set<Long> stopped = new LinkedHashSet<>();
        for (int round = 0; round < 100; round++) {
            Set<Long> fresh = subtree(pid);
            fresh.removeAll(stopped);
            if (fresh.isEmpty()) {
                break;
            }
            stopped.addAll(job.stop(fresh)); // signalled in this order: parents before their children
        }
        return job.kill(stopped).size();
    }

    private int killTreeInRounds(long pid) {
        int killed = 0;
        for (int round = 0; round < 50; round++) {
            Set<Long> tree = subtree(pid);
            if (tree.isEmpty()) {
                break;
            }
            killed += job.kill(tree).size();
        }
        return killed;
    }

    /**
     * Starts a command inside the job: a String is split at whitespace, a List or array gives the
     * arguments, a ProcessBuilder is used as it is. Output goes where the JVM's own output goes.
     */
    public Process start(Object command) {
        ProcessBuilder pb;
        if (command instanceof ProcessBuilder b) {
            pb = b;
        } else {
            List<String> args;
            if (command instanceof List<?> l) {
                args = l.stream().map(String::valueOf).toList();
            } else if (command instanceof Object[] a) {
                args = Arrays.stream(a).map(String::valueOf).toList();
            } else {
                args = Arrays.asList(String.valueOf(command).trim().split("\\s+"));
            }
            pb = new ProcessBuilder(args).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
        }
        return job.start(pb);
    }

    /** Moves a running process into this job (on Linux its existing children stay where they are). */
    public void assign(long pid) {
        job.assign(pid);
    }

    /** The model object, for what the DSL does not cover. */
    public Job getModel() {
        return job;
    }

    @Override
    public String toString() {
        return "job " + job.name();
    }

    private Set<Long> members() {
        Set<Long> all = new HashSet<>(job.pids());
        for (Job child : job.children()) {
            all.addAll(new PolicyJob(child).members());
        }
        return all;
    }

    /**
     * The members descended from {@code root} (and root itself), parents before their children: a child stopped
     * before its parent sends the parent SIGCHLD, which wakes a shell from its fork-retry sleep so that it gives up
     * and exits by itself, orphaning the rest of its tree out of reach.
     */
    private Set<Long> subtree(long root) {
        Map<Long, Long> parent = new HashMap<>();
        for (long p : members()) {
            PolicyProcess.read(job, p).ifPresent(pp -> parent.put(pp.pid(), pp.parentPid()));
        }
        Map<Long, Integer> depthOf = new HashMap<>();
        for (long p : parent.keySet()) {
            long q = p;
            for (int depth = 0; depth < 4096 && q > 1; depth++) {
                if (q == root) {
                    depthOf.put(p, depth);
                    break;
                }
                Long up = parent.get(q);
                q = up == null ? readParent(q) : up;
            }
        }
        depthOf.remove(SELF);
        Set<Long> tree = new LinkedHashSet<>();
        depthOf.entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(e -> tree.add(e.getKey()));
        return tree;
    }

    private long readParent(long pid) {
        return PolicyProcess.read(job, pid).map(PolicyProcess::parentPid).orElse(0L);
    }
}
