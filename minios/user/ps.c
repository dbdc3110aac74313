// ps: list processes from /proc/<pid>/stat (proc(5)), as procps does:
// pid, parent, state, CPU time and command. The same binary run in a
// container shows only that container's PID namespace.
// Lesson: "processes" and "what ps sees".
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// Print one line for the process whose stat file is at path.
static void show(const char *path) {
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return;                         // it exited meanwhile
    char buf[512];
    int n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return;
    buf[n] = 0;
    // "pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt
    //  majflt cmajflt utime stime ..."
    char *open_paren = strchr(buf, '('), *close_paren = strrchr(buf, ')');
    if (!open_paren || !close_paren)
        return;
    *close_paren = 0;
    const char *comm = open_paren + 1;
    char *fields[16];
    int nf = 0;
    for (char *s = close_paren + 2; *s && nf < 16;) {
        fields[nf++] = s;
        while (*s && *s != ' ')
            s++;
        if (*s)
            *s++ = 0;
    }
    if (nf < 13)
        return;
    unsigned ticks = (unsigned)atoi(fields[11]) + (unsigned)atoi(fields[12]);
    unsigned secs = ticks / 100;
    printf("%5d %5s %s %3u:%02u %s\n", atoi(buf), fields[1], fields[0], secs / 60, secs % 60,
           comm);
}

int main(void) {
    int fd = open("/proc", O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        perror("ps: /proc");
        return 1;
    }
    printf("  PID  PPID S   TIME CMD\n");
    char buf[2048], path[64];
    int n;
    while ((n = getdents64(fd, buf, sizeof(buf))) > 0) {
        for (int off = 0; off < n;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            if (d->d_name[0] >= '1' && d->d_name[0] <= '9') {
                snprintf(path, sizeof(path), "/proc/%s/stat", d->d_name);
                show(path);
            }
            off += d->d_reclen;
        }
    }
    close(fd);
    return 0;
}
