// Basic POSIX types for miniOS's small libc (i386: 32-bit everything).
#ifndef _SYS_TYPES_H
#define _SYS_TYPES_H
#include <stddef.h>
#include <stdint.h>
typedef int pid_t;
typedef int ssize_t;
typedef long off_t;
typedef unsigned int mode_t;
typedef unsigned int uid_t;
#endif
