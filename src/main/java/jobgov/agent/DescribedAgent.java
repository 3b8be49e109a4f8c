package jobgov.agent;

import java.util.Map;
import javax.management.MBeanAttributeInfo;
import javax.management.MBeanInfo;
import javax.management.StandardMBean;

/** The Agent MXBean with a description on every attribute. */
final class DescribedAgent extends StandardMBean {
    private static final Map<String, String> ATTRIBUTES = Map.of(
            "Status", "governed; degraded = a job exists but something asked for failed (see Problems); ungoverned = no job",
            "Problems", "One line per thing the agent could not do, in the order it happened",
            "JobName", "The name of the job governing this JVM (its MBean is jobgov:type=Job,name=NAME), empty when ungoverned",
            "Backend", "windows, cgroup2, cgroup1, degraded, or none when ungoverned",
            "Options", "The agent options as given",
            "Entry", "premain (started with -javaagent) or agentmain (attached to the running JVM)",
            "UnassignedProcessIds", "Pids of children that existed at attach time and could not be moved into the job",
            "Policy", "The policy file, empty when none",
            "PolicyState", "none, loading, live or failed",
            "JolokiaState", "none, starting, live or failed");

    DescribedAgent(AgentMXBean agent) {
        super(agent, AgentMXBean.class, true);
    }

    @Override
    protected String getDescription(MBeanInfo info) {
        return "The jobgov agent in this JVM: whether it governs it, and what went wrong if not";
    }

    @Override
    protected String getDescription(MBeanAttributeInfo info) {
        return ATTRIBUTES.getOrDefault(info.getName(), info.getDescription());
    }
}
