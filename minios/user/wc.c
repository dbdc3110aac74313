// wc [FILE]: count lines, words and bytes of a file or standard input.
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv) {
    int fd = argc > 1 ? open(argv[1], O_RDONLY) : 0;
    if (fd < 0) {
        perror(argv[1]);
        return 1;
    }
    char buf[1024];
    long lines = 0, words = 0, bytes = 0;
    int n, inword = 0;
    while ((n = read(fd, buf, sizeof(buf))) > 0) {
        bytes += n;
        for (int i = 0; i < n; i++) {
            char c = buf[i];
            if (c == '\n')
                lines++;
            if (c == ' ' || c == '\n' || c == '\t')
                inword = 0;
            else if (!inword)
                inword = 1, words++;
        }
    }
    printf("%ld %ld %ld\n", lines, words, bytes);
    return 0;
}
