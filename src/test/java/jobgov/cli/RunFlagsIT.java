package jobgov.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The operator's side of {@code jobgov run} and the CLI's help and errors, with the packaged jar
 * against the real kernel: systemd properties, --timeout, --param, --json, the two-line default
 * output, the banner's limits, exit codes as documented, errors in the platform's words.
 */
class RunFlagsIT {
    private static final Pattern LINE = Pattern.compile("^jobgov: \\d\\d:\\d\\d:\\d\\d\\.\\d{3} (.*)$");

    @TempDir
    Path tmp;

    private final String name = "jobgov-test-" + UUID.randomUUID().toString().substring(0, 8);

    /** A shell line printing a file of the command's own cgroup in hierarchy HIER. */
    private static String ownCgroupFile(String hierarchy, String file) {
        return "cat /sys/fs/cgroup/" + hierarchy + "$(grep ':" + hierarchy + ":' /proc/self/cgroup | cut -d: -f3)/" + file;
    }

    private static List<String> bodies(Cli.Result r) {
        List<String> out = new ArrayList<>();
        for (String l : r.errLines()) {
            Matcher m = LINE.matcher(l);
            if (m.matches()) {
                out.add(m.group(1));
            }
        }
        return out;
    }

    @Test
    void byDefaultOneLineAtTheStartAndOneAtTheEnd() throws Exception {
        Cli.Result r = Cli.run("run", "--name", name, "--", "sh", "-c", "sh -c 'exit 0'; exit 3");
        assertEquals(3, r.code(), r::toString);
        assertEquals(2, r.errLines().size(), r::toString);
        assertTrue(bodies(r).get(0).startsWith("job " + name + " backend="), r::toString);
        assertEquals("exit 3", bodies(r).get(1), r::toString);
    }

    @Test
    void theEndLineSaysWhichLimitTheJobHit() throws Exception {
        Requirements.cgroupV1();
        Requirements.command("python3");
        Cli.Result r = Cli.run("run", "--name", name, "--memory", "64m", "--", "python3", "-c", "b = b'x' * (256 << 20)");
        assertEquals(137, r.code(), r::toString);
        String end = bodies(r).get(bodies(r).size() - 1);
        assertTrue(end.startsWith("exit 137 (signal 9), hit ") && end.contains("limit.job-memory"), r::toString);
    }

    @Test
    void jsonLinesAreMachineReadable() throws Exception {
        Cli.Result r = Cli.run("run", "--json", "-v", "--name", name, "--processes", "16", "--", "sh", "-c", "exit 5");
        assertEquals(5, r.code(), r::toString);
        List<String> lines = r.errLines();
        assertTrue(lines.size() >= 3, r::toString);
        for (String l : lines) {
            assertTrue(l.startsWith("{\"time\":\"") && l.endsWith("}"), "every line is one JSON object: " + l);
        }
        assertTrue(lines.get(0).contains("\"event\":\"job.start\"") && lines.get(0).contains("\"limits\":\"processes=16\""), r::toString);
        assertTrue(lines.stream().anyMatch(l -> l.contains("\"event\":\"process.exit\"") && l.contains("\"exitCode\":5")), r::toString);
        assertTrue(lines.get(lines.size() - 1).contains("\"event\":\"job.end\",\"exitCode\":5"), r::toString);
    }

    @Test
    void timeoutTerminatesTheJobAndExits124() throws Exception {
        Cli.Result r = Cli.run("run", "--name", name, "--timeout", "1s", "--", "sh", "-c", "sleep 60 & sleep 60");
        assertEquals(RunCommand.TIMED_OUT, r.code(), r::toString);
        assertTrue(bodies(r).get(bodies(r).size() - 1).startsWith("exit 124 (timeout"), r::toString);
        assertEquals(List.of(), Cli.cgroupsNamed(name));

        Cli.Result systemd = Cli.run("run", "--name", name, "-p", "RuntimeMaxSec=1s", "--", "sleep", "60");
        assertEquals(124, systemd.code(), systemd::toString);
        Cli.Result fast = Cli.run("run", "--name", name, "--timeout", "30s", "--", "sh", "-c", "exit 7");
        assertEquals(7, fast.code(), "a command that ends in time keeps its exit code");
    }

    @Test
    void systemdPropertiesBecomeKernelLimits() throws Exception {
        Requirements.cgroupV1();
        int cpus = Runtime.getRuntime().availableProcessors();
        Cli.Result r = Cli.run("run", "--name", name, "-p", "TasksMax=23", "-p", "MemoryMax=96M", "-p", "CPUQuota=100%", "-p", "CPUWeight=200",
                "--", "sh", "-c", ownCgroupFile("pids", "pids.max") + "; " + ownCgroupFile("memory", "memory.limit_in_bytes"));
        // CPUQuota and CPUWeight are two CPU modes: refused together like --cpu with --cpu-weight.
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().contains("cannot be combined"), r::toString);

        r = Cli.run("run", "--name", name, "-p", "TasksMax=23", "-p", "MemoryMax=96M", "-p", "CPUQuota=100%", "-p", "AllowedCPUs=0",
                "--", "sh", "-c", ownCgroupFile("pids", "pids.max") + "; " + ownCgroupFile("memory", "memory.limit_in_bytes")
                        + "; " + ownCgroupFile("cpu", "cpu.cfs_quota_us") + "; " + ownCgroupFile("cpu", "cpu.cfs_period_us"));
        assertEquals(0, r.code(), r::toString);
        List<String> out = r.out().lines().toList();
        assertEquals("23", out.get(0), r::toString);
        assertEquals(Long.toString(96L << 20), out.get(1), r::toString);
        // systemd's CPUQuota=100% is one whole CPU: quota equals the period.
        assertEquals(Long.parseLong(out.get(3)), Long.parseLong(out.get(2)), r::toString);
        assertTrue(bodies(r).get(0).contains("cpu=" + jobgov.job.Units.formatPercent(100.0 / cpus)), r::toString);

        Cli.Result weight = Cli.run("run", "--name", name, "-p", "CPUWeight=200", "--", "sh", "-c", ownCgroupFile("cpu", "cpu.shares"));
        assertEquals(0, weight.code(), weight::toString);
        assertTrue(bodies(weight).get(0).contains("limits=cpu-weight=6"), weight::toString);
    }

    @ParameterizedTest
    @ValueSource(strings = {"CPUAccounting=yes", "MemorySwapMax=1G", "Delegate=yes", "MemoryMax=infinity", "MemoryMax=50%", "CPUQuota=500000%",
        "CPUWeight=0", "CPUWeight=20000", "TasksMax=many", "RuntimeMaxSec=soon", "IOReadBandwidthMax=/dev/vda 1M", "MemoryMax", "MemoryLow=1M"})
    void aSystemdPropertyWithoutAFaithfulMappingIsRefusedByName(String property) throws Exception {
        Path marker = tmp.resolve("started");
        Cli.Result r = Cli.run("run", "--name", name, "-p", property, "--", "touch", marker.toString());
        assertEquals(2, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        String propertyName = property.contains("=") ? property.substring(0, property.indexOf('=')) : property;
        assertTrue(r.err().startsWith("jobgov run: -p " + propertyName), r::toString);
        assertFalse(Files.exists(marker));
        assertEquals(List.of(), Cli.cgroupsNamed(name));
    }

    @Test
    void paramsReachThePolicyAndTheBannerShowsThePolicysLimits() throws Exception {
        Requirements.cgroupV1();
        Path policy = Files.writeString(tmp.resolve("p.groovy"), "job {\n  memory '80m'\n  processes(param('procs', '99') as int)\n}\n");
        Cli.Result r = Cli.run("run", "--name", name, "--policy", policy.toString(), "--param", "procs=17", "--", "sh", "-c", ownCgroupFile("pids", "pids.max"));
        assertEquals(0, r.code(), r::toString);
        assertEquals("17", r.out().trim(), r::toString);
        assertTrue(bodies(r).stream().anyMatch(l -> l.startsWith("job " + name + " ") && l.contains(" limits=memory=80m,processes=17 ")), r::toString);

        Cli.Result noPolicy = Cli.run("run", "--name", name, "--param", "procs=17", "--", "true");
        assertEquals(2, noPolicy.code(), noPolicy::toString);
        assertTrue(noPolicy.err().contains("--param goes with --policy"), noPolicy::toString);
    }

    @Test
    void aPolicySyntaxErrorIsTheDocumented125() throws Exception {
        Path marker = tmp.resolve("started");
        Path policy = Files.writeString(tmp.resolve("bad.groovy"), "job {\n  memory \"64m\n");
        Cli.Result r = Cli.run("run", "--name", name, "--policy", policy.toString(), "--", "touch", marker.toString());
        assertEquals(125, r.code(), r::toString);
        assertTrue(r.err().contains("bad.groovy:2:"), "the error names file and line: " + r);
        assertFalse(Files.exists(marker));
        Cli.Result help = Cli.run("run", "--help");
        assertTrue(help.out().lines().anyMatch(l -> l.trim().startsWith("125") && l.contains("load the policy")), help::toString);
    }

    @Test
    void aRefusedAffinitySpeaksLinuxAndSaysWhichCpusExist() throws Exception {
        Requirements.cgroupV1();
        Cli.Result r = Cli.run("run", "--name", name, "--affinity", "63", "--", "true");
        assertEquals(2, r.code(), r::toString);
        assertEquals(1, r.errLines().size(), r::toString);
        assertTrue(r.err().startsWith("jobgov run: --affinity: "), r::toString);
        assertFalse(r.err().contains("JOB_OBJECT"), "no Win32 names on Linux: " + r);
        assertFalse(r.err().contains("back in force"), "nothing had started: " + r);
        assertTrue(r.err().contains("online CPUs are"), r::toString);

        Cli.Result cpu0 = Cli.run("run", "--name", name, "--affinity", "0", "--", "true");
        assertEquals(0, cpu0.code(), "CPU 0 is a CPU, not 'no limit': " + cpu0);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "run", "attach", "list", "status", "set", "terminate", "prune"})
    void helpHasNoWarningsAndNoHardLineBreaks(String command) throws Exception {
        Cli.Result help = command.isEmpty() ? Cli.run("--help") : Cli.run(command, "--help");
        assertEquals(0, help.code(), help::toString);
        assertEquals("", help.err(), help::toString);
        assertFalse(help.out().contains("picocli"), help::toString);
        // picocli wraps a description at 80 columns; a hard break shows as a short line that is
        // continued by the next one (neither ends a sentence nor starts a new entry).
        List<String> lines = help.out().lines().toList();
        for (int i = 0; i + 1 < lines.size(); i++) {
            String line = lines.get(i);
            String next = lines.get(i + 1);
            boolean continued = !next.isBlank() && Character.isLowerCase(next.trim().charAt(0));
            boolean short_ = line.length() < 60 && !line.isBlank() && !line.matches(".*[.:)]$");
            assertFalse(continued && short_ && !line.startsWith("Usage") && !line.startsWith(" "),
                    "a hard line break after: " + line + "\n" + help.out());
        }
        assertTrue(help.out().startsWith("Usage: jobgov"), help::toString);
    }

    @Test
    void everyCommandSummaryIsACompleteSentence() throws Exception {
        Cli.Result help = Cli.run("--help");
        String commands = help.out().substring(help.out().indexOf("Commands:"), help.out().indexOf("Exit codes:"));
        // Entries: "  run     Runs ... exit\n            code." joined back together.
        String joined = commands.replaceAll("\n {10,}", " ");
        List<String> entries = joined.lines().skip(1).filter(l -> !l.isBlank()).toList();
        assertTrue(entries.size() >= 4, help::toString);
        for (String e : entries) {
            String summary = e.trim().replaceFirst("^\\S+\\s+", "");
            assertTrue(Character.isUpperCase(summary.charAt(0)) && summary.endsWith("."), "a complete sentence: " + e);
        }
    }

    @Test
    void statusWithoutATargetSaysWhatToGive() throws Exception {
        Cli.Result r = Cli.run("status");
        assertEquals(2, r.code(), r::toString);
        assertTrue(r.err().contains("pid or a job name") && r.err().contains("--url"), r::toString);
        assertFalse(r.err().contains("not both"), r::toString);
    }
}
