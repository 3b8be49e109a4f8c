/*
 * The floor for jobgov's "job empty" event latency: the time from kill(2) of the only process in a
 * cgroup until raw inotify on that cgroup's cgroup.events reports "populated 0".
 *
 *   inotify-floor CGROUP_DIR COUNT GAP_MS      (prints one latency per line, in microseconds)
 *
 * GAP_MS 0 means back to back (a burst: the kernel rate-limits one file's notifications to one per 10 ms).
 * CGROUP_DIR must exist (a cgroup v2 / unified-tree cgroup) and is left as it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int populated(const char *events) {
    char buf[256];
    int fd = open(events, O_RDONLY);
    if (fd < 0) { perror(events); exit(2); }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) { perror("read cgroup.events"); exit(2); }
    buf[n] = 0;
    char *p = strstr(buf, "populated ");
    return p && p[10] == '1';
}

int main(int argc, char **argv) {
    if (argc != 4) { fprintf(stderr, "usage: %s CGROUP_DIR COUNT GAP_MS\n", argv[0]); return 2; }
    char events[4096], procs[4096];
    snprintf(events, sizeof events, "%s/cgroup.events", argv[1]);
    snprintf(procs, sizeof procs, "%s/cgroup.procs", argv[1]);
    int count = atoi(argv[2]), gap_ms = atoi(argv[3]);
    int in = inotify_init1(IN_CLOEXEC);
    if (in < 0 || inotify_add_watch(in, events, IN_MODIFY) < 0) { perror("inotify"); return 2; }
    char drain[4096];
    for (int i = 0; i < count; i++) {
        int ready[2];
        if (pipe(ready)) { perror("pipe"); return 2; }
        pid_t child = fork();
        if (child == 0) {
            int fd = open(procs, O_WRONLY);
            if (fd < 0 || write(fd, "0", 1) != 1) _exit(3);
            close(fd);
            if (write(ready[1], "x", 1) != 1) _exit(3);
            for (;;) pause();
        }
        close(ready[1]);
        char c;
        if (read(ready[0], &c, 1) != 1) { fprintf(stderr, "child failed to join the cgroup\n"); return 2; }
        close(ready[0]);
        if (gap_ms > 0) usleep(gap_ms * 1000);
        /* forget the notification of the child joining */
        struct pollfd p = {in, POLLIN, 0};
        while (poll(&p, 1, 0) > 0) if (read(in, drain, sizeof drain) < 0) break;
        long long t0 = now_ns();
        kill(child, SIGKILL);
        for (;;) {
            if (poll(&p, 1, 5000) <= 0) { fprintf(stderr, "no notification within 5 s\n"); return 1; }
            if (read(in, drain, sizeof drain) < 0 && errno != EAGAIN) { perror("read inotify"); return 2; }
            if (!populated(events)) break;
        }
        long long t1 = now_ns();
        printf("%lld\n", (t1 - t0) / 1000);
        fflush(stdout);
        waitpid(child, NULL, 0);
    }
    return 0;
}
