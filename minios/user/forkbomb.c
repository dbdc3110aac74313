// forkbomb [SECONDS]: every process forks as fast as it can for SECONDS
// (default 2; fractions such as 0.2 too), then exits. fork fails with
// EAGAIN once the process table (or a container's pids.max) is full; the
// kernel must survive, and the shell works again afterwards. The first
// process reports what it saw.
// Lesson: "cgroups: pids.max" and "a VM contains its failures".
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

// "2" or "0.25" seconds as milliseconds (digits past the third decimal ignored).
static long long duration_ms(const char *s) {
    long long ms = atoi(s) * 1000LL;
    const char *dot = strchr(s, '.');
    for (int scale = 100; dot && scale > 0 && dot[1] >= '0' && dot[1] <= '9'; scale /= 10, dot++)
        ms += (dot[1] - '0') * scale;
    return ms;
}

int main(int argc, char **argv) {
    long long end = now_ms() + (argc > 1 ? duration_ms(argv[1]) : 2000);
    pid_t first = getpid();
    int forks = 0, failures = 0, last_errno = 0;
    while (now_ms() < end) {
        pid_t pid = fork();
        if (pid == 0) {
            forks = failures = 0;        // a child counts only its own
            continue;
        }
        if (pid > 0) {
            forks++;
        } else {
            failures++;
            last_errno = errno;
            sched_yield();
        }
    }
    if (getpid() != first)
        _exit(0);
    while (wait(0) > 0)
        ;
    printf("forkbomb: %d forks, %d failed (%s)\n", forks, failures,
           failures ? (last_errno == EAGAIN ? "EAGAIN" : "ENOMEM") : "none");
    return 0;
}
