#ifndef _SYS_UTSNAME_H
#define _SYS_UTSNAME_H
#include "linux_abi.h"
int uname(struct utsname *buf);
#endif
