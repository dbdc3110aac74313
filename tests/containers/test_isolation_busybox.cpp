// Issue 5's isolation acceptance with Debian's busybox: three busybox
// containers in one kernel, each with a `cat /dev/zero` running while the others
// run `ps`: each ps shows its own `cat` only; host names differ; a file
// written in one is not seen in another; /proc/<pid>/ns/* identities
// differ between containers and agree within one. Its own ctest entry
// (containers/isolation_busybox) skips with 77 when busybox is not fetched.
#include <doctest/doctest.h>

#include <set>
#include <sstream>

#include "tests/containers/harness.h"

using namespace isolab::containers;
using namespace isolab::containers::test;

namespace {

// The ps rows (after the header) whose command is `cat`.
int cat_rows(const std::string& out) {
  size_t at = out.find("PID   USER");
  if (at == std::string::npos) return -1;
  std::istringstream rows(out.substr(at));
  std::string line;
  int n = 0;
  std::getline(rows, line);
  while (std::getline(rows, line)) {
    std::istringstream cols(line);
    std::string pid, user, cmd;
    if (!(cols >> pid >> user >> cmd)) break;
    if (cmd.front() == '{') cols >> cmd;  // "{busybox} cat": ps shows comm in braces when argv[0] differs
    if (pid.find_first_not_of("0123456789") != std::string::npos) break;  // past the table
    n += cmd == "cat";
  }
  return n;
}

}  // namespace

TEST_CASE("isolation: three busybox containers in one kernel") {
  auto img = image_busybox(busybox_cache_dir());
  REQUIRE_MESSAGE(img, img.error().message);
  Kernel k;
  const char* names[3] = {"red", "green", "blue"};
  std::string out[3];
  Container c[3];
  // The loop gives the other containers time to start their own `cat`
  // (a literal list: busybox's seq and sleep need the x87 FPU).
  std::string loop;
  for (int i = 0; i < 200; i++) loop += " " + std::to_string(i);
  const std::string script =
      "echo here > /tmp/$(hostname); cat /dev/zero > /dev/null & for i in" + loop + "; do :; done; "
      "echo tmp=$(ls /tmp); echo hostname=$(hostname); ps; "
      "for n in pid mnt uts ipc net cgroup; do echo init_$n=$(readlink /proc/1/ns/$n); "
      "echo self_$n=$(readlink /proc/self/ns/$n); done; kill $!";
  for (int i = 0; i < 3; i++) {
    ContainerSpec spec;
    spec.name = names[i];
    spec.hostname = names[i];
    spec.cmd = {"sh", "-c", script};
    auto streams = std::make_shared<vfs::HostStreams>();
    streams->write = [&out, i](int, const char* d, size_t n) { out[i].append(d, n); };
    spec.streams = streams;
    auto started = start_container(k, *img, spec);
    REQUIRE(started);
    c[i] = *started;
  }
  // All three cat processes run at once somewhere in the run.
  size_t most = 0;
  auto all_done = [&] {
    int cats = 0;
    for (auto& [pid, p] : k.processes()) cats += !p->argv.empty() && p->argv[0] == "cat" && p->state != ProcState::Zombie;
    most = std::max<size_t>(most, size_t(cats));
    for (auto& ci : c) {
      Process* p = k.find_host_pid(ci.init_host_pid);
      if (p && p->state != ProcState::Zombie) return false;
    }
    return true;
  };
  k.run(20'000'000'000ull, all_done);
  CHECK(most == 3);
  for (auto& ci : c) wait_container(k, ci, 1'000'000);
  const char* kinds[] = {"pid", "mnt", "uts", "ipc", "net", "cgroup"};
  std::set<std::string> hostnames, ids[6];
  for (int i = 0; i < 3; i++) {
    CAPTURE(out[i]);
    CHECK(c[i].exited);
    CHECK(field(out[i], "tmp") == names[i]);
    CHECK(field(out[i], "hostname") == names[i]);
    hostnames.insert(field(out[i], "hostname"));
    CHECK(cat_rows(out[i]) == 1);  // its own cat, not the other two
    for (int n = 0; n < 6; n++) {
      std::string init_id = field(out[i], std::string("init_") + kinds[n]);
      CHECK(init_id.rfind(std::string(kinds[n]) + ":[", 0) == 0);
      CHECK(init_id == field(out[i], std::string("self_") + kinds[n]));
      ids[n].insert(init_id);
    }
  }
  CHECK(hostnames.size() == 3);
  for (int n = 0; n < 6; n++) CHECK(ids[n].size() == 3);
}
