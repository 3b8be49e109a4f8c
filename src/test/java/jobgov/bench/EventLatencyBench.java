package jobgov.bench;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import jobgov.job.Job;

/**
 * Time from the cause of a job event (kill(2) of a process, a refused fork, an allocation past the
 * memory limit) until the code that reacts to it runs. Stamps come from a queue fed by whoever reacts
 * (a {@code Job.subscribe} listener or a policy handler), timed with the same System.nanoTime clock.
 */
final class EventLatencyBench {
    /** Latencies in ms per event kind, and how many events never arrived. */
    static final class Result {
        final Samples exit = new Samples();
        final Samples empty = new Samples();
        final Samples limit = new Samples();
        final Samples oom = new Samples();
        int lostExit;
        int lostEmpty;
        int lostLimit;
        int lostOom;

        int lost() {
            return lostExit + lostEmpty + lostLimit + lostOom;
        }
    }

    private final Job job;
    private final BlockingQueue<Stamp> stamps;

    EventLatencyBench(Job job, BlockingQueue<Stamp> stamps) {
        this.job = job;
        this.stamps = stamps;
    }

    /**
     * One process at a time: start it, wait {@code gapMillis}, kill it; records its exit event and the
     * job-empty event. With gap 0 the next process starts as soon as the empty event is seen (a burst).
     */
    void exitAndEmpty(int count, int gapMillis, Result into) throws Exception {
        for (int i = 0; i < count; i++) {
            Process p = job.start(new ProcessBuilder("sleep", "1000"));
            if (gapMillis > 0) {
                Thread.sleep(gapMillis);
            }
            stamps.clear();
            long t0 = System.nanoTime();
            p.destroyForcibly();
            Double exit = null;
            Double empty = null;
            // an event later than this counts as lost: far beyond any target, short enough to keep the run quick
            long end = t0 + (gapMillis > 0 ? 1_000_000_000L : 100_000_000L);
            while ((exit == null || empty == null) && System.nanoTime() < end) {
                Stamp s = stamps.poll(10, TimeUnit.MILLISECONDS);
                if (s == null) {
                    continue;
                }
                if (exit == null && s.isExit(p.pid())) {
                    exit = (s.nanos() - t0) / 1e6;
                } else if (empty == null && s.type().equals("jobgov.job.empty")) {
                    empty = (s.nanos() - t0) / 1e6;
                }
            }
            p.waitFor();
            if (exit != null) {
                into.exit.add(exit);
            } else {
                into.lostExit++;
            }
            if (empty != null) {
                into.empty.add(empty);
            } else {
                into.lostEmpty++;
            }
        }
    }

    /** {@code rounds} times: {@code width} processes killed back to back; each one's exit event timed from its own kill. */
    void exitBursts(int rounds, int width, Result into) throws Exception {
        for (int r = 0; r < rounds; r++) {
            List<Process> ps = new ArrayList<>();
            for (int i = 0; i < width; i++) {
                ps.add(job.start(new ProcessBuilder("sleep", "1000")));
            }
            Thread.sleep(50);
            stamps.clear();
            Map<Long, Long> killedAt = new HashMap<>();
            for (Process p : ps) {
                killedAt.put(p.pid(), System.nanoTime());
                p.destroyForcibly();
            }
            long end = System.nanoTime() + 1_000_000_000L;
            while (!killedAt.isEmpty() && System.nanoTime() < end) {
                Stamp s = stamps.poll(10, TimeUnit.MILLISECONDS);
                if (s == null) {
                    continue;
                }
                Long t0 = killedAt.get(s.pid());
                if (t0 != null && s.isExit(s.pid())) {
                    into.exit.add((s.nanos() - t0) / 1e6);
                    killedAt.remove(s.pid());
                }
            }
            into.lostExit += killedAt.size();
            for (Process p : ps) {
                p.waitFor();
            }
        }
    }

    /**
     * In a job limited to two processes, a dash that on the line it reads starts a second dash, which tries to
     * fork a third: a refused fork (dash gives up at once where bash would retry). Latency from writing the line
     * to the ActiveProcessLimit event. The backend reports one event per crossing of the limit, not per refused
     * fork (linux/LimitCrossing), and a crossing ends only when the job is back under its limit for two checks;
     * so each hit has its own crossing: the job empties after it, and the next hit waits {@code settleMillis}
     * (two of the event thread's checks, which run every 100 ms for a second after the kernel's notice).
     */
    void limitHits(int count, int settleMillis, Result into) throws Exception {
        job.setLimits("processes=2");
        for (int i = 0; i < count; i++) {
            Process sh = job.start(new ProcessBuilder("dash", "-c", "read l; dash -c '/bin/true; :' 2>/dev/null")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD));
            try {
                Thread.sleep(50); // the dash is reading
                stamps.clear();
                long t0 = System.nanoTime();
                sh.getOutputStream().write('\n');
                sh.getOutputStream().flush();
                Double at = await("jobgov.limit.active-process", t0, 1_000_000_000L);
                if (at != null) {
                    into.limit.add(at);
                } else {
                    into.lostLimit++;
                }
            } finally {
                sh.destroyForcibly();
                sh.waitFor();
            }
            Thread.sleep(settleMillis);
        }
    }

    /**
     * In a job limited to 32 MiB, a dash that on a line execs dd with a 100 MiB buffer: each is OOM-killed.
     * Latency from writing the line to the JobMemoryLimit event (so it includes dd's exec and allocation).
     */
    void oomKills(int count, int gapMillis, Result into) throws Exception {
        job.setLimits("memory=32m");
        for (int i = 0; i < count; i++) {
            Process p = job.start(new ProcessBuilder("dash", "-c", "read l; exec dd if=/dev/zero of=/dev/null bs=100M count=1")
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD));
            Thread.sleep(gapMillis);
            stamps.clear();
            long t0 = System.nanoTime();
            p.getOutputStream().write('\n');
            p.getOutputStream().flush();
            Double at = await("jobgov.limit.job-memory", t0, 2_000_000_000L);
            if (at != null) {
                into.oom.add(at);
            } else {
                into.lostOom++;
            }
            p.destroyForcibly();
            p.waitFor();
        }
    }

    private Double await(String type, long t0, long timeoutNanos) throws InterruptedException {
        long end = t0 + timeoutNanos;
        while (System.nanoTime() < end) {
            Stamp s = stamps.poll(10, TimeUnit.MILLISECONDS);
            if (s != null && s.type().equals(type)) {
                return (s.nanos() - t0) / 1e6;
            }
        }
        return null;
    }
}
