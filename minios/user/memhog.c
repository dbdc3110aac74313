// memhog N: allocate N MiB with malloc and touch every page. When memory
// runs out (in miniOS, brk fails; under a cgroup memory.max, the OOM
// killer may strike first) it says how far it got and exits 1.
// Lesson: "memory: a VM's RAM, a container's memory.max".
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        dprintf(2, "usage: memhog MIB\n");
        return 2;
    }
    int want = atoi(argv[1]);
    for (int mib = 0; mib < want; mib++) {
        char *p = malloc(1024 * 1024);
        if (!p) {
            printf("memhog: out of memory after %d MiB\n", mib);
            return 1;
        }
        for (int off = 0; off < 1024 * 1024; off += 4096)
            p[off] = (char)off;
    }
    printf("memhog: touched %d MiB\n", want);
    return 0;
}
