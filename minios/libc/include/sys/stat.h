#ifndef _SYS_STAT_H
#define _SYS_STAT_H
#include <sys/types.h>
int mkdir(const char *path, mode_t mode);
#endif
