// kbug [hostname NAME | crash]: use the deliberate kernel bug (system
// call 500, on only with the boot option bug=1) to write kernel memory
// from user space. "hostname" overwrites the kernel's host name, which
// every process sees; "crash" overwrites the system call table, so the
// next system call jumps to a bad address and the kernel panics. Addresses
// come from /proc/kallsyms. Lesson: "isolation: one kernel bug".
#include <errno.h>
#include <fcntl.h>
#include <minios.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static unsigned long symbol(const char *name) {
    int fd = open("/proc/kallsyms", O_RDONLY);
    char buf[1024];
    int n = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
    close(fd);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    for (char *line = buf; *line;) {
        char *end;
        unsigned long addr = strtoul(line, &end, 16);
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = 0;
        if (strlen(end) > 3 && !strcmp(end + 3, name))
            return addr;
        if (!nl)
            break;
        line = nl + 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "hostname";
    if (!strcmp(what, "hostname")) {
        const char *name = argc > 2 ? argv[2] : "pwned";
        unsigned long uts = symbol("utsname");
        // struct utsname: sysname[65], then nodename[65].
        if (!uts || minios_kwrite(uts + 65, name, strlen(name) + 1) < 0) {
            printf("kbug: kernel write failed: %s\n", strerror(errno));
            return 1;
        }
        printf("kbug: wrote host name '%s' into kernel memory\n", name);
        return 0;
    }
    if (!strcmp(what, "crash")) {
        // Every handler pointer becomes 0x10, an unmapped address.
        unsigned long table = symbol("sys_call_table");
        unsigned long bad[64];
        for (int i = 0; i < 64; i++)
            bad[i] = 0x10;
        printf("kbug: overwriting the system call table at %lx\n", table);
        if (!table || minios_kwrite(table, bad, sizeof(bad)) < 0) {
            printf("kbug: kernel write failed: %s\n", strerror(errno));
            return 1;
        }
        getpid();
        return 0;
    }
    dprintf(2, "usage: kbug [hostname NAME | crash]\n");
    return 2;
}
