// open(2) and its flags.
#ifndef _FCNTL_H
#define _FCNTL_H
#include <sys/types.h>
#include "linux_abi.h"
int open(const char *path, int flags, ...);
#endif
