// System call wrappers. Each turns a negative kernel result into -1 with
// errno set, as POSIX functions do. Lesson: "system calls".
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <minios.h>
#include <string.h>
#include "linux_syscall.h"

int errno;
char **environ;

long __syscall6(long nr, long a1, long a2, long a3, long a4, long a5, long a6);

static long ret(long r) {
    if (r < 0 && r > -4096) {
        errno = (int)-r;
        return -1;
    }
    return r;
}

#define SC0(nr) ret(__syscall6(nr, 0, 0, 0, 0, 0, 0))
#define SC1(nr, a) ret(__syscall6(nr, (long)(a), 0, 0, 0, 0, 0))
#define SC2(nr, a, b) ret(__syscall6(nr, (long)(a), (long)(b), 0, 0, 0, 0))
#define SC3(nr, a, b, c) ret(__syscall6(nr, (long)(a), (long)(b), (long)(c), 0, 0, 0))
#define SC4(nr, a, b, c, d) ret(__syscall6(nr, (long)(a), (long)(b), (long)(c), (long)(d), 0, 0))

long syscall(long nr, ...) {
    va_list ap;
    va_start(ap, nr);
    long a[6];
    for (int i = 0; i < 6; i++)
        a[i] = va_arg(ap, long);
    va_end(ap);
    return ret(__syscall6(nr, a[0], a[1], a[2], a[3], a[4], a[5]));
}

ssize_t read(int fd, void *buf, size_t n) { return SC3(SYS_read, fd, buf, n); }
ssize_t write(int fd, const void *buf, size_t n) { return SC3(SYS_write, fd, buf, n); }
int close(int fd) { return SC1(SYS_close, fd); }
pid_t fork(void) { return SC0(SYS_fork); }
int execve(const char *path, char *const argv[], char *const envp[]) {
    return SC3(SYS_execve, path, argv, envp);
}
int execv(const char *path, char *const argv[]) { return execve(path, argv, environ); }
void _exit(int status) {
    for (;;)
        __syscall6(SYS_exit_group, status, 0, 0, 0, 0, 0);
}
pid_t getpid(void) { return SC0(SYS_getpid); }
pid_t getppid(void) { return SC0(SYS_getppid); }
uid_t getuid(void) { return SC0(SYS_getuid32); }
int pipe(int fds[2]) { return SC1(SYS_pipe, fds); }
int dup(int fd) { return SC1(SYS_dup, fd); }
int dup2(int oldfd, int newfd) { return SC2(SYS_dup2, oldfd, newfd); }
int chdir(const char *path) { return SC1(SYS_chdir, path); }
char *getcwd(char *buf, size_t size) { return SC2(SYS_getcwd, buf, size) < 0 ? 0 : buf; }
int unlink(const char *path) { return SC1(SYS_unlink, path); }
int mkdir(const char *path, mode_t mode) { return SC2(SYS_mkdir, path, mode); }
int sethostname(const char *name, size_t len) { return SC2(SYS_sethostname, name, len); }
int getdents64(int fd, void *buf, size_t n) { return SC3(SYS_getdents64, fd, buf, n); }
int sched_yield(void) { return SC0(SYS_sched_yield); }
int kill(pid_t pid, int sig) { return SC2(SYS_kill, pid, sig); }
int uname(struct utsname *buf) { return SC1(SYS_uname, buf); }
int nanosleep(const struct timespec *req, struct timespec *rem) {
    return SC2(SYS_nanosleep, req, rem);
}
int clock_gettime(int clock, struct timespec *ts) { return SC2(SYS_clock_gettime, clock, ts); }
pid_t waitpid(pid_t pid, int *status, int options) {
    return SC4(SYS_wait4, pid, status, options, 0);
}
pid_t wait(int *status) { return waitpid(-1, status, 0); }
int reboot(int howto) {
    return SC3(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, howto);
}
int minios_kwrite(unsigned long kernel_addr, const void *buf, size_t len) {
    return SC3(SYS_minios_kwrite, kernel_addr, buf, len);
}

int open(const char *path, int flags, ...) {
    va_list ap;
    va_start(ap, flags);
    int mode = va_arg(ap, int);
    va_end(ap);
    return SC3(SYS_open, path, flags, mode);
}

// The program break, as the kernel last reported it.
static unsigned long cur_brk;

int brk(void *addr) {
    unsigned long r = (unsigned long)__syscall6(SYS_brk, (long)addr, 0, 0, 0, 0, 0);
    cur_brk = r;
    if (r < (unsigned long)addr) {
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

void *sbrk(intptr_t increment) {
    if (!cur_brk)
        cur_brk = (unsigned long)__syscall6(SYS_brk, 0, 0, 0, 0, 0, 0);
    unsigned long old = cur_brk;
    if (increment && brk((void *)(old + increment)) < 0)
        return (void *)-1;
    return (void *)old;
}

unsigned int sleep(unsigned int seconds) {
    struct timespec ts = {(int32_t)seconds, 0};
    return nanosleep(&ts, 0) < 0 ? seconds : 0;
}

int usleep(unsigned int usec) {
    struct timespec ts = {(int32_t)(usec / 1000000), (int32_t)(usec % 1000000) * 1000};
    return nanosleep(&ts, 0);
}

int gethostname(char *name, size_t len) {
    struct utsname u;
    if (uname(&u) < 0)
        return -1;
    if (strlen(u.nodename) + 1 > len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(name, u.nodename);
    return 0;
}

int isatty(int fd) {
    char termios[60];
    return SC3(SYS_ioctl, fd, TCGETS, termios) == 0;
}

int main(int argc, char **argv, char **envp);

void __libc_start(int argc, char **argv, char **envp) {
    environ = envp;
    exit(main(argc, argv, envp));
}

void exit(int status) {
    _exit(status);
}
