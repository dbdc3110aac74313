// dirty PAGES [SECONDS]: keep writing PAGES pages of memory, one word in
// each, round and round: a write working set of PAGES * 4 KiB that never
// settles. Forever, or for SECONDS. Live migration's pre-copy (lesson 12)
// must send every page the guest dirties while a round is on the link, so
// a VM running this needs more rounds, more pages and a longer downtime
// than an idle one.
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int main(int argc, char **argv) {
    if (argc < 2 || atoi(argv[1]) <= 0) {
        dprintf(2, "usage: dirty PAGES [SECONDS]\n");
        return 2;
    }
    int pages = atoi(argv[1]);
    long long end = argc > 2 ? now_ms() + atoi(argv[2]) * 1000LL : 0;
    volatile unsigned *mem = malloc((unsigned)pages * 4096);
    if (!mem) {
        printf("dirty: cannot allocate %d pages\n", pages);
        return 1;
    }
    printf("dirty: writing %d pages\n", pages);
    for (unsigned pass = 1;; pass++) {
        for (int p = 0; p < pages; p++)
            mem[p * 1024] = pass;
        if (end && now_ms() >= end)
            break;
    }
    printf("dirty: done\n");
    return 0;
}
