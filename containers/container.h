// Containers on the simulated host kernel: what `docker run` does, in
// small. A container is a process started in new PID and UTS namespaces
// (it is PID 1 there, and has its own host name) over its own root file
// system, an overlay of its image's shared layers under an upper layer of
// its own (image.h); everything it forks stays inside. Its exit status is
// its init's. Each container runs in a cgroup of its own,
// /sys/fs/cgroup/<name>, with the limits of `docker run --memory
// --pids-limit --cpus --cpu-weight` written to its memory.max, pids.max,
// cpu.max and cpu.weight. Its namespaces are runc's defaults: pid, mnt,
// uts, ipc, net and cgroup, plus user and time when asked (ns/nsproxy.h).
// The Docker-like verbs over many containers are runtime.h's.
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
  double cpus = 0;          // --cpus: cpu.max "<cpus*100000> 100000"; 0: no limit
  uint32_t cpu_weight = 0;  // --cpu-weight: cpu.weight (1..10000); 0: the default
  // --network: bridge (a veth pair to docker0 and 172.17.0.N), none (lo
  // only) or host (the host's network namespace); net/docker.cpp.
  std::string network = "bridge";
  bool user_ns = false;  // a user namespace: root inside is uid 100000 on the host (--userns)
  bool time_ns = false;  // a time namespace of its own
};

struct Container {
  std::string name;
  std::string hostname;
  std::string image;  // the image's name
  RootFs rootfs;      // its overlay root: the image's layers and its upper layer
  int init_host_pid = 0;
  Cgroup* cgroup = nullptr;  // /sys/fs/cgroup/<name>; it stays after the container exits
  bool exited = false;
  int exit_code = 0;   // the init's exit code, or 128 + signal as docker reports it
  int wait_status = 0;  // the init's status in wait(2)'s encoding
};

// Start a container of `image` on `k`. Errors name the command: ENOENT
// ("echox: not found in the image"), ENOEXEC (the loader's message, see
// exec_failure); EEXIST when a running container has the name; the
// error of a cgroup file that cannot be written (ENOENT for cpu.weight
// when the kernel has no cpu controller). The cgroup of an exited
// container of the same name is replaced.
ErrorOr<Container> start_container(Kernel& k, const Image& image, const ContainerSpec& spec);

// The path of `cmd` in root file system `root`: `cmd` itself if it has a
// '/', else the first of /bin, /usr/bin, /sbin, /usr/sbin holding it;
// empty if none does.
std::string find_program(const vfs::InodePtr& root, const std::string& cmd);

// The error of a program that could not be started from `path` in
// `root`: for ENOEXEC (strerror: "exec format error") what the loader
// found, and for a 64-bit program that x86-64 code needs a 64-bit kernel.
Error exec_failure(const vfs::InodePtr& root, const std::string& path, const Error& e);

// Run the kernel until container `c`'s init exits (or `max_insns` run);
// fills c.exited, c.exit_code and c.wait_status and reaps the init.
RunResult wait_container(Kernel& k, Container& c, uint64_t max_insns = UINT64_MAX);

}  // namespace isolab::containers
