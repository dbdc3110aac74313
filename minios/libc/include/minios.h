// miniOS-only calls. kwrite is the deliberate kernel bug of the isolation
// lesson (system call 500, enabled by the boot option bug=1).
#ifndef _MINIOS_H
#define _MINIOS_H
#include <stddef.h>
int minios_kwrite(unsigned long kernel_addr, const void *buf, size_t len);
#endif
