package jobgov.jmx;

import java.lang.management.ManagementFactory;
import javax.management.InstanceAlreadyExistsException;
import javax.management.JMException;
import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;
import jobgov.job.Job;
import jobgov.policy.PolicyNotices;
import jobgov.policy.PolicyRuntime;
import jobgov.policy.PolicyViews;

/**
 * A policy as {@code jobgov:type=Policy,name=NAME} and its sub-jobs as Job MBeans ({@code jobgov:type=Job,name=SUB}),
 * registered for the policy layer through {@link PolicyViews}.
 */
public final class PolicyMBeans implements PolicyViews {
    private static final System.Logger LOG = System.getLogger("jobgov.jmx");

    @Override
    public AutoCloseable publish(Job subJob) {
        return JobMBeans.register(subJob);
    }

    @Override
    public PolicyNotices publishPolicy(PolicyRuntime policy) {
        ObjectName name = objectName(policy.name());
        PolicyBean bean = new PolicyBean(policy, name);
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        try {
            server.registerMBean(bean, name);
        } catch (InstanceAlreadyExistsException e) {
            throw new IllegalArgumentException("a policy named '" + policy.name() + "' is already loaded in this JVM (" + name
                    + "); give this one another name=");
        } catch (JMException e) {
            throw new IllegalArgumentException("policy " + policy.name() + ": cannot register its MBean: " + e, e);
        }
        return new PolicyNotices() {
            @Override
            public void send(Kind kind, String message, String eventType) {
                bean.emit(kind, message, eventType);
            }

            @Override
            public void close() {
                try {
                    server.unregisterMBean(name);
                } catch (JMException e) {
                    LOG.log(System.Logger.Level.DEBUG, "policy " + policy.name() + ": MBean already gone: " + e);
                }
            }
        };
    }

    /** {@code jobgov:type=Policy,name=NAME}, the name quoted where it must be; IllegalArgumentException if it cannot be one. */
    public static ObjectName objectName(String policyName) {
        try {
            String value = policyName.matches("[A-Za-z0-9._-]+") ? policyName : ObjectName.quote(policyName);
            return new ObjectName("jobgov:type=Policy,name=" + value);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException("policy name '" + policyName + "' cannot be an MBean name: " + e.getMessage(), e);
        }
    }
}
