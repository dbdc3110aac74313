// hostname [NAME]: print or set the host name (uname(2), sethostname(2)).
// Lesson: "UTS namespaces" (a container can have its own).
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc > 1) {
        if (sethostname(argv[1], strlen(argv[1])) < 0) {
            perror("hostname");
            return 1;
        }
        return 0;
    }
    char name[65];
    if (gethostname(name, sizeof(name)) < 0) {
        perror("hostname");
        return 1;
    }
    printf("%s\n", name);
    return 0;
}
