#ifndef _SIGNAL_H
#define _SIGNAL_H
#include <sys/types.h>
#include "linux_abi.h"
int kill(pid_t pid, int sig);
const char *strsignal(int sig);
#endif
