package jobgov.cli;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jobgov.http.RemoteJob;
import jobgov.http.RemoteJobs;

/** Jobs read over HTTP from a governed JVM's Jolokia endpoint ({@code jobgov status --url}): no JMX RMI needed. */
final class JolokiaJobView implements JobView {
    private final RemoteJobs remote;
    private final JolokiaExec exec;

    JolokiaJobView(RemoteJobs remote, String url, String user, char[] password) {
        this.remote = remote;
        this.exec = new JolokiaExec(url, user, password);
    }

    @Override
    public void setLimits(String job, String spec) throws IOException {
        exec.exec(job, "setLimits", spec);
    }

    @Override
    public void terminate(String job, int exitCode) throws IOException {
        exec.exec(job, "terminate", exitCode);
    }

    @Override
    public String source() {
        return remote.source();
    }

    /** Pids of a JVM behind a loopback URL are this machine's; any other host's are not. */
    @Override
    public boolean local() {
        return remote.loopback();
    }

    @Override
    public List<JobSnapshot> jobs() throws IOException {
        List<JobSnapshot> out = new ArrayList<>();
        for (RemoteJob j : remote.jobs()) {
            // The same counter order as the local view (the record's), not the composite's sorted keys.
            Map<String, Long> counters = new LinkedHashMap<>();
            for (var rc : jobgov.job.JobCounters.class.getRecordComponents()) {
                if (j.counters().containsKey(rc.getName())) {
                    counters.put(rc.getName(), j.counters().get(rc.getName()));
                }
            }
            out.add(new JobSnapshot(j.name(), j.backend(), j.location(), j.eventSource(), j.limitSpec(), counters, j.pids()));
        }
        return out;
    }

    @Override
    public void close() {
        // one request per read: nothing held open
    }
}
