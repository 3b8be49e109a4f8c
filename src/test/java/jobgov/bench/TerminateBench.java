package jobgov.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import jobgov.job.Job;
import jobgov.job.JobSpec;
import jobgov.job.Jobs;
import jobgov.testing.LiveProcesses;

/**
 * Terminating a tree of N processes, half double-forked: jobgov's {@code Job.terminate} against what Java
 * users write today, {@code ProcessHandle.descendants().forEach(destroyForcibly)}.
 *
 * <p>Time to empty: from the kill call until every process the method targets is gone (dead or a
 * zombie); for the tree walk that is the processes it can see. Survivors: the tree's processes still
 * alive 200 ms later.
 */
final class TerminateBench {
    record Result(double millis, int survivors) {
    }

    private TerminateBench() {
    }

    static Result treeWalk(int size) throws Exception {
        ProcessTree tree = new ProcessTree(size);
        Process root = tree.command().start();
        try {
            tree.awaitStarted(60_000);
            long t0 = System.nanoTime();
            List<ProcessHandle> targets = new ArrayList<>(root.toHandle().descendants().toList());
            targets.forEach(ProcessHandle::destroyForcibly);
            root.destroyForcibly();
            targets.add(root.toHandle());
            awaitGone(targets.stream().map(ProcessHandle::pid).toList());
            double millis = (System.nanoTime() - t0) / 1e6;
            Thread.sleep(200);
            return new Result(millis, tree.alive().size());
        } finally {
            root.destroyForcibly();
            tree.cleanUp();
        }
    }

    static Result jobgov(int size) throws Exception {
        ProcessTree tree = new ProcessTree(size);
        try (Job job = Jobs.create(JobSpec.named("jobgov-bench-" + ThreadLocalRandom.current().nextInt(1 << 30)))) {
            Process root = job.start(tree.command());
            tree.awaitStarted(60_000);
            List<Long> targets = new ArrayList<>(tree.alive());
            targets.add(root.pid());
            long t0 = System.nanoTime();
            job.terminate(137);
            awaitGone(targets);
            double millis = (System.nanoTime() - t0) / 1e6;
            Thread.sleep(200);
            return new Result(millis, tree.alive().size());
        } finally {
            tree.cleanUp();
        }
    }

    private static void awaitGone(List<Long> pids) throws InterruptedException {
        long end = System.nanoTime() + 30_000_000_000L;
        List<Long> left = new ArrayList<>(pids);
        while (!left.isEmpty() && System.nanoTime() < end) {
            left.removeIf(pid -> !LiveProcesses.alive(pid));
            if (!left.isEmpty()) {
                Thread.sleep(1);
            }
        }
    }
}
