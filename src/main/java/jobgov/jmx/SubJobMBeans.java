package jobgov.jmx;

import jobgov.job.Job;
import jobgov.policy.PolicyViews;

/** A policy's sub-jobs as Job MBeans ({@code jobgov:type=Job,name=SUB}), registered for the policy layer through {@link PolicyViews}. */
public final class SubJobMBeans implements PolicyViews {
    @Override
    public AutoCloseable publish(Job subJob) {
        return JobMBeans.register(subJob);
    }
}
