// spin [SECONDS [LABEL]]: burn CPU. With no arguments, forever and
// silently (a CPU hog for the scheduling and cgroup lessons). With
// SECONDS, stop after that much time; with LABEL also print
// "LABEL N" five times a second, so two spinners on one CPU show whether
// the scheduler preempts them (their lines interleave).
// Lesson: "preemptive scheduling".
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
    if (argc < 2) {
        for (volatile unsigned i = 0;; i++)
            ;
    }
    long long start = now_ms(), end = start + atoi(argv[1]) * 1000LL, next = start;
    const char *label = argc > 2 ? argv[2] : 0;
    int n = 0;
    volatile unsigned work = 0;
    for (;;) {
        for (int i = 0; i < 10000; i++)
            work++;
        long long t = now_ms();
        if (label && t >= next) {
            printf("%s %d\n", label, n++);
            next += 200;
        }
        if (t >= end)
            break;
    }
    return 0;
}
