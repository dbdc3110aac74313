#ifndef _TIME_H
#define _TIME_H
#include "linux_abi.h"
int nanosleep(const struct timespec *req, struct timespec *rem);
int clock_gettime(int clock, struct timespec *ts);
#endif
