package jobgov.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Which governed JVM and job a command talks to: TARGET (a local pid or job name, over local JMX) or
 * {@code --url} (a Jolokia endpoint, credentials as for the agent's writes), and {@code --job} for one job of
 * it; and how a command that talks to one ends: its own exit code, or exit 1 with one line naming what was
 * not found or could not be read. Shared by status, set and terminate (picocli mixin).
 */
final class JobTarget {
    @Option(names = "--job", paramLabel = "NAME",
            description = "One job of the JVM (default: the job named TARGET, or the JVM's only job; status: all of its jobs).")
    String job;

    /** What a command does with the view once it is open; returns the exit code. */
    interface Work {
        int with(JobView view) throws IOException, InterruptedException;
    }

    /**
     * Opens the view for {@code target}, runs {@code work} and closes it. A target or job not found, a JVM that refuses
     * the attach, and an IOException are one line on stderr ({@code ioWords} words the last) and exit 1.
     */
    int run(CommandLine line, String target, Work work, java.util.function.Function<IOException, String> ioWords) {
        String name = line.getCommandSpec().qualifiedName();
        java.io.PrintWriter err = line.getErr();
        try (JobView view = open(line, target)) {
            return work.with(view);
        } catch (TargetNotFound | AttachTarget.AttachRefused e) {
            err.println(name + ": " + e.getMessage());
            return ExitStatus.FAILED;
        } catch (IOException e) {
            err.println(name + ": " + ioWords.apply(e));
            return ExitStatus.FAILED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ExitStatus.OK;
        } finally {
            err.flush();
        }
    }

    /** The one job a write goes to: --job, the job named TARGET, or the JVM's only job. */
    JobSnapshot pick(JobView view, String target) throws IOException {
        return pick(view, target, job);
    }
    @Option(names = "--url", paramLabel = "URL",
            description = "Talks over HTTP to the JVM's Jolokia endpoint instead, e.g. http://host:8778/jolokia/ (agent option jolokia=HOST:PORT).")
    String url;

    @Option(names = "--user", paramLabel = "USER",
            description = "With --url: the jolokiaUser; the password comes from --password-file, else $JOBGOV_JOLOKIA_PASSWORD, else a prompt. Reads need no credentials.")
    String user;

    @Option(names = "--password-file", paramLabel = "PATH", description = "With --user: a file whose first line is the password.")
    Path passwordFile;

    /** The data source for TARGET or --url. */
    JobView open(CommandLine line, String target) throws IOException {
        if (url == null && target == null) {
            throw new CommandLine.ParameterException(line,
                    "which job? Give a governed JVM's pid or a job name (jobgov list shows them), or --url http://HOST:PORT/jolokia/");
        }
        if (url != null && target != null) {
            throw new CommandLine.ParameterException(line, "give either TARGET (" + target + ") or --url, not both");
        }
        if (url == null) {
            if (user != null || passwordFile != null) {
                throw new CommandLine.ParameterException(line, "--user and --password-file go with --url");
            }
            return JmxJobView.connect(pid(target));
        }
        try {
            return new JolokiaJobView(jobgov.http.RemoteJobs.at(url, user, user == null ? null : password(line)), url, user,
                    user == null ? null : password(line));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(line, "--url: " + e.getMessage());
        }
    }

    /** Never from the command line, which ps shows. */
    private char[] password(CommandLine line) throws IOException {
        if (passwordFile != null) {
            String text = Files.readString(passwordFile);
            int nl = text.indexOf('\n');
            return (nl < 0 ? text : text.substring(0, nl)).replaceAll("\r$", "").toCharArray();
        }
        String env = System.getenv("JOBGOV_JOLOKIA_PASSWORD");
        if (env != null) {
            return env.toCharArray();
        }
        java.io.Console console = System.console();
        if (console == null) {
            throw new CommandLine.ParameterException(line,
                    "--user needs a password: --password-file PATH, $JOBGOV_JOLOKIA_PASSWORD, or a terminal to ask on");
        }
        char[] typed = console.readPassword("Jolokia password for %s: ", user);
        return typed == null ? new char[0] : typed;
    }

    static long pid(String target) {
        if (target.matches("\\d+")) {
            return Long.parseLong(target);
        }
        // Fast path: the job's cgroups carry the governing pid in their name (jobgov-NAME.PID); one attach checks that
        // JVM's jobgov.job. Attaching to every JVM on the machine (the scan) is the fallback: sub-jobs, degraded jobs.
        List<Long> owners = JobCgroups.named(target).stream().map(JobCgroups.JobCgroup::pid).distinct()
                .filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).toList();
        if (owners.size() == 1) {
            GovernedJvms.GovernedJvm g = GovernedJvms.of(owners.get(0));
            if (g != null && g.job().equals(target)) {
                return g.pid();
            }
        }
        List<GovernedJvms.GovernedJvm> named = GovernedJvms.scan().stream().filter(g -> g.job().equals(target)).toList();
        if (named.isEmpty()) {
            throw new TargetNotFound("no governed JVM runs a job named '" + target + "' (see jobgov list)");
        }
        if (named.size() > 1) {
            throw new TargetNotFound("several JVMs run a job named '" + target + "': pids "
                    + named.stream().map(g -> Long.toString(g.pid())).toList() + ": give the pid");
        }
        return named.get(0).pid();
    }

    /** The one job of the view a write goes to: --job NAME, the job named TARGET, or the JVM's only job. */
    static JobSnapshot pick(JobView view, String target, String job) throws IOException {
        List<JobSnapshot> jobs = view.jobs();
        String wanted = job != null ? job : target != null && !target.matches("\\d+") ? target : null;
        if (wanted != null) {
            return jobs.stream().filter(j -> j.name().equals(wanted)).findFirst()
                    .orElseThrow(() -> new TargetNotFound(view.source() + " has no job named '" + wanted + "'"));
        }
        if (jobs.size() == 1) {
            return jobs.get(0);
        }
        throw new TargetNotFound(view.source() + (jobs.isEmpty() ? " has no jobgov:type=Job MBean"
                : " has several jobs " + jobs.stream().map(JobSnapshot::name).toList() + ": give --job NAME"));
    }

    /** No governed JVM or job matches the target. */
    static final class TargetNotFound extends RuntimeException {
        TargetNotFound(String message) {
            super(message);
        }
    }
}
