// procfs (proc(5)): the kernel's process table as files, computed for the
// process that looks. Each process sees the PIDs of its own PID namespace:
// `ps` in a container lists only that container's processes, numbered
// from 1. Files: /proc/<pid>/{cgroup,stat,status,cmdline,comm,exe,mounts,
// mountinfo,net/dev,uid_map,gid_map,timens_offsets,ns/*}, /proc/self,
// /proc/mounts, /proc/net, /proc/meminfo, /proc/uptime. The namespace
// files are generated from containers/ns/ (nsproxy.h).
// Lesson: "what ps sees".
#pragma once
#include "containers/vfs/vfs.h"

namespace isolab::containers {
class Kernel;
}

namespace isolab::containers::vfs {

// The /proc directory of kernel `k` (one for every mount: what it shows
// depends on who reads).
InodePtr make_procfs(Kernel& k);

}  // namespace isolab::containers::vfs
