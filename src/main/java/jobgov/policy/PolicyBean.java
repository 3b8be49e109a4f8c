package jobgov.policy;

import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanNotificationInfo;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.ObjectName;

/** The JMX face of a {@link PolicyRuntime}: its counters, {@code reload()}, and its notifications. */
final class PolicyBean extends NotificationBroadcasterSupport implements PolicyMXBean {
    static final String MESSAGE = "jobgov.policy.message";
    static final String ERROR = "jobgov.policy.error";
    static final String RELOADED = "jobgov.policy.reloaded";

    /** Listeners are called off the handler thread, so a slow JMX client never eats a handler's budget. */
    private static final java.util.concurrent.Executor DELIVERY = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "jobgov-policy-notifications");
        t.setDaemon(true);
        return t;
    });

    private final PolicyRuntime runtime;
    private final ObjectName objectName;
    private final AtomicLong sequence = new AtomicLong();

    PolicyBean(PolicyRuntime runtime, ObjectName objectName) {
        super(DELIVERY, new MBeanNotificationInfo(new String[] {MESSAGE}, Notification.class.getName(), "a message from the policy (notify)"),
                new MBeanNotificationInfo(new String[] {ERROR}, Notification.class.getName(), "a handler failed or ran over budget, or a reload failed"),
                new MBeanNotificationInfo(new String[] {RELOADED}, Notification.class.getName(), "a new version of the policy runs"));
        this.runtime = runtime;
        this.objectName = objectName;
    }

    ObjectName objectName() {
        return objectName;
    }

    void emit(String type, String message, Object userData) {
        Notification n = new Notification(type, objectName, sequence.incrementAndGet(), System.currentTimeMillis(), message);
        n.setUserData(userData);
        sendNotification(n);
    }

    @Override
    public String getName() {
        return runtime.name();
    }

    @Override
    public String getFile() {
        return runtime.file().toString();
    }

    @Override
    public String getJob() {
        return runtime.job().name();
    }

    @Override
    public String getLoadedAt() {
        return runtime.loadedAt().toString();
    }

    @Override
    public int getVersion() {
        return runtime.version();
    }

    @Override
    public long getReloads() {
        return runtime.reloads();
    }

    @Override
    public long getReloadFailures() {
        return runtime.reloadFailures();
    }

    @Override
    public long getHandlersRun() {
        return runtime.dispatcher().handlersRun();
    }

    @Override
    public long getHandlerErrors() {
        return runtime.dispatcher().handlerErrors();
    }

    @Override
    public long getHandlersTimedOut() {
        return runtime.dispatcher().handlersTimedOut();
    }

    @Override
    public long getHandlerThreadsAbandoned() {
        return runtime.dispatcher().handlerThreadsAbandoned();
    }

    @Override
    public int getHandlerThreadsStuck() {
        return runtime.dispatcher().handlerThreadsStuck();
    }

    @Override
    public String[] getDisabledHandlers() {
        return runtime.dispatcher().disabledHandlers().toArray(String[]::new);
    }

    @Override
    public String getDisabled() {
        return runtime.dispatcher().disabled();
    }

    @Override
    public long getPolicyThreadRestarts() {
        return runtime.dispatcher().pumpRestarts();
    }

    @Override
    public long getEventsDelivered() {
        return runtime.dispatcher().eventsDelivered();
    }

    @Override
    public long getEventsDropped() {
        return runtime.dispatcher().eventsDropped();
    }

    @Override
    public long getTicksSkipped() {
        return runtime.dispatcher().ticksSkipped();
    }

    @Override
    public int getEventsQueued() {
        return runtime.dispatcher().queued();
    }

    @Override
    public int getQueueCapacity() {
        return runtime.dispatcher().capacity();
    }

    @Override
    public long getBudgetMillis() {
        return runtime.dispatcher().budget().toMillis();
    }

    @Override
    public long getAllocationBudgetBytes() {
        return runtime.allocationBudget();
    }

    @Override
    public String[] getSubJobs() {
        return runtime.subJobNames().toArray(String[]::new);
    }

    @Override
    public boolean isWatch() {
        return runtime.watching();
    }

    @Override
    public String getLastError() {
        return runtime.dispatcher().lastError();
    }

    @Override
    public String reload() {
        return runtime.reload();
    }
}
