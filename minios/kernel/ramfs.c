// The in-memory filesystem: a tree of inodes whose file contents live in
// the kernel heap (files from the initrd point straight into the initrd
// until first written). Path lookup walks the tree from the root or the
// process's working directory, one component at a time.
// Lesson: "files": what a VM's own kernel keeps, and a container shares.
#include "defs.h"
#include "fs.h"
#include "proc.h"
#include "linux_errno.h"

static struct inode root;
static int next_ino = 2;

void ramfs_init(void) {
    root.type = T_DIR;
    root.ino = 1;
    root.parent = &root;
    strncpy_z(root.name, "/", sizeof(root.name));
}

struct inode *ramfs_root(void) {
    return &root;
}

struct inode *ramfs_lookup(struct inode *dir, const char *name) {
    if (!strcmp(name, "") || !strcmp(name, "."))
        return dir;
    if (!strcmp(name, ".."))
        return dir->parent;
    for (struct inode *ip = dir->children; ip; ip = ip->next)
        if (!strcmp(ip->name, name))
            return ip;
    return 0;
}

// Add an entry called name to dir; return it, or 0 if out of memory.
// Entries are kept sorted by name so ls needs no sort.
struct inode *ramfs_create(struct inode *dir, const char *name, int type) {
    struct inode *ip = kmalloc(sizeof(*ip));
    if (!ip)
        return 0;
    memset(ip, 0, sizeof(*ip));
    ip->type = type;
    ip->ino = next_ino++;
    ip->parent = dir;
    strncpy_z(ip->name, name, sizeof(ip->name));
    struct inode **pp = &dir->children;
    while (*pp && strcmp((*pp)->name, name) < 0)
        pp = &(*pp)->next;
    ip->next = *pp;
    *pp = ip;
    return ip;
}

// Copy the next path component of *path into name and advance *path.
// Return 0 when there are no components left, -ENAMETOOLONG if too long.
static int next_component(const char **path, char *name) {
    const char *s = *path;
    while (*s == '/')
        s++;
    if (!*s)
        return 0;
    int len = 0;
    while (s[len] && s[len] != '/')
        len++;
    if (len > NAME_MAX)
        return -ENAMETOOLONG;
    memcpy(name, s, len);
    name[len] = 0;
    *path = s + len;
    return 1;
}

// Walk path. With parent set, stop one level early and copy the last
// component into name.
static struct inode *walk(const char *path, int parent, char *name) {
    struct inode *ip = (*path == '/' || !current || !current->cwd) ? &root : current->cwd;
    char comp[NAME_MAX + 1];
    int r;
    while ((r = next_component(&path, comp)) > 0) {
        if (ip->type != T_DIR)
            return 0;
        const char *rest = path;
        while (*rest == '/')
            rest++;
        if (parent && !*rest) {
            memcpy(name, comp, NAME_MAX + 1);
            return ip;
        }
        if (!(ip = ramfs_lookup(ip, comp)))
            return 0;
    }
    if (r < 0 || parent)
        return 0;
    return ip;
}

struct inode *namei(const char *path) {
    return walk(path, 0, 0);
}

// The directory that would hold path, with the final name in name
// (NAME_MAX + 1 bytes); 0 if it does not exist.
struct inode *nameiparent(const char *path, char *name) {
    return walk(path, 1, name);
}

// Read up to n bytes at off into kernel dst; return the count.
int ramfs_read(struct inode *ip, char *dst, uint32_t off, uint32_t n) {
    if (off >= ip->size)
        return 0;
    if (n > ip->size - off)
        n = ip->size - off;
    memcpy(dst, ip->data + off, n);
    return (int)n;
}

// Write n bytes from kernel src at off, growing the file; return the
// count or -ENOSPC when the kernel heap is full.
int ramfs_write(struct inode *ip, const char *src, uint32_t off, uint32_t n) {
    uint32_t end = off + n;
    if (end < off)
        return -EFBIG;
    if (end > ip->cap) {
        uint32_t cap = ip->cap ? ip->cap : 256;
        while (cap < end)
            cap *= 2;
        char *data = kmalloc(cap);
        if (!data)
            return -ENOSPC;
        memcpy(data, ip->data, ip->size);
        if (ip->cap)
            kmfree(ip->data);        // cap 0: data belonged to the initrd
        ip->data = data;
        ip->cap = cap;
    }
    if (off > ip->size)
        memset(ip->data + ip->size, 0, off - ip->size);
    memcpy(ip->data + off, src, n);
    if (end > ip->size)
        ip->size = end;
    return (int)n;
}

int ramfs_truncate(struct inode *ip) {
    ip->size = 0;
    return 0;
}

// Remove ip from its directory. Its memory is kept: an open file may
// still refer to it (miniOS does not count inode references).
int ramfs_unlink(struct inode *ip) {
    if (ip == &root)
        return -EPERM;
    if (ip->type == T_DIR && ip->children)
        return -ENOTEMPTY;
    struct inode **pp = &ip->parent->children;
    while (*pp && *pp != ip)
        pp = &(*pp)->next;
    if (*pp)
        *pp = ip->next;
    return 0;
}

// Write the absolute path of ip into buf; return its length or -ERANGE.
int ramfs_path(struct inode *ip, char *buf, int size) {
    if (ip == &root) {
        if (size < 2)
            return -ERANGE;
        buf[0] = '/', buf[1] = 0;
        return 1;
    }
    int len = 0;
    buf[size - 1] = 0;
    int pos = size - 1;
    for (; ip != &root; ip = ip->parent) {
        int n = strlen(ip->name);
        if (pos - n - 1 < 0)
            return -ERANGE;
        pos -= n;
        memcpy(buf + pos, ip->name, n);
        buf[--pos] = '/';
    }
    len = size - 1 - pos;
    memmove(buf, buf + pos, len + 1);
    return len;
}
