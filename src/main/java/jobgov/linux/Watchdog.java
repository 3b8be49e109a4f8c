package jobgov.linux;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import jobgov.job.JobEvent;
import jobgov.job.JobException;

/**
 * Kill-on-close that survives the JVM: a tiny {@code /bin/sh} process outside the job, in its own session
 * ({@code setsid}) and moved into the creator's original cgroups, whose stdin is a pipe from this JVM (the
 * lifeline). Only this JVM holds the pipe's write end (the JDK closes inherited descriptors in children),
 * so when the JVM dies for any reason, SIGKILL included, the watchdog reads EOF and:
 * <ul>
 *   <li>in {@code kill} mode (kill-on-close) kills every process of the job, never by a pid that could have been
 *       reused: {@code cgroup.kill} when given; else the v1 freezer: FROZEN, wait until it says FROZEN (no task can
 *       exit, so no listed pid can be freed), SIGKILL the tasks of the frozen cgroup, THAWED; repeating every 50 ms
 *       until the job is empty. With neither (cgroup v2 before Linux 5.14) it signals nothing and only removes the
 *       cgroups once the processes are gone ({@link #safeKill} says so beforehand);</li>
 *   <li>in both modes removes the job's cgroups, deepest first, once they are empty ({@code linger} mode waits
 *       for the job's processes to exit on their own, checking once a second).</li>
 * </ul>
 * A clean {@link #close()} sends {@code bye}: the JVM has already done that work and the watchdog just exits.
 * When the host JVM is itself in the job, only the watchdog can remove the job after the JVM exits.
 *
 * <p>A watchdog that dies while the JVM lives (a root member of the job killed it) is noticed at once
 * ({@link Process#onExit()}): the death is logged, a new watchdog is started in the mode of the old one, and the
 * job hears of it ({@link JobEvent.WatchdogRestarted}); after {@link #MAX_RESTARTS} restarts within a minute jobgov
 * stops replacing it ({@link JobEvent.WatchdogGaveUp}). Shared by the cgroup1 and cgroup2 backends.
 */
public final class Watchdog implements AutoCloseable {
    // $1 mode, $2 cgroup.kill file or -, $3 freezer.state file or -, $4 count of home cgroup.procs files, then
    // those files, then the job's directories (in every hierarchy).
    private static final String MODE = "@mode@";
    private static final String SCRIPT = """
            mode=$1; killfile=$2; freezer=$3; n=$4; shift 4
            home=-; while [ "$n" -gt 0 ]; do echo $$ > "$1" 2>/dev/null; home=$1; shift; n=$((n-1)); done
            while read -r line; do
              case "$line" in bye) exit 0 ;; kill|linger) mode=$line ;; esac
            done
            procs() { for d in "$@"; do [ -d "$d" ] && find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null; done; }
            untidy() {  # the JVM died in a jobgov-leaf.PID (cgroup v2): put its cgroup back as it was, as close() does
              leaf=${home%/cgroup.procs}; parent=${leaf%/*}
              case ${leaf##*/} in jobgov-leaf.*) ;; *) return ;; esac
              while read -r p; do [ "$p" -lt $$ ] && return; done < "$home"   # the lowest-pid watchdog there does it
              i=0; while [ $i -lt 100 ]; do
                alone=1; while read -r p; do [ "$p" = $$ ] || alone=0; done < "$home"
                [ $alone = 1 ] && break; sleep 0.1; i=$((i+1))
              done
              [ $alone = 1 ] || return
              for d in "$parent"/*/; do case ${d%/} in "$parent"/jobgov-leaf.*) ;; *) return ;; esac; done
              on=; read -r line < "$parent/cgroup.subtree_control"; for c in $line; do on="$c $on"; done
              for c in $on; do echo "-$c" > "$parent/cgroup.subtree_control" || return; done
              echo $$ > "$parent/cgroup.procs" && rmdir "$leaf"
            }
            if [ "$mode" = kill ]; then
              i=0
              while [ -n "$(procs "$@")" ] && [ $i -lt 600 ]; do
                if [ "$killfile" != - ] && [ -e "$killfile" ]; then
                  echo 1 > "$killfile"
                elif [ "$freezer" != - ] && [ -e "$freezer" ]; then
                  echo FROZEN > "$freezer"; j=0
                  while [ "$(cat "$freezer")" != FROZEN ] && [ $j -lt 100 ]; do sleep 0.01; j=$((j+1)); done
                  if [ "$(cat "$freezer")" = FROZEN ]; then
                    for p in $(procs "${freezer%/*}"); do kill -9 "$p" 2>/dev/null; done
                  fi
                  echo THAWED > "$freezer"
                fi
                sleep 0.05; i=$((i+1))
              done
            fi
            while :; do
              if [ -z "$(procs "$@")" ]; then
                for d in "$@"; do [ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done
                left=0; for d in "$@"; do [ -d "$d" ] && left=1; done
                [ $left = 0 ] && { [ "$home" = - ] || untidy 2>/dev/null; exit 0; }
              fi
              sleep 1
            done
            """;

    private static final System.Logger LOG = System.getLogger("jobgov.linux");

    private final String jobName;
    private final List<String> command;
    private final Consumer<JobEvent> events;
    private Process process;
    private OutputStream lifeline;
    private boolean killMode;
    /** close() or detach() was called: the watchdog's exit is expected from then on. */
    private boolean done;
    /** Restarts within the last RESTART_WINDOW_SECONDS, by System.nanoTime. */
    private final java.util.ArrayDeque<Long> restarts = new java.util.ArrayDeque<>();
    private boolean gaveUp;
    static final int MAX_RESTARTS = 5;
    static final long RESTART_WINDOW_SECONDS = 60;

    private Watchdog(String jobName, List<String> command, boolean killMode, Consumer<JobEvent> events) {
        this.jobName = jobName;
        this.command = command;
        this.killMode = killMode;
        this.events = events;
    }

    /** Whether a crash of the JVM can be followed by a kill that cannot hit a stranger (cgroup.kill, or the v1 freezer). */
    static boolean safeKill(Path killFile, Path freezerState) {
        return killFile != null || freezerState != null;
    }

    private synchronized void spawn() {
        List<String> cmd = new ArrayList<>(command);
        cmd.set(cmd.indexOf(MODE), killMode ? "kill" : "linger");
        try {
            Process p = new ProcessBuilder(cmd)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD) // never a pipe to us: it would SIGPIPE once we are gone
                    .start();
            process = p;
            lifeline = p.getOutputStream();
            p.onExit().thenRun(() -> died(p));
        } catch (IOException e) {
            throw new JobException("cannot start the kill-on-close watchdog (/bin/sh): " + e.getMessage(), e);
        }
    }

    /**
     * The watchdog {@code p} exited: expected after close/detach, else re-armed with a new one, at most
     * {@link #MAX_RESTARTS} times within {@link #RESTART_WINDOW_SECONDS}: a member that kills every new watchdog at
     * once would otherwise make this JVM fork one after the other without end. Past the cap jobgov says so (log,
     * {@link JobEvent.WatchdogGaveUp}) and stops replacing it; the host goes on.
     */
    private void died(Process p) {
        JobEvent event;
        synchronized (this) {
            if (done || p != process) {
                return;
            }
            long now = System.nanoTime();
            while (!restarts.isEmpty() && now - restarts.peekFirst() > TimeUnit.SECONDS.toNanos(RESTART_WINDOW_SECONDS)) {
                restarts.removeFirst();
            }
            if (restarts.size() >= MAX_RESTARTS) {
                gaveUp = true;
                LOG.log(System.Logger.Level.ERROR, "job " + jobName + ": the kill-on-close watchdog (pid " + p.pid()
                        + ") was killed " + (restarts.size() + 1) + " times within " + RESTART_WINDOW_SECONDS + " s; jobgov "
                        + "stops replacing it: kill-on-close is not armed (a SIGKILLed JVM would leave the job running)");
                event = new JobEvent.WatchdogGaveUp(Instant.now(), p.pid(), restarts.size());
            } else {
                restarts.addLast(now);
                long replacement;
                try {
                    spawn();
                    replacement = process.pid();
                    LOG.log(System.Logger.Level.WARNING, "job " + jobName + ": the kill-on-close watchdog (pid " + p.pid()
                            + ") died while the JVM lives; started a new one (pid " + replacement + ")");
                } catch (RuntimeException e) {
                    replacement = 0;
                    gaveUp = true;
                    LOG.log(System.Logger.Level.ERROR, "job " + jobName + ": the kill-on-close watchdog (pid " + p.pid()
                            + ") died and no new one could be started (" + e.getMessage() + "): kill-on-close is not armed");
                }
                event = new JobEvent.WatchdogRestarted(Instant.now(), p.pid(), replacement);
            }
        }
        try {
            events.accept(event);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "job " + jobName + ": watchdog event listener failed", e);
        }
    }

    /** Whether jobgov stopped replacing a killed watchdog (or could not start one): kill-on-close is not armed. */
    public synchronized boolean gaveUp() {
        return gaveUp;
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
                                 List<Path> homeProcs, List<Path> jobDirs, Consumer<JobEvent> events) {
        List<String> cmd = new ArrayList<>();
        if (Files.isExecutable(Path.of("/usr/bin/setsid"))) {
            cmd.add("/usr/bin/setsid"); // out of the JVM's session: a terminal's ^C to the JVM does not reach it
        }
        cmd.addAll(List.of("/bin/sh", "-c", SCRIPT, "jobgov-watchdog-" + jobName, MODE,
                killFile == null ? "-" : killFile.toString(), freezerState == null ? "-" : freezerState.toString(),
                String.valueOf(homeProcs.size())));
        homeProcs.forEach(p -> cmd.add(p.toString()));
        jobDirs.forEach(p -> cmd.add(p.toString()));
        if (killOnClose && !safeKill(killFile, freezerState)) {
            LOG.log(System.Logger.Level.WARNING, "job " + jobName + ": neither cgroup.kill (Linux 5.14+) nor the v1 freezer is "
                    + "here: if this JVM dies, its watchdog removes the job's cgroups once empty but kills nothing (it will not "
                    + "signal pids that may have been reused)");
        }
        Watchdog w = new Watchdog(jobName, List.copyOf(cmd), killOnClose, events);
        w.spawn();
        return w;
    }

    public synchronized long pid() {
        return process.pid();
    }

    public synchronized boolean isAlive() {
        return process.isAlive();
    }

    /** Switches between kill-on-close ({@code true}) and leaving the processes to finish ({@code false}). */
    public synchronized void killOnClose(boolean kill) {
        killMode = kill;
        send(kill ? "kill" : "linger");
    }

    /** The JVM has closed the job itself: the watchdog exits without touching it. */
    @Override
    public synchronized void close() {
        done = true;
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
        done = true;
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
