// forktest: check fork, exec, wait and copy-on-write from user space and
// print one line per check, "ok" or "FAIL".
//   1. fork + wait: the child's exit status reaches the parent.
//   2. copy-on-write: a child writes a global and a heap page; the parent
//      still sees its own values.
//   3. exec: a child runs /bin/echo; wait reports its status.
//   4. many children: 20 forks, all reaped.
//   5. an unknown system call fails with ENOSYS.
// Lesson: "fork and copy-on-write".
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int global = 1;
static int failures;

static void check(int ok, const char *what) {
    printf("forktest: %s %s\n", what, ok ? "ok" : "FAIL");
    if (!ok)
        failures++;
}

int main(void) {
    int status;
    pid_t pid = fork();
    if (pid == 0)
        _exit(42);
    check(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
              WEXITSTATUS(status) == 42, "fork-wait-status");

    char *heap = malloc(8192);
    strcpy(heap, "parent");
    pid = fork();
    if (pid == 0) {
        global = 2;
        strcpy(heap, "child");
        _exit(global == 2 && !strcmp(heap, "child") ? 0 : 1);
    }
    waitpid(pid, &status, 0);
    check(WIFEXITED(status) && WEXITSTATUS(status) == 0, "cow-child-sees-own-write");
    check(global == 1 && !strcmp(heap, "parent"), "cow-parent-unchanged");

    pid = fork();
    if (pid == 0) {
        char *argv[] = {"echo", "forktest: exec-echo", 0};
        execv("/bin/echo", argv);
        _exit(127);
    }
    check(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "exec-wait");

    int reaped = 0;
    for (int i = 0; i < 20; i++) {
        pid = fork();
        if (pid == 0)
            _exit(i);
    }
    while (wait(&status) > 0)
        reaped++;
    check(reaped == 20, "twenty-children");
    check(wait(&status) < 0, "no-children-left");
    check(syscall(9999) == -1 && errno == ENOSYS, "enosys");
    printf("forktest: %s\n", failures ? "FAILED" : "passed");
    return failures ? 1 : 0;
}
