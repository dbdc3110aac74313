// File system calls: descriptors, open/read/write/close, dup and dup2,
// pipe, getdents64, directories. Arguments are checked here; the work is
// in file.c, pipe.c, ramfs.c and procfs.c.
// Lessons: "system calls", "files and pipes".
#include "defs.h"
#include "fs.h"
#include "proc.h"
#include "linux_abi.h"
#include "linux_errno.h"

static struct file *fd_file(uint32_t fd) {
    return fd < NOFILE ? current->ofile[fd] : 0;
}

int sys_read(const uint32_t *arg) {
    struct file *f = fd_file(arg[0]);
    if (!f)
        return -EBADF;
    if ((int)arg[2] < 0)
        return -EINVAL;
    return file_read(f, arg[1], (int)arg[2]);
}

int sys_write(const uint32_t *arg) {
    struct file *f = fd_file(arg[0]);
    if (!f)
        return -EBADF;
    if ((int)arg[2] < 0)
        return -EINVAL;
    return file_write(f, arg[1], (int)arg[2]);
}

static int is_proc_path(const char *path) {
    return !strncmp(path, "/proc", 5) && (path[5] == 0 || path[5] == '/');
}

// open(path, flags, mode)
int sys_open(const uint32_t *arg) {
    char path[MAXPATH];
    int r = copyin_str(current->pgdir, path, arg[0], sizeof(path));
    if (r < 0)
        return r;
    uint32_t flags = arg[1];
    int acc = flags & O_ACCMODE;
    struct file *f = file_alloc();
    if (!f)
        return -ENFILE;
    if (is_proc_path(path)) {
        if (acc != O_RDONLY) {
            file_close(f);
            return -EROFS;
        }
        if ((r = procfs_open(path, f)) < 0 ||
            ((flags & O_DIRECTORY) && !f->snapdir && (r = -ENOTDIR))) {
            file_close(f);
            return r;
        }
        if ((r = fd_alloc(f)) < 0)
            file_close(f);
        return r;
    }

    struct inode *ip = namei(path);
    if (!ip && (flags & O_CREAT)) {
        char name[NAME_MAX + 1];
        struct inode *dir = nameiparent(path, name);
        if (!dir || dir->type != T_DIR)
            r = -ENOENT;
        else if (!(ip = ramfs_create(dir, name, T_FILE)))
            r = -ENOSPC;
    } else if (!ip) {
        r = -ENOENT;
    } else if ((flags & O_CREAT) && (flags & O_EXCL)) {
        r = -EEXIST;
    } else if ((flags & O_DIRECTORY) && ip->type != T_DIR) {
        r = -ENOTDIR;
    } else if (ip->type == T_DIR && acc != O_RDONLY) {
        r = -EISDIR;
    }
    if (r < 0) {
        file_close(f);
        return r;
    }
    if ((flags & O_TRUNC) && ip->type == T_FILE && acc != O_RDONLY)
        ramfs_truncate(ip);
    f->type = FD_INODE;
    f->ip = ip;
    f->readable = acc != O_WRONLY;
    f->writable = acc != O_RDONLY;
    f->append = (flags & O_APPEND) != 0;
    if ((r = fd_alloc(f)) < 0)
        file_close(f);
    return r;
}

int sys_close(const uint32_t *arg) {
    struct file *f = fd_file(arg[0]);
    if (!f)
        return -EBADF;
    current->ofile[arg[0]] = 0;
    file_close(f);
    return 0;
}

int sys_dup(const uint32_t *arg) {
    struct file *f = fd_file(arg[0]);
    if (!f)
        return -EBADF;
    int fd = fd_alloc(f);
    if (fd >= 0)
        file_dup(f);
    return fd;
}

// dup2(oldfd, newfd): make newfd refer to oldfd's file, closing newfd first.
int sys_dup2(const uint32_t *arg) {
    struct file *f = fd_file(arg[0]);
    uint32_t newfd = arg[1];
    if (!f || newfd >= NOFILE)
        return -EBADF;
    if (newfd == arg[0])
        return (int)newfd;
    if (current->ofile[newfd])
        file_close(current->ofile[newfd]);
    current->ofile[newfd] = file_dup(f);
    return (int)newfd;
}

int sys_pipe(const uint32_t *arg) {
    struct file *rf, *wf;
    int r = pipe_alloc(&rf, &wf);
    if (r < 0)
        return r;
    int fds[2] = {fd_alloc(rf), -1};
    if (fds[0] >= 0)
        fds[1] = fd_alloc(wf);
    if (fds[1] < 0 || copyout(current->pgdir, arg[0], fds, sizeof(fds)) < 0) {
        if (fds[0] >= 0)
            current->ofile[fds[0]] = 0;
        if (fds[1] >= 0)
            current->ofile[fds[1]] = 0;
        file_close(rf);
        file_close(wf);
        return fds[1] < 0 ? -EMFILE : -EFAULT;
    }
    return 0;
}

// ioctl: only TCGETS, which isatty() uses: the console is a terminal.
int sys_ioctl(const uint32_t *arg) {
    struct file *f = fd_file(arg[0]);
    if (!f)
        return -EBADF;
    if (arg[1] != TCGETS || f->type != FD_INODE || f->ip->type != T_DEV ||
        f->ip->major != DEV_CONSOLE)
        return -ENOTTY;
    char termios[60];
    memset(termios, 0, sizeof(termios));
    return copyout(current->pgdir, arg[2], termios, sizeof(termios));
}

// Append one linux_dirent64 record to the user buffer at *va; return 0,
// or 1 if it does not fit.
static int put_dirent(uint32_t *va, uint32_t *left, uint64_t ino, uint32_t index, int type,
                      const char *name, int namelen) {
    char rec[8 + 8 + 2 + 1 + NAME_MAX + 1 + 8];
    uint32_t reclen = (19 + namelen + 1 + 7) & ~7u;
    if (reclen > *left)
        return 1;
    struct linux_dirent64 *d = (struct linux_dirent64 *)rec;
    memset(rec, 0, sizeof(rec));
    d->d_ino = ino;
    d->d_off = index + 1;
    d->d_reclen = (uint16_t)reclen;
    d->d_type = (uint8_t)type;
    memcpy(d->d_name, name, namelen);
    if (copyout(current->pgdir, *va, rec, reclen) < 0)
        return -1;
    *va += reclen;
    *left -= reclen;
    return 0;
}

// getdents64(fd, buf, count): the directory entries from the file offset
// on ("." and ".." first). f->off counts entries, not bytes.
int sys_getdents64(const uint32_t *arg) {
    struct file *f = fd_file(arg[0]);
    if (!f)
        return -EBADF;
    uint32_t va = arg[1], left = arg[2];
    int r = 0;
    if (f->type == FD_SNAP && f->snapdir) {
        // Snapshot lines are "<d|f><name>\n".
        uint32_t index = 0;
        for (char *s = f->snap; s < f->snap + f->snaplen; index++) {
            char *nl = s;
            while (nl < f->snap + f->snaplen && *nl != '\n')
                nl++;
            if (index >= f->off) {
                r = put_dirent(&va, &left, 1000 + index, index, s[0] == 'd' ? DT_DIR : DT_REG,
                               s + 1, nl - s - 1);
                if (r)
                    break;
                f->off++;
            }
            s = nl + 1;
        }
    } else if (f->type == FD_INODE && f->ip->type == T_DIR) {
        struct inode *dir = f->ip;
        uint32_t index = 0;
        struct inode *child = dir->children;
        for (;; index++) {
            struct inode *ip;
            const char *name;
            if (index == 0)
                ip = dir, name = ".";
            else if (index == 1)
                ip = dir->parent, name = "..";
            else if (child)
                ip = child, name = child->name, child = child->next;
            else
                break;
            if (index < f->off)
                continue;
            int type = ip->type == T_DIR ? DT_DIR : ip->type == T_DEV ? DT_CHR : DT_REG;
            r = put_dirent(&va, &left, ip->ino, index, type, name, strlen(name));
            if (r)
                break;
            f->off++;
        }
    } else {
        return -ENOTDIR;
    }
    if (r < 0)
        return -EFAULT;
    if (va == arg[1] && r == 1)
        return -EINVAL;   // buffer too small for even one entry
    return (int)(va - arg[1]);
}

int sys_chdir(const uint32_t *arg) {
    char path[MAXPATH];
    int r = copyin_str(current->pgdir, path, arg[0], sizeof(path));
    if (r < 0)
        return r;
    struct inode *ip = namei(path);
    if (!ip)
        return -ENOENT;
    if (ip->type != T_DIR)
        return -ENOTDIR;
    current->cwd = ip;
    return 0;
}

int sys_getcwd(const uint32_t *arg) {
    char path[MAXPATH];
    int len = ramfs_path(current->cwd, path, sizeof(path));
    if (len < 0)
        return len;
    if ((uint32_t)len + 1 > arg[1])
        return -ERANGE;
    if (copyout(current->pgdir, arg[0], path, len + 1) < 0)
        return -EFAULT;
    return len + 1;
}

int sys_mkdir(const uint32_t *arg) {
    char path[MAXPATH], name[NAME_MAX + 1];
    int r = copyin_str(current->pgdir, path, arg[0], sizeof(path));
    if (r < 0)
        return r;
    if (namei(path))
        return -EEXIST;
    struct inode *dir = nameiparent(path, name);
    if (!dir)
        return -ENOENT;
    if (dir->type != T_DIR)
        return -ENOTDIR;
    return ramfs_create(dir, name, T_DIR) ? 0 : -ENOSPC;
}

int sys_unlink(const uint32_t *arg) {
    char path[MAXPATH];
    int r = copyin_str(current->pgdir, path, arg[0], sizeof(path));
    if (r < 0)
        return r;
    struct inode *ip = namei(path);
    if (!ip)
        return -ENOENT;
    if (ip->type == T_DIR)
        return -EISDIR;
    return ramfs_unlink(ip);
}
