// free: show total, used and free memory in KiB from /proc/meminfo, in
// the layout of procps free. Lesson: "memory", "cgroups: memory.max".
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// The number after "name:" in /proc/meminfo text, or -1.
static long field(const char *text, const char *name) {
    size_t n = strlen(name);
    for (const char *line = text; *line;) {
        if (!strncmp(line, name, n) && line[n] == ':')
            return strtol(line + n + 1, 0, 10);
        const char *nl = strchr(line, '\n');
        if (!nl)
            break;
        line = nl + 1;
    }
    return -1;
}

int main(void) {
    int fd = open("/proc/meminfo", O_RDONLY);
    if (fd < 0) {
        perror("free: /proc/meminfo");
        return 1;
    }
    char buf[2048];
    int n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n <= 0)
        return 1;
    buf[n] = 0;
    long total = field(buf, "MemTotal"), free = field(buf, "MemFree");
    long avail = field(buf, "MemAvailable");
    if (avail < 0)
        avail = free;
    printf("%15s %11s %11s %11s\n", "total", "used", "free", "available");
    printf("Mem:    %11ld %11ld %11ld %11ld\n", total, total - free, free, avail);
    return 0;
}
