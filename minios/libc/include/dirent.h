// Directory entries as getdents64(2) returns them.
#ifndef _DIRENT_H
#define _DIRENT_H
#include "linux_abi.h"
#endif
