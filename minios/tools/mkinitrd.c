// mkinitrd: write a "newc" cpio archive (the Linux initramfs format, see
// Documentation/driver-api/early-userspace/buffer-format.rst) holding the
// given files. A host tool, run by the build.
//   mkinitrd OUT.cpio ARCHIVE_PATH=HOST_FILE...
// Parent directories of each ARCHIVE_PATH are added as directory entries.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned ino = 1;

static void header(FILE *out, const char *name, unsigned mode, unsigned size) {
    unsigned namesize = (unsigned)strlen(name) + 1;
    fprintf(out, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X", ino++, mode, 0u,
            0u, 1u, 0u, size, 0u, 0u, 0u, 0u, namesize, 0u);
    fwrite(name, 1, namesize, out);
    for (unsigned pad = (110 + namesize) % 4; pad && pad < 4; pad++)
        fputc(0, out);
}

static void pad4(FILE *out, unsigned size) {
    for (unsigned pad = size % 4; pad && pad < 4; pad++)
        fputc(0, out);
}

// Directories already written, so each appears once.
static char *dirs[256];
static int ndirs;

static void add_dirs(FILE *out, const char *path) {
    char buf[512];
    snprintf(buf, sizeof(buf), "%s", path);
    for (char *s = buf; (s = strchr(s, '/')); s++) {
        *s = 0;
        int seen = 0;
        for (int i = 0; i < ndirs; i++)
            seen |= !strcmp(dirs[i], buf);
        if (!seen && ndirs < 256) {
            dirs[ndirs++] = strdup(buf);
            header(out, buf, 040755, 0);
        }
        *s = '/';
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: mkinitrd OUT.cpio ARCHIVE_PATH=HOST_FILE...\n");
        return 2;
    }
    FILE *out = fopen(argv[1], "wb");
    if (!out) {
        perror(argv[1]);
        return 1;
    }
    for (int i = 2; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "mkinitrd: %s: expected ARCHIVE_PATH=HOST_FILE\n", argv[i]);
            return 2;
        }
        *eq = 0;
        const char *name = argv[i], *host = eq + 1;
        FILE *in = fopen(host, "rb");
        if (!in) {
            perror(host);
            return 1;
        }
        fseek(in, 0, SEEK_END);
        long size = ftell(in);
        fseek(in, 0, SEEK_SET);
        char *data = malloc(size ? size : 1);
        if (!data || fread(data, 1, size, in) != (size_t)size) {
            fprintf(stderr, "mkinitrd: cannot read %s\n", host);
            return 1;
        }
        fclose(in);
        add_dirs(out, name);
        header(out, name, 0100755, (unsigned)size);
        fwrite(data, 1, size, out);
        pad4(out, (unsigned)size);
        free(data);
    }
    header(out, "TRAILER!!!", 0, 0);
    if (fclose(out) != 0) {
        perror(argv[1]);
        return 1;
    }
    return 0;
}
