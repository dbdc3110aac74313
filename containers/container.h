// Containers on the simulated host kernel: what `docker run` does, in
// small. A container is a process started in new PID and UTS namespaces
// (it is PID 1 there, and has its own host name) over its own file tree
// from an image; everything it forks stays inside. Its exit status is its
// init's. Each container runs in a cgroup of its own, /sys/fs/cgroup/<name>,
// with the limits of `docker run --memory --pids-limit` written to its
// memory.max and pids.max. Its namespaces are runc's defaults: pid, mnt,
// uts, ipc, net and cgroup, plus user and time when asked (ns/nsproxy.h).
// Lesson: "a container is a process".
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "containers/errors.h"
#include "containers/image.h"
#include "containers/kernel.h"

namespace isolab::containers {

struct ContainerSpec {
  std::string name;      // defaults to the image's name
  std::string hostname;  // defaults to the name
  std::vector<std::string> cmd;  // argv; cmd[0] without '/' is searched in PATH
  std::vector<std::string> env;  // added to PATH, HOME, HOSTNAME
  std::shared_ptr<vfs::HostStreams> streams;
  uint64_t memory_max = 0;  // bytes for memory.max (--memory); 0: no limit
  int64_t pids_max = -1;    // pids.max (--pids-limit); -1: no limit
  bool user_ns = false;  // a user namespace: root inside is uid 100000 on the host (--userns)
  bool time_ns = false;  // a time namespace of its own
};

struct Container {
  std::string name;
  std::string hostname;
  int init_host_pid = 0;
  Cgroup* cgroup = nullptr;  // /sys/fs/cgroup/<name>; it stays after the container exits
  bool exited = false;
  int exit_code = 0;   // the init's exit code, or 128 + signal as docker reports it
  int wait_status = 0;  // the init's status in wait(2)'s encoding
};

// Start a container of `image` on `k`. Errors name the command: ENOENT
// ("echox: not found in the image"), ENOEXEC with the loader's message;
// EEXIST when a running container has the name. The cgroup of an exited
// container of the same name is replaced.
ErrorOr<Container> start_container(Kernel& k, const Image& image, const ContainerSpec& spec);

// Run the kernel until container `c`'s init exits (or `max_insns` run);
// fills c.exited, c.exit_code and c.wait_status and reaps the init.
RunResult wait_container(Kernel& k, Container& c, uint64_t max_insns = UINT64_MAX);

}  // namespace isolab::containers
