// echo [-n] [WORD]...: print the words separated by spaces.
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    char line[1024];
    int len = 0, newline = 1, i = 1;
    if (argc > 1 && !strcmp(argv[1], "-n"))
        newline = 0, i = 2;
    for (; i < argc; i++)
        len += snprintf(line + len, sizeof(line) - len - 1, "%s%s", argv[i],
                        i + 1 < argc ? " " : "");
    if (len > (int)sizeof(line) - 2)
        len = sizeof(line) - 2;
    if (newline)
        line[len++] = '\n';
    write(1, line, len);
    return 0;
}
