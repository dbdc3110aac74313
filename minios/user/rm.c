// rm FILE...: remove (unlink) files. In a container whose file comes from
// a read-only image layer, the overlay records a whiteout instead.
// Lesson: "image layers" (lessons/08-image-layers.md).
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        dprintf(2, "usage: rm FILE...\n");
        return 1;
    }
    int status = 0;
    for (int i = 1; i < argc; i++) {
        if (unlink(argv[i]) < 0) {
            dprintf(2, "rm: %s: %s\n", argv[i], strerror(errno));
            status = 1;
        }
    }
    return status;
}
