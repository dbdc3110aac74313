// ls [DIR|FILE]...: list directory entries with getdents64(2), one per
// line, directories marked with a trailing /. Hidden names are skipped.
// Lesson: "files".
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int list(const char *path, int header) {
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd < 0) {
        if (errno == ENOTDIR) {
            printf("%s\n", path);
            return 0;
        }
        dprintf(2, "ls: %s: %s\n", path, strerror(errno));
        return 1;
    }
    if (header)
        printf("%s:\n", path);
    char buf[1024];
    int n;
    while ((n = getdents64(fd, buf, sizeof(buf))) > 0) {
        for (int off = 0; off < n;) {
            struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
            if (d->d_name[0] != '.')
                printf("%s%s\n", d->d_name, d->d_type == DT_DIR ? "/" : "");
            off += d->d_reclen;
        }
    }
    close(fd);
    if (n < 0) {
        dprintf(2, "ls: %s: %s\n", path, strerror(errno));
        return 1;
    }
    return 0;
}

int main(int argc, char **argv) {
    if (argc < 2)
        return list(".", 0);
    int status = 0;
    for (int i = 1; i < argc; i++)
        status |= list(argv[i], argc > 2);
    return status;
}
