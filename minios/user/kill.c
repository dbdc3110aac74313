// kill [-SIGNAL] PID...: send a signal (default SIGTERM). SIGNAL is a
// number or one of KILL, TERM, INT, SEGV. Lesson: "processes".
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse_signal(const char *s) {
    if (!strncmp(s, "SIG", 3))
        s += 3;
    if (!strcmp(s, "KILL")) return SIGKILL;
    if (!strcmp(s, "TERM")) return SIGTERM;
    if (!strcmp(s, "INT")) return SIGINT;
    if (!strcmp(s, "SEGV")) return SIGSEGV;
    return atoi(s);
}

int main(int argc, char **argv) {
    int sig = SIGTERM, i = 1;
    if (argc > 1 && argv[1][0] == '-') {
        sig = parse_signal(argv[1] + 1);
        i = 2;
    }
    if (i >= argc) {
        dprintf(2, "usage: kill [-SIGNAL] PID...\n");
        return 2;
    }
    int status = 0;
    for (; i < argc; i++) {
        if (kill(atoi(argv[i]), sig) < 0) {
            dprintf(2, "kill: (%s): %s\n", argv[i], strerror(errno));
            status = 1;
        }
    }
    return status;
}
