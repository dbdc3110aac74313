// uname [-snrvma]: print system information from uname(2). Under miniOS
// the system name is "miniOS"; in a container it is the host's kernel.
// Lesson: "a VM brings its own kernel, a container shares the host's".
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>

int main(int argc, char **argv) {
    struct utsname u;
    if (uname(&u) < 0) {
        perror("uname");
        return 1;
    }
    const char *flags = argc > 1 && argv[1][0] == '-' ? argv[1] + 1 : "s";
    if (!strcmp(flags, "a"))
        flags = "snrvm";
    const char *sep = "";
    for (const char *f = flags; *f; f++) {
        const char *v = *f == 's' ? u.sysname : *f == 'n' ? u.nodename : *f == 'r' ? u.release
                      : *f == 'v' ? u.version : *f == 'm' ? u.machine : 0;
        if (!v) {
            dprintf(2, "uname: invalid option -%c\n", *f);
            return 1;
        }
        printf("%s%s", sep, v);
        sep = " ";
    }
    printf("\n");
    return 0;
}
