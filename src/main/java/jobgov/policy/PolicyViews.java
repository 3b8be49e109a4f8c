package jobgov.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import jobgov.job.Job;

/**
 * What shows a policy and its sub-jobs to people (the Policy and Job MBeans), seen from the policy: the policy
 * hands itself and each sub-job it creates here, never knowing JMX (the views sit above the policy layer). The views are found
 * through {@link ServiceLoader}, as the backends are, so every way a policy is loaded (the agent, {@code jobgov
 * run}, a test) publishes its sub-jobs alike.
 */
public interface PolicyViews {
    /**
     * Publishes {@code subJob}; closing the result unpublishes it. Throws UnsupportedOperationException when
     * the sub-job cannot be shown here (the policy goes on without it), any other RuntimeException on a failure.
     */
    AutoCloseable publish(Job subJob);

    /**
     * Publishes {@code policy} itself (its {@link PolicyRuntime#health()} and {@link PolicyRuntime#reload()}); the
     * result carries its notices and, closed, unpublishes it. Throws UnsupportedOperationException when this view
     * shows no policies, IllegalArgumentException with one line when the policy cannot be shown (its name is taken
     * in this JVM, or cannot be a name here): the policy is then not loaded.
     */
    default PolicyNotices publishPolicy(PolicyRuntime policy) {
        throw new UnsupportedOperationException(getClass().getName() + " shows no policies");
    }

    /** Every view on the class path of jobgov, in service-file order. */
    static List<PolicyViews> installed() {
        List<PolicyViews> all = new ArrayList<>();
        ServiceLoader.load(PolicyViews.class, PolicyViews.class.getClassLoader()).forEach(all::add);
        return all;
    }
}
