package jobgov.linux;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jobgov.job.JobException;

/**
 * Kill-on-close that survives the JVM: a tiny {@code /bin/sh} process outside the job, in its own session
 * ({@code setsid}) and moved into the creator's original cgroups, whose stdin is a pipe from this JVM (the
 * lifeline). Only this JVM holds the pipe's write end (the JDK closes inherited descriptors in children),
 * so when the JVM dies for any reason, SIGKILL included, the watchdog reads EOF and:
 * <ul>
 *   <li>in {@code kill} mode (kill-on-close) kills every process of the job ({@code cgroup.kill} when given,
 *       else freeze + SIGKILL every task + thaw), repeating every 50 ms until the job is empty;</li>
 *   <li>in both modes removes the job's cgroups, deepest first, once they are empty ({@code linger} mode waits
 *       for the job's processes to exit on their own, checking once a second).</li>
 * </ul>
 * A clean {@link #close()} sends {@code bye}: the JVM has already done that work and the watchdog just exits.
 * When the host JVM is itself in the job, only the watchdog can remove the job after the JVM exits.
 * Shared by the cgroup1 and cgroup2 backends.
 */
public final class Watchdog implements AutoCloseable {
    // $1 mode, $2 cgroup.kill file or -, $3 freezer.state file or -, $4 count of home cgroup.procs files, then
    // those files, then the job's directories (in every hierarchy).
    private static final String SCRIPT = """
            mode=$1; killfile=$2; freezer=$3; n=$4; shift 4
            while [ "$n" -gt 0 ]; do echo $$ > "$1" 2>/dev/null; shift; n=$((n-1)); done
            while read -r line; do
              case "$line" in bye) exit 0 ;; kill|linger) mode=$line ;; esac
            done
            procs() { for d in "$@"; do [ -d "$d" ] && find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null; done; }
            if [ "$mode" = kill ]; then
              i=0
              while [ -n "$(procs "$@")" ] && [ $i -lt 600 ]; do
                [ "$killfile" != - ] && [ -e "$killfile" ] && echo 1 > "$killfile"
                [ "$freezer" != - ] && [ -e "$freezer" ] && echo FROZEN > "$freezer"
                for p in $(procs "$@"); do kill -9 "$p" 2>/dev/null; done
                [ "$freezer" != - ] && [ -e "$freezer" ] && echo THAWED > "$freezer"
                sleep 0.05; i=$((i+1))
              done
            fi
            while :; do
              if [ -z "$(procs "$@")" ]; then
                for d in "$@"; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done
                left=0; for d in "$@"; do [ -d "$d" ] && left=1; done
                [ $left = 0 ] && exit 0
              fi
              sleep 1
            done
            """;

    private final Process process;
    private final OutputStream lifeline;

    private Watchdog(Process process) {
        this.process = process;
        this.lifeline = process.getOutputStream();
    }

    /**
     * Starts the watchdog of one job.
     *
     * @param killOnClose  kill the job's processes when the lifeline breaks (else only remove the cgroups once empty)
     * @param killFile     the job's {@code cgroup.kill} (v2 / unified tree), or null
     * @param freezerState the job's v1 {@code freezer.state}, or null
     * @param homeProcs    the {@code cgroup.procs} files of the cgroups the watchdog moves itself into (outside the job)
     * @param jobDirs      every directory of the job, in every hierarchy
     */
    public static Watchdog start(String jobName, boolean killOnClose, Path killFile, Path freezerState,
                                 List<Path> homeProcs, List<Path> jobDirs) {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid"); // out of the JVM's session: a terminal's ^C to the JVM does not reach it
        }
        cmd.addAll(List.of("/bin/sh", "-c", SCRIPT, "jobgov-watchdog-" + jobName, killOnClose ? "kill" : "linger",
                killFile == null ? "-" : killFile.toString(), freezerState == null ? "-" : freezerState.toString(),
                String.valueOf(homeProcs.size())));
        homeProcs.forEach(p -> cmd.add(p.toString()));
        jobDirs.forEach(p -> cmd.add(p.toString()));
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD) // never a pipe to us: it would SIGPIPE once we are gone
                    .start();
            return new Watchdog(p);
        } catch (IOException e) {
            throw new JobException("cannot start the kill-on-close watchdog (/bin/sh): " + e.getMessage(), e);
        }
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Switches between kill-on-close ({@code true}) and leaving the processes to finish ({@code false}). */
    public synchronized void killOnClose(boolean kill) {
        send(kill ? "kill" : "linger");
    }

    /** The JVM has closed the job itself: the watchdog exits without touching it. */
    @Override
    public synchronized void close() {
        send("bye");
        try {
            lifeline.close();
        } catch (IOException ignored) {
            // it is gone already
        }
        try {
            if (!process.waitFor(2, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Lets go of the lifeline without {@code bye}: the watchdog acts as if the JVM had died (kills in kill
     * mode, then removes the cgroups once empty). For a job closed while processes remain in it.
     */
    public synchronized void detach() {
        try {
            lifeline.close();
        } catch (IOException ignored) {
            // it is gone already
        }
    }

    private void send(String line) {
        try {
            lifeline.write((line + "\n").getBytes(StandardCharsets.US_ASCII));
            lifeline.flush();
        } catch (IOException ignored) {
            // the watchdog died: nothing to tell it
        }
    }
}
