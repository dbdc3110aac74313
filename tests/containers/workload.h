// Helpers for the page-cache, scheduler and fault-injection tests: an image
// with the workload guest (guests/workload.c) and a text file, and
// containers started side by side on one kernel with their output kept.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "containers/cgroup/cgroup.h"
#include "tests/containers/harness.h"

namespace isolab::containers::test {

// The text file every container of the image shares: /srv/page.txt.
inline const std::string& page_text() {
  static const std::string text = [] {
    std::string t = "the image layer's bytes\n";
    while (t.size() < 6000) t += "0123456789abcdef";
    return t;
  }();
  return text;
}

inline Image workload_image() {
  Image img = test_image();
  auto bin = vfs::make_dir(0755);
  bin->entries["workload"] = vfs::make_file(read_file(std::string(ISOLAB_TEST_GUEST_DIR) + "/workload"), 0755);
  auto srv = vfs::make_dir(0755);
  const std::string& t = page_text();
  srv->entries["page.txt"] = vfs::make_file(std::make_shared<vfs::Bytes>(t.begin(), t.end()));
  auto root = vfs::make_dir(0755);
  root->entries["bin"] = bin;
  root->entries["srv"] = srv;
  img.layers.push_back(make_layer(root, "COPY workload /bin; COPY page.txt /srv"));
  return img;
}

// A container started on a shared kernel, its output collected.
struct Started {
  Container c;
  std::shared_ptr<std::string> out = std::make_shared<std::string>();
  Process* init(Kernel& k) const { return k.find_host_pid(c.init_host_pid); }
};

inline Started start(Kernel& k, const Image& img, const std::string& name, std::vector<std::string> cmd) {
  Started s;
  auto streams = std::make_shared<vfs::HostStreams>();
  auto out = s.out;
  streams->write = [out](int, const char* d, size_t n) { out->append(d, n); };
  streams->read = [](char*, size_t) -> long { return 0; };
  ContainerSpec spec;
  spec.name = name;
  spec.cmd = std::move(cmd);
  spec.streams = streams;
  auto c = start_container(k, img, spec);
  if (!c) {
    *s.out = "start failed: " + c.error().message;
    return s;
  }
  s.c = *c;
  return s;
}

// "key N" from a flat-keyed file such as cpu.stat.
inline long long stat_key(const std::string& text, const std::string& name) {
  size_t at = 0;
  while ((at = text.find(name + " ", at)) != std::string::npos) {
    if (at == 0 || text[at - 1] == '\n') return std::stoll(text.substr(at + name.size() + 1));
    at++;
  }
  return -1;
}

inline std::string cg_read(Kernel& k, Cgroup& cg, const std::string& file) {
  auto r = cgroup_read(k, cg, file);
  return r ? *r : "(error " + std::to_string(r.code()) + ")";
}

}  // namespace isolab::containers::test
