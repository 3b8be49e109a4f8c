package jobgov.linux;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import jobgov.job.BackendJob;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;

/**
 * A governing JVM for {@link Cgroup2KillOnCloseTest}: makes a cgroup2 job under the cgroup given as
 * {@code args[0]} (a path in the unified tree), starts a tree of {@code sleep args[1]} processes in it (two of
 * them double-forked, one in its own session), prints {@code ready DIR} and waits to be killed.
 */
public final class Cgroup2GovernorMain {
    private Cgroup2GovernorMain() {
    }

    public static void main(String[] args) throws Exception {
        BackendJob job = new Cgroup2Backend().create(new JobSpec("kill-on-close", args[0], JobLimits.NONE), e -> { });
        String s = args[1];
        job.start(new ProcessBuilder("/bin/sh", "-c", "sleep " + s + " & sleep " + s + " & (sleep " + s + " &); (setsid sleep " + s
                + " &); exec sleep " + s));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (job.pids().size() < 5 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        System.out.println("ready " + Path.of(job.location().substring("unified=".length())));
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
