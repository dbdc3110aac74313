// Open files: a system-wide table of struct file shared by descriptors
// (dup, fork), and the read/write paths that dispatch on what a file is:
// a ramfs inode, a device (console, null), a pipe end or a /proc snapshot.
// User buffers are reached through copyin/copyout, never directly.
// Lesson: "files and pipes".
#include "defs.h"
#include "fs.h"
#include "proc.h"
#include "linux_errno.h"

static struct file file_table[NFILE];

struct file *file_alloc(void) {
    for (struct file *f = file_table; f < &file_table[NFILE]; f++) {
        if (f->ref == 0) {
            memset(f, 0, sizeof(*f));
            f->ref = 1;
            return f;
        }
    }
    return 0;
}

struct file *file_dup(struct file *f) {
    f->ref++;
    return f;
}

void file_close(struct file *f) {
    if (--f->ref > 0)
        return;
    if (f->type == FD_PIPE)
        pipe_close(f->pipe, f->writable);
    else if (f->type == FD_SNAP)
        kmfree(f->snap);
    f->type = FD_NONE;
}

// Install f in the lowest free descriptor of the current process.
int fd_alloc(struct file *f) {
    for (int fd = 0; fd < NOFILE; fd++) {
        if (!current->ofile[fd]) {
            current->ofile[fd] = f;
            return fd;
        }
    }
    return -EMFILE;
}

#define CHUNK 512

int file_read(struct file *f, uint32_t dst_va, int n) {
    if (!f->readable)
        return -EBADF;
    if (f->type == FD_PIPE)
        return pipe_read(f->pipe, dst_va, n);
    char buf[CHUNK];
    int got;
    if (f->type == FD_SNAP) {
        if (f->snapdir)
            return -EISDIR;
        got = f->off < f->snaplen ? (int)(f->snaplen - f->off) : 0;
        if (got > n)
            got = n;
        if (copyout(current->pgdir, dst_va, f->snap + f->off, got) < 0)
            return -EFAULT;
        f->off += got;
        return got;
    }
    struct inode *ip = f->ip;
    if (ip->type == T_DIR)
        return -EISDIR;
    if (ip->type == T_DEV) {
        if (ip->major == DEV_NULL)
            return 0;
        got = console_read(buf, n < CHUNK ? n : CHUNK);
        if (got > 0 && copyout(current->pgdir, dst_va, buf, got) < 0)
            return -EFAULT;
        return got;
    }
    if (f->off >= ip->size)
        return 0;
    if ((uint32_t)n > ip->size - f->off)
        n = ip->size - f->off;
    if (copyout(current->pgdir, dst_va, ip->data + f->off, n) < 0)
        return -EFAULT;
    f->off += n;
    return n;
}

int file_write(struct file *f, uint32_t src_va, int n) {
    if (!f->writable)
        return -EBADF;
    if (f->type == FD_PIPE)
        return pipe_write(f->pipe, src_va, n);
    if (f->type != FD_INODE)
        return -EBADF;
    struct inode *ip = f->ip;
    char buf[CHUNK];
    int done = 0;
    while (done < n) {
        int chunk = n - done < CHUNK ? n - done : CHUNK;
        if (copyin(current->pgdir, buf, src_va + done, chunk) < 0)
            return done ? done : -EFAULT;
        if (ip->type == T_DEV) {
            if (ip->major == DEV_CONSOLE)
                console_write(buf, chunk);
        } else {
            if (f->append)
                f->off = ip->size;
            int r = ramfs_write(ip, buf, f->off, chunk);
            if (r < 0)
                return done ? done : r;
            f->off += r;
        }
        done += chunk;
    }
    return done;
}
