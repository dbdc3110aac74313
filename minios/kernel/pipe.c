// Pipes: a 4 KiB ring buffer between a read end and a write end. A reader
// sleeps while the pipe is empty and a writer exists; a writer sleeps while
// it is full and a reader exists. Writing with no reader left raises
// SIGPIPE, as on Linux. This is how `ls | cat` in the shell works.
// Lesson: "files and pipes".
#include "defs.h"
#include "fs.h"
#include "proc.h"
#include "linux_abi.h"
#include "linux_errno.h"

struct pipe {
    char data[PIPESIZE];
    uint32_t nread, nwrite;   // total bytes read and written
    int readopen, writeopen;
};

int pipe_alloc(struct file **rf, struct file **wf) {
    struct pipe *p = kmalloc(sizeof(*p));
    *rf = file_alloc();
    *wf = *rf ? file_alloc() : 0;
    if (!p || !*rf || !*wf) {
        kmfree(p);
        if (*rf)
            file_close(*rf);
        return -ENFILE;
    }
    p->nread = p->nwrite = 0;
    p->readopen = p->writeopen = 1;
    (*rf)->type = (*wf)->type = FD_PIPE;
    (*rf)->pipe = (*wf)->pipe = p;
    (*rf)->readable = 1;
    (*wf)->writable = 1;
    return 0;
}

void pipe_close(struct pipe *p, int writable) {
    if (writable) {
        p->writeopen = 0;
        wakeup(&p->nread);
    } else {
        p->readopen = 0;
        wakeup(&p->nwrite);
    }
    if (!p->readopen && !p->writeopen)
        kmfree(p);
}

int pipe_write(struct pipe *p, uint32_t src_va, int n) {
    int done = 0;
    while (done < n) {
        if (!p->readopen) {
            current->killed = SIGPIPE;
            return -EPIPE;
        }
        if (current->killed)
            return done ? done : -EINTR;
        if (p->nwrite - p->nread == PIPESIZE) {
            wakeup(&p->nread);
            sleep_on(&p->nwrite);
            continue;
        }
        uint32_t at = p->nwrite % PIPESIZE;
        int chunk = PIPESIZE - at;                        // up to the wrap
        if (chunk > (int)(PIPESIZE - (p->nwrite - p->nread)))
            chunk = PIPESIZE - (p->nwrite - p->nread);
        if (chunk > n - done)
            chunk = n - done;
        if (copyin(current->pgdir, p->data + at, src_va + done, chunk) < 0)
            return done ? done : -EFAULT;
        p->nwrite += chunk;
        done += chunk;
    }
    wakeup(&p->nread);
    return done;
}

int pipe_read(struct pipe *p, uint32_t dst_va, int n) {
    while (p->nread == p->nwrite && p->writeopen) {
        if (current->killed)
            return -EINTR;
        sleep_on(&p->nread);
    }
    int done = 0;
    while (done < n && p->nread != p->nwrite) {
        uint32_t at = p->nread % PIPESIZE;
        int chunk = PIPESIZE - at;
        if (chunk > (int)(p->nwrite - p->nread))
            chunk = p->nwrite - p->nread;
        if (chunk > n - done)
            chunk = n - done;
        if (copyout(current->pgdir, dst_va + done, p->data + at, chunk) < 0)
            return done ? done : -EFAULT;
        p->nread += chunk;
        done += chunk;
    }
    wakeup(&p->nwrite);
    return done;
}
