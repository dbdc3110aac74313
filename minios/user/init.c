// init, process 1: prints the message of the day, starts the shell and
// restarts it if it exits, and collects orphaned zombies (the kernel makes
// init their parent). Lesson: "processes".
#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void print_motd(void) {
    int fd = open("/etc/motd", O_RDONLY);
    if (fd < 0)
        return;
    char buf[512];
    int n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        write(1, buf, n);
    close(fd);
}

int main(void) {
    print_motd();
    for (;;) {
        pid_t sh = fork();
        if (sh < 0) {
            printf("init: fork failed, retrying\n");
            sleep(1);
            continue;
        }
        if (sh == 0) {
            char *argv[] = {"sh", 0};
            execv("/bin/sh", argv);
            printf("init: cannot run /bin/sh\n");
            _exit(127);
        }
        int status;
        pid_t pid;
        while ((pid = wait(&status)) != sh)
            ;                          // an orphan: reaped, nothing else to do
        printf("init: shell exited, starting a new one\n");
    }
}
