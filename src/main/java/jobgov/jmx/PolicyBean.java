package jobgov.jmx;

import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import javax.management.MBeanNotificationInfo;
import javax.management.Notification;
import javax.management.NotificationBroadcasterSupport;
import javax.management.ObjectName;
import jobgov.policy.PolicyHealth;
import jobgov.policy.PolicyNotices;
import jobgov.policy.PolicyRuntime;

/** The JMX face of a {@link PolicyRuntime}: its health, {@code reload()}, and its notices as notifications. */
final class PolicyBean extends NotificationBroadcasterSupport implements PolicyMXBean {
    /** Listeners are called off the handler thread, so a slow JMX client never eats a handler's budget. */
    private static final Executor DELIVERY = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "jobgov-policy-notifications");
        t.setDaemon(true);
        return t;
    });

    private final PolicyRuntime runtime;
    private final ObjectName objectName;
    private final AtomicLong sequence = new AtomicLong();

    PolicyBean(PolicyRuntime runtime, ObjectName objectName) {
        super(DELIVERY, infos());
        this.runtime = runtime;
        this.objectName = objectName;
    }

    private static MBeanNotificationInfo[] infos() {
        PolicyNotices.Kind[] kinds = PolicyNotices.Kind.values();
        MBeanNotificationInfo[] out = new MBeanNotificationInfo[kinds.length];
        for (int i = 0; i < kinds.length; i++) {
            out[i] = new MBeanNotificationInfo(new String[] {kinds[i].type()}, Notification.class.getName(), kinds[i].description());
        }
        return out;
    }

    void emit(PolicyNotices.Kind kind, String message, String eventType) {
        Notification n = new Notification(kind.type(), objectName, sequence.incrementAndGet(), System.currentTimeMillis(), message);
        n.setUserData(eventType);
        sendNotification(n);
    }

    private PolicyHealth health() {
        return runtime.health();
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
        return health().reloads();
    }

    @Override
    public long getReloadFailures() {
        return health().reloadFailures();
    }

    @Override
    public long getHandlersRun() {
        return health().handlersRun();
    }

    @Override
    public long getHandlerErrors() {
        return health().handlerErrors();
    }

    @Override
    public long getHandlersTimedOut() {
        return health().handlersTimedOut();
    }

    @Override
    public long getHandlerThreadsAbandoned() {
        return health().handlerThreadsAbandoned();
    }

    @Override
    public int getHandlerThreadsStuck() {
        return health().handlerThreadsStuck();
    }

    @Override
    public String[] getDisabledHandlers() {
        return health().disabledHandlers().toArray(String[]::new);
    }

    @Override
    public String getDisabled() {
        return health().disabled();
    }

    @Override
    public long getPolicyThreadRestarts() {
        return health().policyThreadRestarts();
    }

    @Override
    public long getEventsDelivered() {
        return health().eventsDelivered();
    }

    @Override
    public long getEventsDropped() {
        return health().eventsDropped();
    }

    @Override
    public long getTicksSkipped() {
        return health().ticksSkipped();
    }

    @Override
    public int getEventsQueued() {
        return health().eventsQueued();
    }

    @Override
    public int getQueueCapacity() {
        return health().queueCapacity();
    }

    @Override
    public long getBudgetMillis() {
        return health().budget().toMillis();
    }

    @Override
    public long getAllocationBudgetBytes() {
        return health().allocationBudgetBytes();
    }

    @Override
    public String[] getSubJobs() {
        return health().subJobs().toArray(String[]::new);
    }

    @Override
    public boolean isWatch() {
        return health().watch();
    }

    @Override
    public String getLastError() {
        return health().lastError();
    }

    @Override
    public String reload() {
        return runtime.reload();
    }
}
