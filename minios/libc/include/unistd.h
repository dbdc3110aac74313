// POSIX calls of miniOS's libc: thin wrappers around int 0x80.
#ifndef _UNISTD_H
#define _UNISTD_H
#include <sys/types.h>

#define STDIN_FILENO 0
#define STDOUT_FILENO 1
#define STDERR_FILENO 2

ssize_t read(int fd, void *buf, size_t n);
ssize_t write(int fd, const void *buf, size_t n);
int close(int fd);
pid_t fork(void);
int execve(const char *path, char *const argv[], char *const envp[]);
int execv(const char *path, char *const argv[]);
void _exit(int status) __attribute__((noreturn));
pid_t getpid(void);
pid_t getppid(void);
uid_t getuid(void);
int pipe(int fds[2]);
int dup(int fd);
int dup2(int oldfd, int newfd);
int brk(void *addr);
void *sbrk(intptr_t increment);
int chdir(const char *path);
char *getcwd(char *buf, size_t size);
int unlink(const char *path);
unsigned int sleep(unsigned int seconds);
int usleep(unsigned int usec);
int sethostname(const char *name, size_t len);
int gethostname(char *name, size_t len);
int isatty(int fd);
int getdents64(int fd, void *buf, size_t n);
int sched_yield(void);
long syscall(long nr, ...);

extern char **environ;
#endif
