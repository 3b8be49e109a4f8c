package jobgov.jmx;

import java.util.Map;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanException;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.NotificationEmitter;
import javax.management.ReflectionException;
import javax.management.StandardEmitterMBean;

/**
 * The Job MXBean as registered: {@link ManagedJob} plus a description for every attribute, operation and
 * parameter (shown by JConsole and VisualVM as tool tips, and by jmxterm's {@code info}), real parameter
 * names, and operation impacts. The Java method {@link JobMXBean#changeLimits} is published as the operation
 * {@code setLimits}.
 */
final class DescribedJob extends StandardEmitterMBean {
    private static final String SET_LIMITS = "setLimits";
    private static final String CHANGE_LIMITS = "changeLimits";
    private volatile MBeanInfo published;

    private static final Map<String, String> ATTRIBUTES = Map.ofEntries(
            Map.entry("Name", "The job's name (also its cgroup directory / Win32 job object name)"),
            Map.entry("Backend", "The mechanism governing the job: windows, cgroup2, cgroup1 or degraded (no kernel enforcement, limits refused)"),
            Map.entry("Location", "Where the job lives: cgroup paths or the job object name"),
            Map.entry("EventSource", "Where the job's process and limit events come from: kernel notifications, or a polling tick and its period"),
            Map.entry("ProcessIds", "The pids in the job now"),
            Map.entry("ActiveProcesses", "Processes in the job now (-1 = not readable here)"),
            Map.entry("TotalProcesses", "Processes that have been in the job since it was created (-1 = not readable here)"),
            Map.entry("TotalTerminatedProcesses", "Processes ended because of a limit violation (-1 = not readable here)"),
            Map.entry("TotalUserTimeMillis", "User-mode CPU time of all processes, milliseconds (-1 = not readable here)"),
            Map.entry("TotalKernelTimeMillis", "Kernel-mode CPU time of all processes, milliseconds (-1 = not readable here)"),
            Map.entry("TotalPageFaults", "Page faults of all processes (-1 = not readable here)"),
            Map.entry("JobMemoryUsedBytes", "Memory charged to the job now, bytes (-1 = not readable here)"),
            Map.entry("PeakJobMemoryUsedBytes", "Highest memory charged to the job, bytes (-1 = not readable here)"),
            Map.entry("PeakProcessMemoryUsedBytes", "Highest memory of any one process, bytes (-1 = not readable here)"),
            Map.entry("ReadOperations", "Read operations of all processes (-1 = not readable here)"),
            Map.entry("WriteOperations", "Write operations of all processes (-1 = not readable here)"),
            Map.entry("OtherOperations", "Other IO operations of all processes (-1 = not readable here)"),
            Map.entry("ReadBytes", "Bytes read by all processes (-1 = not readable here)"),
            Map.entry("WriteBytes", "Bytes written by all processes (-1 = not readable here)"),
            Map.entry("OtherBytes", "Bytes of other IO operations (-1 = not readable here)"),
            Map.entry("JobMemoryLimitBytes", "Job memory limit, bytes; 0 = no limit. A refused write keeps the old limit"),
            Map.entry("ProcessMemoryLimitBytes", "Per-process memory limit, bytes; 0 = no limit. A refused write keeps the old limit"),
            Map.entry("ActiveProcessLimit", "Active process limit (on Linux pids.max, which counts threads too); 0 = no limit"),
            Map.entry("CpuRateLimitPercent", "CPU hard cap, percent of the whole machine (50 = one of two cores); 0 = no limit"),
            Map.entry("CpuWeight", "CPU weight 1-9 relative to other jobs (5 = normal); 0 = no weight set"),
            Map.entry("Affinity", "CPUs the job may run on, e.g. 0-1,3; empty = no limit"),
            Map.entry("KillOnClose", "Whether closing the job (the JVM exiting) kills its processes"),
            Map.entry("KillOnCloseArmed", "False once the kill-on-close watchdog died and was not replaced (a member killed it "
                    + "again and again): a SIGKILLed JVM would then leave the job running. True otherwise"),
            Map.entry("EventFailures", "Failed waits or checks of the job's event thread, which survives them and goes on "
                    + "(each run of failures is also a jobgov.events.failure notification); 0 = none"),
            Map.entry("LastEventFailure", "The last failure of the job's event thread: time, thread and error; empty = none"),
            Map.entry("WatchdogRestarts", "Times the kill-on-close watchdog died while the JVM lives and was replaced"),
            Map.entry("LimitSpec", "Every limit in force, in the limit-spec syntax, e.g. memory=256m,processes=32"),
            Map.entry("Limits", "Every limit in force as composite data; 0 or empty = no limit"),
            Map.entry("Counters", "Every counter as composite data; -1 = not readable here"));

    private static final Map<String, String> OPERATIONS = Map.of(
            "terminate", "Kills every process of the job, double-forked ones included. On the agent's own job the host JVM "
                    + "itself is kept alive (keep-host): its children and their descendants die",
            "setLimits", "Changes the limits named in a limit spec (e.g. memory=256m,processes=32; none or 0 clears one), "
                    + "keeping the others; all-or-nothing",
            "pids", "The pids in the job now");

    private static final Map<String, String[]> PARAMETERS = Map.of(
            "terminate", new String[] {"exitCode", "The exit code the processes get where the platform can set it (Windows); on Linux they die of SIGKILL"},
            "setLimits", new String[] {"spec", "Limits to change, e.g. memory=256m,processes=32,cpu=50%"});

    DescribedJob(JobMXBean job, NotificationEmitter emitter) {
        super(job, JobMXBean.class, true, emitter);
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        MBeanInfo info = published;
        if (info == null) {
            MBeanInfo introspected = super.getMBeanInfo();
            MBeanOperationInfo[] ops = introspected.getOperations().clone();
            for (int i = 0; i < ops.length; i++) {
                MBeanOperationInfo op = ops[i];
                if (op.getName().equals(CHANGE_LIMITS)) {
                    ops[i] = new MBeanOperationInfo(SET_LIMITS, op.getDescription(), op.getSignature(), op.getReturnType(),
                            op.getImpact(), op.getDescriptor());
                }
            }
            info = new MBeanInfo(introspected.getClassName(), introspected.getDescription(), introspected.getAttributes(),
                    introspected.getConstructors(), ops, introspected.getNotifications(), introspected.getDescriptor());
            published = info;
        }
        return info;
    }

    @Override
    public Object invoke(String actionName, Object[] params, String[] signature) throws MBeanException, ReflectionException {
        return super.invoke(SET_LIMITS.equals(actionName) ? CHANGE_LIMITS : actionName, params, signature);
    }

    private static String exposed(String operation) {
        return CHANGE_LIMITS.equals(operation) ? SET_LIMITS : operation;
    }

    @Override
    protected String getDescription(MBeanInfo info) {
        return "A jobgov job: a group of processes governed as one unit (limits, counters, events, terminate)";
    }

    @Override
    protected String getDescription(MBeanAttributeInfo info) {
        return ATTRIBUTES.getOrDefault(info.getName(), info.getDescription());
    }

    @Override
    protected String getDescription(MBeanOperationInfo info) {
        return OPERATIONS.getOrDefault(exposed(info.getName()), info.getDescription());
    }

    @Override
    protected String getParameterName(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        String[] p = PARAMETERS.get(exposed(op.getName()));
        return p == null ? param.getName() : p[0];
    }

    @Override
    protected String getDescription(MBeanOperationInfo op, MBeanParameterInfo param, int sequence) {
        String[] p = PARAMETERS.get(exposed(op.getName()));
        return p == null ? param.getDescription() : p[1];
    }

    @Override
    protected int getImpact(MBeanOperationInfo info) {
        return info.getName().equals("pids") ? MBeanOperationInfo.INFO : MBeanOperationInfo.ACTION;
    }

    static boolean describes(String attributeOrOperation) {
        return ATTRIBUTES.containsKey(attributeOrOperation) || OPERATIONS.containsKey(attributeOrOperation);
    }
}
