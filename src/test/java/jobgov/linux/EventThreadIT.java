package jobgov.linux;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.management.MBeanServer;
import javax.management.Notification;
import javax.management.NotificationListener;
import javax.management.ObjectName;
import jobgov.jmx.JobMBeans;
import jobgov.job.Job;
import jobgov.job.JobEvent;
import jobgov.job.JobLimits;
import jobgov.testing.Requirements;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The event thread survives a real fault on it and says so: a listener that overflows the stack on the event thread
 * (real recursion, a real StackOverflowError, which Job's listener guard does not catch) fails one check; the Job
 * MBean counts it ({@code EventFailures}, {@code LastEventFailure}), a {@code jobgov.events.failure} notification
 * goes out, and later events still arrive from the same thread.
 */
class EventThreadIT {
    @Test
    @Timeout(90)
    void aStackOverflowOnTheEventThreadIsSurvivedCountedAndNotified() throws Exception {
        Requirements.cgroupV1();
        try (GovernedJobs jobs = new GovernedJobs()) {
            Job job = jobs.create("event-fault", JobLimits.NONE);
            MBeanServer mbeans = ManagementFactory.getPlatformMBeanServer();
            ObjectName name = JobMBeans.objectName(job.name());
            AtomicBoolean armed = new AtomicBoolean(true);
            List<Thread> faultedOn = new CopyOnWriteArrayList<>();
            try (AutoCloseable mbean = JobMBeans.register(job);
                 AutoCloseable fault = job.subscribe(e -> {
                     if (e instanceof JobEvent.ProcessExited && armed.getAndSet(false)) {
                         faultedOn.add(Thread.currentThread());
                         recurse(0);
                     }
                 })) {
                List<Notification> notes = new CopyOnWriteArrayList<>();
                NotificationListener listener = (n, h) -> notes.add(n);
                mbeans.addNotificationListener(name, listener, null, null);
                assertEquals(0L, mbeans.getAttribute(name, "EventFailures"));
                assertEquals("", mbeans.getAttribute(name, "LastEventFailure"));

                jobs.start(job, "/bin/sh", "-c", "exit 3").waitFor();
                await().atMost(Duration.ofSeconds(20)).until(() -> (Long) mbeans.getAttribute(name, "EventFailures") >= 1);
                assertTrue(faultedOn.get(0).getName().startsWith("jobgov-events-"), "the fault hit the event thread: " + faultedOn);
                assertTrue(String.valueOf(mbeans.getAttribute(name, "LastEventFailure")).contains("StackOverflowError"));
                await().atMost(Duration.ofSeconds(10)).until(() -> notes.stream().anyMatch(n -> n.getType().equals("jobgov.events.failure")));
                assertTrue(faultedOn.get(0).isAlive(), "the event thread lives on");

                // The same thread goes on delivering: a later child's exit arrives.
                Process second = jobs.start(job, "/bin/sh", "-c", "exit 4");
                second.waitFor();
                await().atMost(Duration.ofSeconds(20)).until(() -> jobs.events(JobEvent.ProcessExited.class).stream()
                        .anyMatch(e -> e.pid() == second.pid()));
                assertEquals(1, jobs.events(JobEvent.EventThreadFailed.class).size(), jobs.events.toString());
                mbeans.removeNotificationListener(name, listener);
            }
        }
    }

    private static int recurse(int depth) {
        return recurse(depth + 1) + 1;
    }
}
