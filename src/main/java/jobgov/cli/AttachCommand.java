package jobgov.cli;

import com.sun.tools.attach.AgentInitializationException;
import com.sun.tools.attach.AgentLoadException;
import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import jobgov.agent.AgentOptions;
import jobgov.agent.AgentStatus;
import jobgov.job.Units;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code jobgov attach PID}: loads the agent into a running JVM, which then governs itself and its children. */
@Command(name = "attach", mixinStandardHelpOptions = true, versionProvider = Version.class, sortOptions = false,
        description = {
            "Loads the jobgov agent into a running JVM, which then governs itself and its children.",
            "",
            "Loads the jobgov agent into the running JVM PID (Attach API): the JVM and its existing children move into a new job, "
                    + "which gets MBeans, kill-on-close and the policy, exactly as with -javaagent. "
                    + "The JVM must belong to this user (or jobgov runs as root).",
            ""},
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the JVM is governed (or runs degraded: see the printed problems)",
            "1:not attached: no such process, not a JVM, another user's JVM, already governed, or the agent failed",
            "2:bad flag or agent option"})
final class AttachCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "PID", description = "The JVM to govern.")
    long pid;

    @Option(names = "--policy", paramLabel = "FILE", description = "A Groovy policy for the job (loaded in the target JVM).")
    Path policy;

    @Option(names = "--name", paramLabel = "NAME", description = "The job's name (default: the JVM's main class).")
    String name;

    @Option(names = "--cgroup", paramLabel = "PARENT", description = "Parent cgroup for the job (default: the JVM's own cgroup).")
    String cgroup;

    @Option(names = {"-o", "--option"}, paramLabel = "KEY=VALUE",
            description = "Any other agent option, e.g. -o memory=512m -o processes=64 -o jolokia=127.0.0.1:8778 -o require=true.")
    List<String> options = new ArrayList<>();

    @Option(names = "--timeout", paramLabel = "DURATION", defaultValue = "30s",
            description = "How long to wait for the agent to report (default: ${DEFAULT-VALUE}).")
    String timeout;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        PrintWriter out = spec.commandLine().getOut();
        String agentOptions = agentOptions();
        Duration wait = duration("--timeout", timeout);
        Path jar = jobgovJar();
        try {
            AttachTarget.check(pid);
        } catch (AttachTarget.AttachRefused e) {
            err.println("jobgov attach: " + e.getMessage());
            return ExitStatus.FAILED;
        }
        VirtualMachine vm;
        try {
            vm = VirtualMachine.attach(Long.toString(pid));
        } catch (AttachNotSupportedException | IOException e) {
            err.println("jobgov attach: cannot attach to pid " + pid + ": " + Main.oneLine(e));
            return ExitStatus.FAILED;
        }
        try {
            String governed = vm.getSystemProperties().getProperty(AgentStatus.JOB);
            if (governed != null) {
                err.println("jobgov attach: pid " + pid + " is governed already, by job '" + governed + "'");
                return ExitStatus.FAILED;
            }
            vm.loadAgent(jar.toString(), agentOptions);
            return report(vm, wait, out, err);
        } catch (AgentLoadException | AgentInitializationException | IOException e) {
            err.println("jobgov attach: agent not loaded into pid " + pid + ": " + Main.oneLine(e));
            return ExitStatus.FAILED;
        } finally {
            try {
                vm.detach();
            } catch (IOException ignored) {
                // the target went away: nothing to release
            }
        }
    }

    /** Waits for the agent's status property, then prints the job and any problem the agent had. */
    private int report(VirtualMachine vm, Duration wait, PrintWriter out, PrintWriter err) throws IOException {
        long deadline = System.nanoTime() + wait.toNanos();
        Properties p = vm.getSystemProperties();
        while (!AgentStatus.of(p).reported() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                break;
            }
            p = vm.getSystemProperties();
        }
        AgentStatus agent = AgentStatus.of(p);
        String status = agent.status();
        String job = agent.job();
        String problems = agent.problems();
        if (status == null) {
            err.println("jobgov attach: the agent in pid " + pid + " did not report within " + Units.formatDuration(wait));
            return ExitStatus.FAILED;
        }
        if (job == null || status.equals("ungoverned")) {
            err.println("jobgov attach: pid " + pid + " is not governed: " + (problems == null ? "see its log" : problems));
            return ExitStatus.FAILED;
        }
        out.println("pid " + pid + " governed by job " + job + " (" + status + ")");
        if (problems != null) {
            err.println("jobgov attach: problems: " + problems);
        }
        return ExitStatus.OK;
    }

    private String agentOptions() {
        StringJoiner j = new StringJoiner(",");
        if (policy != null) {
            if (!Files.isReadable(policy)) {
                throw bad("--policy: cannot read " + policy);
            }
            // The target JVM has its own working directory.
            j.add("policy=" + policy.toAbsolutePath().normalize());
        }
        if (name != null) {
            j.add("name=" + name);
        }
        if (cgroup != null) {
            try {
                jobgov.job.JobSpec.checkParent(cgroup);
            } catch (IllegalArgumentException e) {
                throw bad("--cgroup: " + e.getMessage());
            }
            j.add("cgroup=" + cgroup);
        }
        for (String o : options) {
            if (!o.contains("=")) {
                throw bad("--option: expected KEY=VALUE, got '" + o + "'");
            }
            j.add(o);
        }
        String text = j.toString();
        try {
            // The agent's own check (job name, jolokia keys, policy file): a bad option starts nothing.
            AgentOptions.parse(text).validate();
        } catch (IllegalArgumentException e) {
            throw bad("bad agent option: " + Main.oneLine(e));
        }
        return text;
    }

    private Duration duration(String flag, String text) {
        try {
            return Units.parseDuration(text);
        } catch (IllegalArgumentException e) {
            throw bad(flag + ": " + e.getMessage());
        }
    }

    /** The jar the boot class came from: the same jar becomes the agent in the target. */
    private Path jobgovJar() {
        try {
            Class<?> boot = Class.forName("jobgov.boot.Boot", false, AttachCommand.class.getClassLoader());
            Path jar = Path.of(boot.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(jar + " is not a jar");
            }
            return jar;
        } catch (Exception e) {
            throw new IllegalStateException("attach needs to run from jobgov.jar (java -jar jobgov.jar attach ...): " + e.getMessage(), e);
        }
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
