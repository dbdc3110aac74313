// errno and the Linux error numbers. Lesson: "system calls".
#ifndef _ERRNO_H
#define _ERRNO_H
#include "linux_errno.h"
extern int errno;
#endif
