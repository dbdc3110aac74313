// Issue 5's isolation acceptance: three containers in one kernel, each in
// its own pid, mnt, uts, ipc, net and cgroup namespaces. Each `ps` (miniOS's,
// always built) shows only its own processes; host names differ; a file
// written in one is not seen in another; /proc/<pid>/ns/* identities differ
// between containers and agree within one; the image is unchanged.
#include <doctest/doctest.h>

#include <set>

#include "tests/containers/guest_image.h"

using namespace isolab::containers;
using namespace isolab::containers::test;

#ifdef ISOLAB_HAVE_MINIOS

TEST_CASE("isolation: three containers in one kernel see only themselves") {
  Kernel k;
  Image img = guest_image();
  const char* names[3] = {"red", "green", "blue"};
  std::string out[3];
  Container c[3];
  for (int i = 0; i < 3; i++) {
    ContainerSpec spec;
    spec.name = names[i];
    spec.hostname = std::string(names[i]) + "-host";
    spec.cmd = {"nsprobe", "iso", names[i]};
    auto streams = std::make_shared<vfs::HostStreams>();
    streams->write = [&out, i](int, const char* d, size_t n) { out[i].append(d, n); };
    spec.streams = streams;
    auto started = start_container(k, img, spec);
    REQUIRE(started);
    c[i] = *started;
  }
  // While they run, the host sees all of them (three inits at least).
  size_t most = 0;
  k.run(4'000'000'000ull, [&] {
    most = std::max(most, k.processes().size());
    for (auto& ci : c) {
      Process* p = k.find_host_pid(ci.init_host_pid);
      if (p && p->state != ProcState::Zombie) return false;
    }
    return true;
  });
  CHECK(most >= 3);
  const char* kinds[] = {"pid", "mnt", "uts", "ipc", "net", "cgroup"};
  std::set<std::string> hostnames, ids[6];
  for (int i = 0; i < 3; i++) {
    CAPTURE(out[i]);
    // Its own file only: the others' writes are in their own trees.
    CHECK(field(out[i], "tmp") == std::string(names[i]) + " ");
    hostnames.insert(field(out[i], "hostname"));
    CHECK(field(out[i], "hostname") == std::string(names[i]) + "-host");
    for (int kind = 0; kind < 6; kind++) {
      std::string init_id = field(out[i], std::string("init_") + kinds[kind]);
      CHECK(init_id == field(out[i], std::string("child_") + kinds[kind]));  // agree within one
      ids[kind].insert(init_id);
    }
    // ps lists the container's own processes only: its init (nsprobe) as
    // PID 1 and ps itself, and nothing of the other two.
    size_t ps_at = out[i].find("PID");
    REQUIRE(ps_at != std::string::npos);
    std::string ps = out[i].substr(ps_at);
    int lines = 0;
    for (char ch : ps) lines += ch == '\n';
    CHECK(lines == 3);  // the header, nsprobe and ps
    CHECK(ps.find("nsprobe") != std::string::npos);
    CHECK(ps.find(" 1 ") != std::string::npos);
  }
  CHECK(hostnames.size() == 3);
  for (int kind = 0; kind < 6; kind++) {
    CAPTURE(kinds[kind]);
    CHECK(ids[kind].size() == 3);  // differ between containers
  }
  // The image's layers are untouched by the containers' writes.
  for (const LayerPtr& l : img.layers) CHECK(tree_digest(*l->root) == l->id);
}

#endif
