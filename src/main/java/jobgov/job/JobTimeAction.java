package jobgov.job;

/** What happens when the per-job user time runs out (JOBOBJECT_END_OF_JOB_TIME_INFORMATION). */
public enum JobTimeAction {
    /** Kill every process of the job, then report EndOfJobTime (the Win32 default). */
    TERMINATE,
    /** Only report EndOfJobTime; the policy decides. */
    POST
}
