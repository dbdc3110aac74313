// Containers on the simulated host kernel: what `docker run` does, in
// small. A container is a process started in new PID and UTS namespaces
// (it is PID 1 there, and has its own host name) over its own file tree
// from an image; everything it forks stays inside. Its exit status is its
// init's. The next session adds the mnt, net, ipc, user and cgroup sides,
// cgroup limits, and the other runtime verbs.
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
};

struct Container {
  std::string name;
  std::string hostname;
  int init_host_pid = 0;
  bool exited = false;
  int exit_code = 0;   // the init's exit code, or 128 + signal as docker reports it
  int wait_status = 0;  // the init's status in wait(2)'s encoding
};

// Start a container of `image` on `k`. Errors name the command: ENOENT
// ("echox: not found in the image"), ENOEXEC with the loader's message.
ErrorOr<Container> start_container(Kernel& k, const Image& image, const ContainerSpec& spec);

// Run the kernel until container `c`'s init exits (or `max_insns` run);
// fills c.exited, c.exit_code and c.wait_status and reaps the init.
RunResult wait_container(Kernel& k, Container& c, uint64_t max_insns = UINT64_MAX);

}  // namespace isolab::containers
