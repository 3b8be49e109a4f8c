package jobgov.policy;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.concurrent.TimeUnit;

/**
 * {@code watch=true}: reloads the policy when its file changes. Watches the directory (editors often
 * replace a file by renaming a new one over it) and waits for 200 ms of quiet before reloading.
 */
final class PolicyWatch implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("jobgov.policy");
    private static final long QUIET_MILLIS = 200;

    private final WatchService service;
    private final Thread thread;

    PolicyWatch(String name, Path file, Runnable onChange) {
        Path real = file.toAbsolutePath();
        Path dir = real.getParent();
        String fileName = real.getFileName().toString();
        try {
            service = FileSystems.getDefault().newWatchService();
            dir.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
        } catch (IOException e) {
            throw new IllegalArgumentException("policy " + file + ": cannot watch " + dir + ": " + e, e);
        }
        thread = new Thread(() -> loop(fileName, onChange), "jobgov-policy-" + name + "-watch");
        thread.setDaemon(true);
        thread.setContextClassLoader(PolicyWatch.class.getClassLoader());
        thread.start();
    }

    private void loop(String fileName, Runnable onChange) {
        try {
            while (true) {
                WatchKey key = service.take();
                boolean ours = concerns(key, fileName);
                key.reset();
                if (!ours) {
                    continue;
                }
                // Coalesce a burst of writes into one reload.
                WatchKey more;
                while ((more = service.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS)) != null) {
                    concerns(more, fileName);
                    more.reset();
                }
                try {
                    onChange.run();
                } catch (RuntimeException e) {
                    LOG.log(System.Logger.Level.WARNING, "policy reload after a change of " + fileName + " failed: " + e.getMessage());
                }
            }
        } catch (InterruptedException | ClosedWatchServiceException e) {
            // closed
        }
    }

    private static boolean concerns(WatchKey key, String fileName) {
        boolean ours = false;
        for (WatchEvent<?> e : key.pollEvents()) {
            if (e.kind() == StandardWatchEventKinds.OVERFLOW || fileName.equals(String.valueOf(e.context()))) {
                ours = true;
            }
        }
        return ours;
    }

    @Override
    public void close() {
        thread.interrupt();
        try {
            service.close();
        } catch (IOException e) {
            // The watch thread ends either way.
        }
    }
}
