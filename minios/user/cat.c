// cat [FILE]...: copy files (or standard input) to standard output.
// Lesson: "files and pipes".
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int copy(int fd, const char *name) {
    char buf[1024];
    int n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        if (write(1, buf, n) != n)
            return 1;
    if (n < 0) {
        dprintf(2, "cat: %s: %s\n", name, strerror(errno));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2)
        return copy(0, "stdin");
    int status = 0;
    for (int i = 1; i < argc; i++) {
        int fd = open(argv[i], O_RDONLY);
        if (fd < 0) {
            dprintf(2, "cat: %s: %s\n", argv[i], strerror(errno));
            status = 1;
            continue;
        }
        status |= copy(fd, argv[i]);
        close(fd);
    }
    return status;
}
