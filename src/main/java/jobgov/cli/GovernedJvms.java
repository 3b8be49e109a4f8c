package jobgov.cli;

import com.sun.tools.attach.VirtualMachine;
import com.sun.tools.attach.VirtualMachineDescriptor;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import jobgov.agent.AgentStatus;

/**
 * The JVMs on this machine that govern a job: the ones whose system property {@code jobgov.job} is set,
 * by the agent or by {@code jobgov run}. Found with the Attach API, so only JVMs this user may attach to.
 */
final class GovernedJvms {
    /** One governed JVM: {@code status} is the agent's (governed, degraded, ungoverned), or "run" for jobgov run. */
    record GovernedJvm(long pid, String job, String status, String command) {
    }

    private static final long ATTACH_SECONDS = 5;

    private GovernedJvms() {
    }

    static List<GovernedJvm> scan() {
        String self = Long.toString(ProcessHandle.current().pid());
        List<VirtualMachineDescriptor> vms = VirtualMachine.list().stream().filter(d -> !d.id().equals(self)).toList();
        if (vms.isEmpty()) {
            return List.of();
        }
        // Attaching costs tens of milliseconds per JVM: ask them all at once, each with a time limit.
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(8, vms.size()), r -> {
            Thread t = new Thread(r, "jobgov-list");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<GovernedJvm>> asked = new ArrayList<>();
            for (VirtualMachineDescriptor d : vms) {
                asked.add(pool.submit(() -> ask(d)));
            }
            List<GovernedJvm> found = new ArrayList<>();
            for (Future<GovernedJvm> f : asked) {
                try {
                    GovernedJvm g = f.get(ATTACH_SECONDS, TimeUnit.SECONDS);
                    if (g != null) {
                        found.add(g);
                    }
                } catch (Exception e) {
                    f.cancel(true); // a JVM that does not answer (busy, exiting, attach disabled) is left out
                }
            }
            found.sort(Comparator.comparingLong(GovernedJvm::pid));
            return found;
        } finally {
            pool.shutdownNow();
        }
    }

    /** The governed JVM with this pid, or null when it is not a governed JVM. */
    static GovernedJvm of(long pid) {
        for (VirtualMachineDescriptor d : VirtualMachine.list()) {
            if (d.id().equals(Long.toString(pid))) {
                try {
                    return ask(d);
                } catch (Exception e) {
                    return null;
                }
            }
        }
        return null;
    }

    private static GovernedJvm ask(VirtualMachineDescriptor d) throws Exception {
        VirtualMachine vm = VirtualMachine.attach(d);
        try {
            Properties p = vm.getSystemProperties();
            String job = p.getProperty(AgentStatus.JOB);
            if (job == null) {
                return null;
            }
            String status = p.getProperty(AgentStatus.STATUS, "run");
            String command = p.getProperty("sun.java.command", d.displayName());
            return new GovernedJvm(Long.parseLong(d.id()), job, status, command);
        } finally {
            vm.detach();
        }
    }
}
