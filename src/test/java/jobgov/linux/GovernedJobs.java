package jobgov.linux;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import jobgov.job.Job;
import jobgov.job.JobEvent;
import jobgov.job.JobLimits;
import jobgov.job.JobSpec;

/** Test support: cgroup1 jobs with unique names, their events recorded, all closed (and checked gone) at the end. */
final class GovernedJobs implements AutoCloseable {
    static final Cgroup1Backend BACKEND = new Cgroup1Backend();

    final List<JobEvent> events = new CopyOnWriteArrayList<>();
    private final List<Job> jobs = new ArrayList<>();
    private final List<Process> processes = new ArrayList<>();

    static String uniqueName(String what) {
        return "test-" + what + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    Job create(String what, JobLimits limits) {
        Job job = Job.create(BACKEND, new JobSpec(uniqueName(what), null, limits));
        jobs.add(job);
        job.subscribe(events::add);
        return job;
    }

    Process start(Job job, String... command) {
        Process p = job.start(new ProcessBuilder(command).redirectErrorStream(true));
        processes.add(p);
        return p;
    }

    <T extends JobEvent> List<T> events(Class<T> type) {
        return events.stream().filter(type::isInstance).map(type::cast).toList();
    }

    /** The directories containing {@code part} directly under this process's own cgroup (where jobs go) in every hierarchy. */
    static List<Path> cgroupsNamed(String part) {
        List<Path> found = new ArrayList<>();
        for (Path own : BACKEND.mounts().ownDirsNow().values()) {
            try (Stream<Path> s = Files.list(own)) {
                s.filter(p -> p.getFileName().toString().contains(part) && Files.isDirectory(p)).forEach(found::add);
            } catch (Exception e) {
                throw new AssertionError("cannot list " + own, e);
            }
        }
        return found;
    }

    /** Pids of {@code sleep MARKER} processes anywhere on the machine (survivors of a job, wherever they went). */
    static List<Long> sleeping(String marker) {
        String wanted = "sleep " + marker + " ";
        return ProcessHandle.allProcesses().map(ProcessHandle::pid).filter(pid -> cmdline(pid).equals(wanted)).toList();
    }

    /** Pids whose command line contains {@code marker} (survivors anywhere on the machine). Used by the cgroup2 tests too. */
    static List<Long> processesWith(String marker) {
        return ProcessHandle.allProcesses().map(ProcessHandle::pid).filter(pid -> cmdline(pid).contains(marker)).toList();
    }

    private static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", String.valueOf(pid), "cmdline"))).replace('\0', ' ');
        } catch (Exception e) {
            return "";
        }
    }

    @Override
    public void close() {
        for (Job j : jobs) {
            try {
                j.close();
            } catch (RuntimeException e) {
                e.printStackTrace();
            }
        }
        for (Process p : processes) {
            p.destroyForcibly();
        }
    }
}
