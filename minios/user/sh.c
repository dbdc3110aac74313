// sh: the miniOS shell. Reads a line, splits it into jobs separated by ;
// and &, each job a pipeline of commands joined by |, each command with
// optional < and > (or >>) redirections. Commands run from /bin unless
// the name contains a /. Built-ins: cd, exit. The prompt is "$ ".
// A foreground job that dies of a signal is reported as bash does
// ("Segmentation fault", "Killed").
// Lessons: "processes" (fork, exec, wait) and "files and pipes".
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXLINE 512
#define MAXWORDS 32
#define MAXCMDS 8

struct cmd {
    char *argv[MAXWORDS + 1];
    char *in, *out;
    int append;
};

// Read one line from fd 0 into buf; return its length, or -1 at end of input.
static int read_line(char *buf, int size) {
    int n = 0;
    for (;;) {
        char c;
        int r = read(0, &c, 1);
        if (r <= 0)
            return n > 0 ? n : -1;
        if (c == '\n')
            break;
        if (n < size - 1)
            buf[n++] = c;
    }
    buf[n] = 0;
    return n;
}

// Split s into words, copied into a static buffer; the special
// characters | ; & < > and >> are words of their own.
static int tokenize(const char *s, char **words, int max) {
    static char buf[MAXLINE * 2];
    char *o = buf;
    int n = 0;
    while (*s && n < max) {
        if (*s == ' ' || *s == '\t') {
            s++;
            continue;
        }
        words[n++] = o;
        if (s[0] == '>' && s[1] == '>') {
            *o++ = *s++;
            *o++ = *s++;
        } else if (strchr("|;&<>", *s)) {
            *o++ = *s++;
        } else {
            while (*s && !strchr(" \t|;&<>", *s))
                *o++ = *s++;
        }
        *o++ = 0;
    }
    words[n] = 0;
    return n;
}

static void run_command(struct cmd *c) {
    if (c->in) {
        int fd = open(c->in, O_RDONLY);
        if (fd < 0) {
            dprintf(2, "sh: %s: %s\n", c->in, strerror(errno));
            _exit(1);
        }
        dup2(fd, 0);
        close(fd);
    }
    if (c->out) {
        int fd = open(c->out, O_WRONLY | O_CREAT | (c->append ? O_APPEND : O_TRUNC), 0644);
        if (fd < 0) {
            dprintf(2, "sh: %s: %s\n", c->out, strerror(errno));
            _exit(1);
        }
        dup2(fd, 1);
        close(fd);
    }
    char path[128];
    if (strchr(c->argv[0], '/'))
        snprintf(path, sizeof(path), "%s", c->argv[0]);
    else
        snprintf(path, sizeof(path), "/bin/%s", c->argv[0]);
    execv(path, c->argv);
    dprintf(2, "sh: %s: %s\n", c->argv[0], errno == ENOENT ? "command not found" : strerror(errno));
    _exit(127);
}

static void report(int status) {
    if (WIFSIGNALED(status) && WTERMSIG(status) != SIGINT)
        printf("%s\n", strsignal(WTERMSIG(status)));
}

// Run one pipeline of n commands; wait for it unless background.
static void run_pipeline(struct cmd *cmds, int n, int background) {
    pid_t pids[MAXCMDS];
    int prev_read = -1;
    for (int i = 0; i < n; i++) {
        int fds[2] = {-1, -1};
        if (i + 1 < n && pipe(fds) < 0) {
            perror("sh: pipe");
            break;
        }
        pids[i] = fork();
        if (pids[i] < 0) {
            dprintf(2, "sh: fork: %s\n", strerror(errno));
            n = i;
            if (fds[0] >= 0)
                close(fds[0]), close(fds[1]);
            break;
        }
        if (pids[i] == 0) {
            if (prev_read >= 0) {
                dup2(prev_read, 0);
                close(prev_read);
            }
            if (fds[1] >= 0) {
                dup2(fds[1], 1);
                close(fds[1]);
                close(fds[0]);
            }
            run_command(&cmds[i]);
        }
        if (prev_read >= 0)
            close(prev_read);
        if (fds[1] >= 0)
            close(fds[1]);
        prev_read = fds[0];
    }
    if (prev_read >= 0)
        close(prev_read);
    if (background) {
        if (n > 0)
            printf("[%d]\n", pids[n - 1]);
        return;
    }
    for (int i = 0; i < n; i++) {
        int status;
        if (waitpid(pids[i], &status, 0) == pids[i] && i == n - 1)
            report(status);
    }
}

static int builtin(char **argv) {
    if (!strcmp(argv[0], "cd")) {
        if (chdir(argv[1] ? argv[1] : "/") < 0)
            dprintf(2, "sh: cd: %s: %s\n", argv[1] ? argv[1] : "/", strerror(errno));
        return 1;
    }
    if (!strcmp(argv[0], "exit"))
        exit(argv[1] ? atoi(argv[1]) : 0);
    return 0;
}

// Parse words[0..n) into pipelines and run them in order.
static void run_line(char **words, int n) {
    struct cmd cmds[MAXCMDS];
    int ncmds = 0, nargs = 0;
    memset(cmds, 0, sizeof(cmds));
    for (int i = 0; i <= n; i++) {
        char *w = words[i];
        int end_job = !w || !strcmp(w, ";") || !strcmp(w, "&");
        if (end_job || !strcmp(w, "|")) {
            if (nargs == 0) {
                if (w && !end_job)
                    dprintf(2, "sh: syntax error near '|'\n");
                if (!end_job || ncmds > 0) {
                    memset(cmds, 0, sizeof(cmds));
                    ncmds = 0;
                }
                if (!end_job)
                    return;
                continue;
            }
            cmds[ncmds].argv[nargs] = 0;
            ncmds++;
            nargs = 0;
            if (end_job) {
                if (ncmds == 1 && builtin(cmds[0].argv))
                    ;
                else
                    run_pipeline(cmds, ncmds, w && !strcmp(w, "&"));
                memset(cmds, 0, sizeof(cmds));
                ncmds = 0;
            } else if (ncmds == MAXCMDS) {
                dprintf(2, "sh: pipeline too long\n");
                return;
            }
            continue;
        }
        if (!strcmp(w, "<") || !strcmp(w, ">") || !strcmp(w, ">>")) {
            char *file = words[i + 1];
            if (!file || strchr("|;&<>", file[0])) {
                dprintf(2, "sh: syntax error: %s needs a file name\n", w);
                return;
            }
            if (w[0] == '<')
                cmds[ncmds].in = file;
            else {
                cmds[ncmds].out = file;
                cmds[ncmds].append = w[1] == '>';
            }
            i++;
            continue;
        }
        if (nargs < MAXWORDS)
            cmds[ncmds].argv[nargs++] = w;
    }
}

int main(void) {
    char line[MAXLINE];
    char *words[MAXWORDS * 2 + 1];
    for (;;) {
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
            printf("[%d] done\n", pid);   // background jobs that finished
        write(1, "$ ", 2);
        if (read_line(line, sizeof(line)) < 0)
            break;
        char *hash = strchr(line, '#');
        if (hash)
            *hash = 0;
        int n = tokenize(line, words, MAXWORDS * 2);
        if (n > 0)
            run_line(words, n);
    }
    return 0;
}
