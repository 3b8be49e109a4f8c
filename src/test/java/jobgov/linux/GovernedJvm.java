package jobgov.linux;

import jobgov.job.Job;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;

/**
 * A small governing JVM for {@link Cgroup1KillOnCloseIT}: creates a kill-on-close cgroup1 job named args[0],
 * starts a tree of {@code args[1]}-marked sleeps in it (half double-forked), optionally moves itself into the
 * job ({@code args[2] == "join"}), prints {@code ready} and waits to be killed.
 */
public final class GovernedJvm {
    private GovernedJvm() {
    }

    public static void main(String[] args) throws Exception {
        Job job = Job.create(new Cgroup1Backend(), new JobSpec(args[0], null, JobLimits.builder().killOnClose(true).build()));
        String marker = args[1];
        job.start(new ProcessBuilder("/bin/sh", "-c",
                "for i in 1 2 3 4 5; do sleep " + marker + " & (sleep " + marker + " &) ; done; wait")
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD));
        if (args.length > 2 && args[2].equals("join")) {
            job.assign(ProcessHandle.current().pid());
        }
        while (job.pids().stream().filter(p -> p != ProcessHandle.current().pid()).count() < 11) { // sh + 10 sleeps
            Thread.sleep(10);
        }
        System.out.println("ready " + job.location());
        System.out.flush();
        Thread.sleep(600_000);
    }
}
