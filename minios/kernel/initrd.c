// Unpack the initrd (a "newc" cpio archive, the format Linux initramfs
// uses; see Documentation/driver-api/early-userspace/buffer-format.rst)
// into the in-memory filesystem. Each entry is a 110-byte ASCII header,
// the path name, then the data, each padded to 4 bytes; "TRAILER!!!" ends
// the archive. File data is not copied: the inode points into the initrd,
// which stays reserved. Lesson: "booting".
#include "defs.h"
#include "fs.h"

#define S_IFMT 0170000
#define S_IFDIR 0040000
#define S_IFREG 0100000

static uint32_t hex8(const char *s) {
    uint32_t v = 0;
    for (int i = 0; i < 8; i++) {
        char c = s[i];
        v = v * 16 + (c >= 'a' ? c - 'a' + 10 : c >= 'A' ? c - 'A' + 10 : c - '0');
    }
    return v;
}

// Create every directory along path (mkdir -p) and return the last one's
// parent, with the final component in name.
static struct inode *make_parents(const char *path, char *name) {
    struct inode *dir = ramfs_root();
    while (*path == '/' || (path[0] == '.' && path[1] == '/'))
        path += (*path == '/') ? 1 : 2;
    for (;;) {
        int len = 0;
        while (path[len] && path[len] != '/')
            len++;
        if (len > NAME_MAX)
            return 0;
        memcpy(name, path, len);
        name[len] = 0;
        if (!path[len])
            return dir;
        struct inode *next = ramfs_lookup(dir, name);
        if (!next && !(next = ramfs_create(dir, name, T_DIR)))
            return 0;
        dir = next;
        path += len + 1;
    }
}

// Return the number of files unpacked, or -1 if the archive is malformed.
int initrd_unpack(const char *data, uint32_t size) {
    uint32_t off = 0;
    int files = 0;
    while (off + 110 <= size) {
        const char *h = data + off;
        if (memcmp(h, "070701", 6) && memcmp(h, "070702", 6))
            return -1;
        uint32_t mode = hex8(h + 14), filesize = hex8(h + 54), namesize = hex8(h + 94);
        const char *path = h + 110;
        uint32_t data_off = (off + 110 + namesize + 3) & ~3u;
        if (data_off + filesize > size)
            return -1;
        if (!strcmp(path, "TRAILER!!!"))
            break;
        char name[NAME_MAX + 1];
        struct inode *dir = make_parents(path, name);
        if (dir && name[0] && strcmp(name, ".")) {
            struct inode *ip = ramfs_lookup(dir, name);
            if ((mode & S_IFMT) == S_IFDIR) {
                if (!ip)
                    ramfs_create(dir, name, T_DIR);
            } else if ((mode & S_IFMT) == S_IFREG && !ip &&
                       (ip = ramfs_create(dir, name, T_FILE))) {
                ip->data = (char *)data + data_off;
                ip->size = filesize;
                ip->cap = 0;
                files++;
            }
        }
        off = (data_off + filesize + 3) & ~3u;
    }
    return files;
}
