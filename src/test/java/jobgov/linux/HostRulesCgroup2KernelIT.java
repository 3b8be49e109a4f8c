package jobgov.linux;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import jobgov.testing.LiveProcesses;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The rules real cgroup v2 hosts impose, each met by a real {@code jobgov run} JVM on a real cgroup v2 kernel
 * (the scripts/cgroup2-guest guest, whose cgroup2 is mounted with nsdelegate): the systemd service case (no
 * internal processes: the JVM moves itself into a leaf), a subtree delegated to an unprivileged user, a cgroup
 * namespace with its own mount (a container), and the cases that cannot be governed, which say why and what
 * to change. Also the CLI (run with limits, list, status) and kill-on-close after the JVM's SIGKILL.
 * Every wait is generous: the guest's CPU is emulated, a JVM takes 20-60 s to start there.
 */
class HostRulesCgroup2KernelIT {
    static final Path ROOT = Path.of("/sys/fs/cgroup");
    static final Duration PATIENCE = Duration.ofSeconds(300);
    static final List<String> FAST_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");
    static final String NOBODY = "65534";

    final String id = UUID.randomUUID().toString().substring(0, 8);
    final List<Path> made = new ArrayList<>(); // cgroups this test made, parents first
    final List<Process> started = new ArrayList<>();
    Path scratch;

    @BeforeEach
    void pureV2() throws IOException {
        Requirements.cgroupV2();
        Requirements.jobgovJar();
        scratch = Files.createTempDirectory("jobgov-k2h");
        scratch.toFile().setWritable(true, false);
        scratch.toFile().setExecutable(true, false);
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(60, TimeUnit.SECONDS);
        }
        List<Path> deepestFirst = new ArrayList<>();
        for (Path top : made) {
            if (Files.isDirectory(top)) {
                deepestFirst.addAll(CgroupFiles.tree(top));
            }
        }
        Collections.reverse(deepestFirst);
        for (Path d : deepestFirst) {
            if (Files.exists(d.resolve("cgroup.kill")) && !CgroupFiles.procs(d).isEmpty()) {
                CgroupFiles.write(d.resolve("cgroup.kill"), "1");
            }
        }
        await().atMost(Duration.ofSeconds(60)).until(() -> deepestFirst.stream().allMatch(d -> !Files.exists(d) || CgroupFiles.procs(d).isEmpty()));
        for (Path d : deepestFirst) {
            if (Files.isDirectory(d)) {
                Files.delete(d);
            }
        }
        if (scratch != null) {
            try (var s = Files.walk(scratch)) {
                s.sorted(Collections.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    /** A cgroup of the test's own (removed afterwards); {@code controllers} are enabled for its children. */
    Path cgroup(Path dir, String... controllers) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectory(dir);
            made.add(dir);
        }
        for (String c : controllers) {
            CgroupFiles.write(dir.resolve("cgroup.subtree_control"), "+" + c);
        }
        return dir;
    }

    /** {@code java -jar jobgov.jar ARGS}, started by {@code sh} in {@code cgroup} through {@code wrapper} (setpriv, unshare...). */
    Process jobgov(Path cgroup, List<String> wrapper, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of("/bin/sh", "-c", "echo $$ > \"$0\" && exec \"$@\"", cgroup.resolve("cgroup.procs").toString()));
        cmd.addAll(wrapper);
        cmd.add(ProcessHandle.current().info().command().orElseThrow());
        cmd.addAll(FAST_JVM);
        cmd.add("-jar");
        cmd.add(Requirements.jobgovJar().toAbsolutePath().toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(scratch.resolve("out-" + started.size()).toFile())
                .redirectError(scratch.resolve("err-" + started.size()).toFile());
        pb.environment().put("HOME", scratch.toString()); // an unprivileged user's JNA and jar caches go there
        Process p = pb.start();
        p.getOutputStream().close();
        started.add(p);
        return p;
    }

    String out(Process p) throws IOException {
        return Files.readString(scratch.resolve("out-" + started.indexOf(p)));
    }

    String err(Process p) throws IOException {
        return Files.readString(scratch.resolve("err-" + started.indexOf(p)));
    }

    int exit(Process p) throws Exception {
        assertTrue(p.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS), "jobgov did not end");
        return p.exitValue();
    }

    /** The cgroups below {@code dir} (none expected once a job is gone). */
    static List<Path> below(Path dir) {
        return CgroupFiles.tree(dir).stream().filter(d -> !d.equals(dir)).toList();
    }

    static String read(Path file) {
        return CgroupFiles.read(file).strip();
    }

    @Test
    void aJvmInASystemdServiceMovesIntoALeafAndItsSigkillLeavesNoProcessAndNoCgroup() throws Exception {
        // systemd's layout: controllers enabled down to system.slice, the service a leaf holding the JVM
        Path slice = cgroup(ROOT.resolve("system.slice"), "memory", "pids", "cpu");
        Path service = cgroup(slice.resolve("jobgov-app-" + id + ".service"));
        String marker = "7" + (System.nanoTime() % 100_000 + 100_000);
        Path ready = scratch.resolve("ready");
        Process run = jobgov(service, List.of(), "run", "--name", "svc-" + id, "--memory", "96m", "--processes", "32", "--",
                "/bin/sh", "-c", "cat /proc/self/cgroup > " + scratch.resolve("cgroup") + "; sleep " + marker + " & (sleep " + marker
                        + " &); touch " + ready + "; wait");
        long jvm = run.pid(); // sh exec'd java
        await().atMost(PATIENCE).until(() -> Files.exists(ready) || !run.isAlive());
        assertTrue(run.isAlive(), "jobgov run ended early: " + err(run));
        await().atMost(PATIENCE).until(() -> LiveProcesses.matching(c -> c.equals("sleep\0" + marker + "\0")).size() == 2);

        Path job = service.resolve("jobgov-svc-" + id + "." + jvm);
        Path leaf = service.resolve("jobgov-leaf." + jvm);
        assertEquals("0::/system.slice/" + service.getFileName() + "/" + job.getFileName(), Files.readString(scratch.resolve("cgroup")).strip());
        assertEquals("", read(service.resolve("cgroup.procs")), "no internal process: the service cgroup itself is empty");
        assertTrue(CgroupFiles.procs(leaf).contains(jvm), "the JVM moved itself into the leaf " + leaf + ": " + CgroupFiles.procs(leaf));
        assertTrue(read(service.resolve("cgroup.subtree_control")).matches(".*memory.*pids.*"), read(service.resolve("cgroup.subtree_control")));
        assertEquals(String.valueOf(96L << 20), read(job.resolve("memory.max")));
        assertEquals("32", read(job.resolve("pids.max")));

        // the CLI sees it
        Process list = jobgov(ROOT, List.of(), "list");
        assertEquals(0, exit(list), err(list));
        assertTrue(out(list).contains("svc-" + id), out(list));
        Process status = jobgov(ROOT, List.of(), "status", "svc-" + id);
        assertEquals(0, exit(status), err(status));
        assertTrue(out(status).contains("cgroup2") && out(status).contains(job.toString()), out(status));

        // SIGKILL: the watchdog kills the job, then removes every cgroup jobgov made and turns the service back
        run.destroyForcibly();
        run.waitFor();
        await().atMost(PATIENCE).until(() -> LiveProcesses.matching(c -> c.equals("sleep\0" + marker + "\0")).isEmpty());
        await().atMost(PATIENCE).until(() -> below(service).isEmpty());
        await().atMost(PATIENCE).until(() -> read(service.resolve("cgroup.subtree_control")).isEmpty());
    }

    @Test
    void aSubtreeDelegatedToAnUnprivilegedUserIsGovernedLikeRoot() throws Exception {
        // what systemd does for Delegate=yes (systemd-run --user, a rootless container): the user owns the
        // directory and its cgroup.procs, cgroup.subtree_control and cgroup.threads
        Path delegated = cgroup(ROOT.resolve("jobgov-user-" + id));
        for (Path f : List.of(delegated, delegated.resolve("cgroup.procs"), delegated.resolve("cgroup.subtree_control"), delegated.resolve("cgroup.threads"))) {
            Files.setAttribute(f, "unix:uid", Integer.parseInt(NOBODY));
            Files.setAttribute(f, "unix:gid", Integer.parseInt(NOBODY));
        }
        Process run = jobgov(delegated, List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"),
                "run", "--name", "user-" + id, "--memory", "64m", "--processes", "16", "--",
                "/bin/sh", "-c", "id -u; cat /proc/self/cgroup; head -c 256m /dev/zero | tail");
        assertEquals(137, exit(run), "the job's memory limit OOM-killed the command: " + err(run));
        String out = out(run);
        assertTrue(out.startsWith(NOBODY + "\n0::/" + delegated.getFileName() + "/jobgov-user-" + id + "."), out);
        assertTrue(err(run).contains("backend=cgroup2"), err(run));
        assertEquals(List.of(), below(delegated), "jobgov removed its job and its leaf");
        assertEquals("", read(delegated.resolve("cgroup.subtree_control")), "and turned the controllers it enabled off again");
    }

    @Test
    void anUnprivilegedUserWithoutADelegatedSubtreeIsToldWhatToChange() throws Exception {
        Path owned = cgroup(ROOT.resolve("jobgov-root-owned-" + id));
        Process run = jobgov(owned, List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups"),
                "run", "--memory", "64m", "--", "/bin/true");
        assertEquals(2, exit(run), err(run));
        String err = err(run);
        assertTrue(err.contains("cgroup2: cannot create a cgroup under this process's own cgroup " + owned), err);
        assertTrue(err.contains("Delegate=yes"), "says what to change: " + err);
        assertTrue(err.contains("--memory"), "names the refused flag: " + err);
        assertEquals(List.of(), below(owned), "nothing was created");
    }

    @Test
    void inACgroupNamespaceWithItsOwnMountTheNamespaceRootHoldsTheJobAndTheJvmMovesIntoALeaf() throws Exception {
        // a container: its own cgroup namespace and cgroup2 mount; /proc/self/cgroup says "/", the mount's
        // root is the namespace's root, which is not the kernel's root (no internal processes applies)
        Path container = cgroup(ROOT.resolve("jobgov-pod-" + id));
        String mountOwn = "umount /sys/fs/cgroup && mount -t cgroup2 cgroup2 /sys/fs/cgroup && exec \"$@\"";
        Process run = jobgov(container, List.of("unshare", "-Cm", "/bin/sh", "-c", mountOwn, "sh"),
                "run", "--name", "pod-" + id, "--memory", "64m", "--processes", "16", "--",
                "/bin/sh", "-c", "cat /proc/$PPID/cgroup /proc/self/cgroup; "
                        + "echo max > /sys/fs/cgroup/memory.max 2>/dev/null && echo ns-root-writable || echo ns-root-protected; "
                        + "head -c 256m /dev/zero | tail");
        assertEquals(137, exit(run), "the job's memory limit OOM-killed the command: " + err(run));
        String[] lines = out(run).split("\n");
        assertTrue(lines[0].matches("0::/jobgov-leaf\\.\\d+"), "the JVM (its parent) in a leaf of the namespace's root: " + out(run));
        assertTrue(lines[1].matches("0::/jobgov-pod-" + id + "\\.\\d+"), "the job is the namespace root's child: " + out(run));
        assertEquals("ns-root-protected", lines[2], "nsdelegate: the namespace root's limits are not the container's to change");
        assertEquals(List.of(), below(container));
        assertEquals("", read(container.resolve("cgroup.subtree_control")));
    }

    @Test
    void aCgroupNamespaceWithoutItsOwnMountIsRefusedWithWhatToChange() throws Exception {
        Path container = cgroup(ROOT.resolve("jobgov-bare-ns-" + id));
        Process run = jobgov(container, List.of("unshare", "-C"), "run", "--memory", "64m", "--", "/bin/true");
        assertEquals(2, exit(run), err(run));
        String err = err(run);
        assertTrue(err.contains("cgroup namespace") && err.contains("mount -t cgroup2"), "says why and what to change: " + err);
        assertEquals(List.of(), below(container), "nothing was created");
    }
}
