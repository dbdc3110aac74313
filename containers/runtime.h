// The container runtime: Docker's verbs over one simulated host kernel
// (DESIGN.md section 6; the reference is the `docker container` manual:
// run, exec, ps, stop, kill, rm, logs, stats, images, commit).
//
// The runtime keeps the images by name and the containers it started. A
// container's output is kept for `logs` (and passed on when attached); its
// processes run whenever the kernel runs. `stop` sends SIGTERM to the
// container's init and, if it is still running after the timeout (in
// simulated time), SIGKILL, as `docker stop` does: a shell as PID 1 with no
// SIGTERM handler shows why. `commit` turns a container's upper layer into
// a new read-only layer over its image's, giving a new image; the layers
// below are shared, stored once in the kernel's layer store.
//
// A program the kernel refuses to execute (a 64-bit ELF, a script without
// an interpreter) does not make `run` fail: as with Docker, the container
// is kept, "failed", with the errno in strerror's words and exit code 126;
// nothing of it runs. A command missing from the image is an error.
//
// The runtime lets time pass (stop's timeout, rm -f) by running the kernel
// alone, or, when the kernel is one part of a bigger host (the lab's VMs
// beside it), by the host's rounds (HostClock), so that everything on the
// host runs meanwhile.
// Lesson: "containers share one kernel", "containers share image layers".
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "containers/container.h"
#include "containers/errors.h"
#include "containers/image.h"
#include "containers/kernel.h"

namespace isolab::containers {

// Failed: the kernel refused to execute its program (see above).
enum class ContainerState : uint8_t { Running, Exited, Failed };
// "running", "exited" or "failed".
const char* state_name(ContainerState state);

struct RuntimeContainer {
  Container c;                 // name, image, init, cgroup, root file system
  ContainerSpec spec;          // as run was asked (flags recorded: network)
  std::vector<std::string> cmd;
  ContainerState state = ContainerState::Running;
  std::string error;           // Failed: "exec format error: ..." (strerror's words: what)
  std::string logs;            // what it wrote to stdout and stderr, in order
  std::string input;           // what its stdin still holds (RunOptions::input); then end of file
  std::shared_ptr<vfs::HostStreams> streams;
  uint64_t started_ns = 0;     // simulated time of run
  uint64_t started_insns = 0;  // the kernel CPU's retired instructions at run
  // Its start: instructions the kernel's CPU retired, and the simulated time
  // that passed, from run to the container's first byte of output (0 until
  // it writes). The CPU is shared by every container, so this counts
  // whatever else ran meanwhile too: start one container alone to measure
  // its start (lesson 9).
  uint64_t start_insns = 0, start_ns = 0;
  bool started_output = false;
  uint64_t stop_deadline_ns = 0;  // a stop's SIGKILL is due then; 0: no stop pending
  std::vector<int> exec_pids;  // host PIDs of exec'd processes, until reaped
  // CPU instructions run by its processes: the last count seen of each.
  std::map<int, uint64_t> insns_by_pid;
};

// What `docker stats` shows, per container.
struct ContainerStats {
  std::string name;
  uint64_t cpu_insns = 0;       // instructions its processes have run
  uint64_t memory_current = 0;  // memory.current, bytes
  uint64_t memory_max = 0;      // memory.max, bytes; 0: no limit
  int64_t pids_current = 0;     // pids.current
  uint64_t upper_bytes = 0;     // its own layer's bytes (docker ps --size)
  uint64_t copy_ups = 0;        // files and directories its overlay copied up
  uint64_t whiteouts = 0;       // whiteouts it made (deletions of image files)
};

// `docker images`: one image, with its layers.
struct ImageInfo {
  std::string name;
  std::vector<LayerPtr> layers;  // bottom first
  uint64_t bytes = 0;
};

// What `run` is told besides the container's spec.
struct RunOptions {
  bool attach = false;  // wait until the container exits (docker run without -d)
  uint64_t max_insns = UINT64_MAX;  // when attached: give up after this many instructions
  // When attached, each piece of output as it is written (stream 1 or 2).
  std::function<void(int stream, const std::string& text)> on_output;
  // The container's stdin: read(2) gets bytes from here, 0 at the end.
  std::function<long(char* buf, size_t len)> stdin_read;
  // Without stdin_read: its stdin holds this text, then end of file (empty:
  // end of file at once, as with `docker run -d`; `echo TEXT | docker run -i`).
  std::string input;
};

// A host the kernel is one part of (runtime.h's comment above): its clock
// and one round of everything on it. run_round returns false when nothing
// on the host could run.
struct HostClock {
  std::function<uint64_t()> now_ns;
  std::function<bool()> run_round;
};

class Runtime {
 public:
  explicit Runtime(Kernel& k) : k_(k) {}
  Kernel& kernel() { return k_; }
  // Let time pass by `clock`'s rounds from now on (stop, rm).
  void set_host_clock(HostClock clock) { host_ = std::move(clock); }
  // Where images that run does not know yet come from (docker run pulls
  // them): the image called `name`, or the error that run returns.
  std::function<ErrorOr<Image>(const std::string& name)> image_source;

  // --- images ---------------------------------------------------------------
  // Add (or replace) an image by its name; its layers go to the layer store.
  void add_image(Image image);
  const Image* find_image(const std::string& name) const;
  std::vector<ImageInfo> images() const;
  // docker commit CONTAINER NAME[:TAG]: the container's upper layer as a new
  // layer on top of its image's (an image of that name is replaced, as a
  // tag moves). ENOENT for an unknown container, EINVAL for a bad name.
  ErrorOr<const Image*> commit(const std::string& container, const std::string& image_name);

  // --- containers -----------------------------------------------------------
  // docker run [-d]: ENOENT for an unknown image (the message lists the
  // known ones, or is image_source's), EEXIST for a name in use, EIO when
  // the kernel is dead (an oops, fault.h), and start_container's ENOENT
  // and EEXIST; its other errors give a Failed container (above).
  ErrorOr<RuntimeContainer*> run(const std::string& image, ContainerSpec spec, const RunOptions& options = {});
  // docker exec: a new process in a running container's namespaces and
  // cgroup. Returns its host PID. EINVAL if the container is not running.
  ErrorOr<int> exec(const std::string& name, const std::vector<std::string>& cmd);
  // docker stop [-t]: SIGTERM, then SIGKILL once `timeout_ns` of simulated
  // time has passed (at once when nothing can run); lets time pass until
  // the container has exited.
  Error stop(const std::string& name, uint64_t timeout_ns = 10'000'000'000ull);
  // docker kill [-s SIG]: EINVAL for a bad signal or a stopped container.
  Error kill(const std::string& name, int signal = 9);
  // docker rm [-f]: EBUSY for a running container unless `force` (then it
  // is stopped at once first); whatever else is left in its cgroup is
  // killed, and its upper layer and cgroup go with it; layers nothing uses
  // leave the store.
  Error rm(const std::string& name, bool force = false);
  ErrorOr<std::string> logs(const std::string& name) const;
  ErrorOr<ContainerStats> stats(const std::string& name);
  // docker ps [-a]: running containers, or every one.
  std::vector<const RuntimeContainer*> ps(bool all = false) const;
  RuntimeContainer* find(const std::string& name);
  // Every container, in order of creation (docker ps -a).
  const std::vector<std::unique_ptr<RuntimeContainer>>& containers() const { return containers_; }

  // Run the kernel for up to `max_insns` instructions, or until `done`
  // holds; containers whose init exits are marked exited, a stop whose
  // time is up sends its SIGKILL.
  RunResult run_kernel(uint64_t max_insns, const std::function<bool()>& done = {});
  // Run until container `name` has exited (or `max_insns` ran).
  RunResult wait(const std::string& name, uint64_t max_insns = UINT64_MAX);
  // Notice containers whose init exited and reap exec'd processes that
  // ended (between runs of the kernel; run_kernel does it before and after).
  void collect_exits() { collect(true); }
  // Bytes of the layer store (each layer once) and of every container's
  // upper layer: the sharing that containers' memory accounting shows.
  uint64_t layers_bytes() const { return k_.layers.bytes(); }
  uint64_t uppers_bytes() const;

 private:
  // Notice exits, account CPU, fire stop deadlines; with `reap` (only
  // between runs of the kernel), reap exited inits and exec'd processes.
  void collect(bool reap);
  bool init_gone(const RuntimeContainer& rc) const;
  // Send `signal` to the container's init if it is alive.
  void signal_init(const RuntimeContainer& rc, int signal);
  // stop and rm on the host's rounds (host_ is set).
  Error stop_on_host(RuntimeContainer& rc, uint64_t timeout_ns);
  Kernel& k_;
  HostClock host_;
  std::map<std::string, Image> images_;
  std::vector<std::unique_ptr<RuntimeContainer>> containers_;  // in order of creation
};

// A signal's number from "9", "KILL" or "SIGKILL"; 0 if unknown.
int signal_number(const std::string& name);

}  // namespace isolab::containers
