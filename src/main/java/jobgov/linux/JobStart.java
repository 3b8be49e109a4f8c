package jobgov.linux;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jobgov.job.JobException;

/**
 * Putting processes into a job. {@link #assign} moves a running process; {@link #start} starts a command
 * without a moment outside the job: {@code /bin/sh -c} writes its own pid into every
 * {@code cgroup.procs} of the job, takes the OOM score of the host's children ({@link HostProcess}), takes the
 * per-process limits (ulimit), then execs the command, so the
 * returned Process is the command itself. Shared by the cgroup1 and cgroup2 jobs.
 */
final class JobStart {
    private static final String SCRIPT = "n=$1; shift; while [ \"$n\" -gt 0 ]; do echo $$ > \"$1\" || exit 126; shift; n=$((n-1)); done; ";

    private JobStart() {
    }

    /** Moves the running process {@code pid} into every cgroup directory of {@code dirs} and gives it the per-process limits. */
    static void assign(long pid, List<Path> dirs, ProcessRlimits rlimits, String job, ProcessTracker tracker) {
        if (ProcessHandle.of(pid).isEmpty()) {
            throw new JobException("cannot assign pid " + pid + " to job " + job + ": no such process");
        }
        for (Path d : dirs) {
            try {
                CgroupFiles.write(d.resolve("cgroup.procs"), Long.toString(pid));
            } catch (IOException e) {
                throw new JobException("cannot assign pid " + pid + " to job " + job + ": " + e.getMessage(), e);
            }
        }
        if (HostProcess.isHost(pid)) {
            HostProcess.joined(); // never the per-process limits; an OOM score below its children's
        } else {
            rlimits.applyTo(pid);
        }
        tracker.joined(pid);
    }

    /**
     * Starts {@code command} in the cgroup directories {@code dirs}; returns once the wrapper has joined the
     * last of them (so the job's pids() list it) or has died. The tracker learns of it; {@code wake} runs
     * when it exits.
     */
    static Process start(ProcessBuilder command, List<Path> dirs, ProcessRlimits rlimits, String job, ProcessTracker tracker, Runnable wake) {
        List<String> original = command.command();
        if (original.isEmpty()) {
            throw new JobException("no command to start");
        }
        List<String> wrapped = new ArrayList<>(List.of("/bin/sh", "-c", SCRIPT + HostProcess.shellOomScore() + rlimits.shellUlimits() + "exec \"$@\"",
                "jobgov-start", String.valueOf(dirs.size())));
        dirs.forEach(d -> wrapped.add(d.resolve("cgroup.procs").toString()));
        wrapped.addAll(original);
        Process p;
        long since = System.nanoTime(); // the connector's stamp on this process's fork is later: see ProcessTracker.starting
        try {
            command.command(wrapped);
            p = command.start();
        } catch (IOException e) {
            throw new JobException("cannot start " + original + " in job " + job + ": " + e.getMessage(), e);
        } finally {
            command.command(original);
        }
        long pid = p.pid();
        tracker.starting(pid, since);
        // A terminate right after start must find the process in the job.
        awaitJoined(p, dirs.get(dirs.size() - 1));
        tracker.joined(pid);
        tracker.onExit(p, wake);
        return p;
    }

    private static void awaitJoined(Process p, Path last) {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (p.isAlive() && System.nanoTime() < deadline && !CgroupFiles.procs(last).contains(p.pid())) {
            Thread.onSpinWait();
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * The wrapper shell would turn a missing program into exit 127; fail like the JDK's own start() does instead,
     * with the JDK's IOException ("error=2, No such file or directory") as the cause. No command: nothing to check.
     */
    static void checkExecutable(ProcessBuilder pb) {
        if (pb.command().isEmpty()) {
            return;
        }
        String program = pb.command().get(0);
        List<Path> candidates = new ArrayList<>();
        if (program.contains("/")) {
            candidates.add(pb.directory() != null && !program.startsWith("/") ? pb.directory().toPath().resolve(program) : Path.of(program));
        } else {
            for (String d : pb.environment().getOrDefault("PATH", "/usr/local/bin:/usr/bin:/bin").split(":")) {
                if (!d.isEmpty()) {
                    candidates.add(Path.of(d, program));
                }
            }
        }
        boolean exists = false;
        for (Path p : candidates) {
            if (Files.isRegularFile(p)) {
                exists = true;
                if (Files.isExecutable(p)) {
                    return;
                }
            }
        }
        String errno = exists ? "error=13, Permission denied" : "error=2, No such file or directory";
        IOException cause = new IOException("Cannot run program \"" + program + "\": " + errno);
        throw new JobException("cannot start " + program + ": " + errno, cause);
    }
}
