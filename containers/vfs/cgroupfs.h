// cgroupfs (cgroup2, mounted at /sys/fs/cgroup): each cgroup a directory,
// its interface files computed from the kernel's cgroup state when opened
// and parsed when written; mkdir makes a cgroup, rmdir removes one.
// The files and their rules are in cgroup/ (cgroup.h).
// Lesson: "cgroups: limits a container cannot escape".
#pragma once
#include "containers/vfs/vfs.h"

namespace isolab::containers {
class Kernel;
}

namespace isolab::containers::vfs {

// The root cgroup's directory of kernel `k`.
InodePtr make_cgroupfs(Kernel& k);

}  // namespace isolab::containers::vfs
