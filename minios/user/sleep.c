// sleep SECONDS: nanosleep(2); the process sleeps, not spins (ps shows S).
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        dprintf(2, "usage: sleep SECONDS\n");
        return 2;
    }
    struct timespec ts = {atoi(argv[1]), 0};
    return nanosleep(&ts, 0) < 0 ? 1 : 0;
}
