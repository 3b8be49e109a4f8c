package jobgov.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import jobgov.testing.Requirements;

/** Runs {@code java -jar target/jobgov.jar ...} as a real child process, as the user would. */
final class Cli {
    /** What a finished run printed and returned. */
    record Result(int code, String out, String err) {
        List<String> errLines() {
            return err.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    private Cli() {
    }

    static String java() {
        return ProcessHandle.current().info().command().orElse("java");
    }

    /** The command line: {@code prefix... java [jvmArgs] -jar jobgov.jar args...}. */
    static List<String> command(List<String> prefix, List<String> jvmArgs, String... args) {
        List<String> cmd = new ArrayList<>(prefix);
        cmd.add(java());
        cmd.addAll(jvmArgs);
        cmd.add("-jar");
        cmd.add(Requirements.jobgovJar().toAbsolutePath().toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    static Result run(String... args) throws Exception {
        return run(new ProcessBuilder(command(List.of(), List.of(), args)));
    }

    static Result run(ProcessBuilder pb) throws Exception {
        Path out = Files.createTempFile("jobgov-test-out", ".txt");
        Path err = Files.createTempFile("jobgov-test-err", ".txt");
        try {
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).redirectInput(ProcessBuilder.Redirect.PIPE).start();
            p.getOutputStream().close();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("jobgov did not finish within 60 s: " + pb.command() + "\n" + Files.readString(err));
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** Every cgroup directory, in every mounted hierarchy, whose name contains {@code text}. */
    static List<Path> cgroupsNamed(String text) throws IOException {
        List<Path> found = new ArrayList<>();
        Path root = Path.of("/sys/fs/cgroup");
        if (!Files.isDirectory(root)) {
            return found;
        }
        try (Stream<Path> dirs = Files.walk(root, 8)) {
            dirs.filter(Files::isDirectory).filter(d -> d.getFileName() != null && d.getFileName().toString().contains(text)).forEach(found::add);
        } catch (java.io.UncheckedIOException e) {
            // a cgroup removed while walking: the caller asks again if it matters
        }
        return found;
    }

    /** Alive and not a zombie waiting to be reaped. */
    static boolean running(ProcessHandle h) {
        if (!h.isAlive()) {
            return false;
        }
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(h.pid()), "stat"));
            char state = stat.charAt(stat.lastIndexOf(')') + 2);
            return state != 'Z' && state != 'X';
        } catch (IOException | RuntimeException e) {
            return h.isAlive();
        }
    }
}
