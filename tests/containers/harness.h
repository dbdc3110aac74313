// Running a guest program in a container and capturing what it printed.
#pragma once
#include <algorithm>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "containers/container.h"
#include "containers/image.h"
#include "containers/kernel.h"

#ifdef ISOLAB_HAVE_MINIOS
#include "minios_paths.h"
#endif

namespace isolab::containers::test {

inline std::shared_ptr<vfs::Bytes> read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::make_shared<vfs::Bytes>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The test image: miniOS's /bin (when built), and over it a layer with the
// probe and /etc/hostname (a file that is not a program).
inline Image test_image() {
  Image img{"test", {}};
#ifdef ISOLAB_HAVE_MINIOS
  auto minios = image_from_bin_dir("test", ISOLAB_MINIOS_BIN_DIR);
  if (minios) img = *minios;
#endif
  auto root = vfs::make_dir(0755);
  auto bin = vfs::make_dir(0755);
  root->entries["bin"] = bin;
  bin->entries["probe"] = vfs::make_file(read_file(std::string(ISOLAB_TEST_GUEST_DIR) + "/probe"), 0755);
  std::string text = "echo this is a script without #!\n";
  bin->entries["notelf"] = vfs::make_file(std::make_shared<vfs::Bytes>(text.begin(), text.end()), 0755);
  auto etc = vfs::make_dir(0755);
  root->entries["etc"] = etc;
  std::string host = "test\n";
  etc->entries["hostname"] = vfs::make_file(std::make_shared<vfs::Bytes>(host.begin(), host.end()));
  img.layers.push_back(make_layer(root, "COPY probe notelf hostname"));
  return img;
}

struct RunOutput {
  int exit_code = -1;
  std::string out, err;
  RunResult result = RunResult::Idle;
};

// Run container `spec` on `k` until its init exits; `input` is its stdin.
inline RunOutput run_spec(Kernel& k, const Image& img, ContainerSpec spec, uint64_t budget = 2'000'000'000ull,
                          std::string input = {}) {
  RunOutput r;
  auto streams = std::make_shared<vfs::HostStreams>();
  streams->write = [&r](int stream, const char* d, size_t n) { (stream == 2 ? r.err : r.out).append(d, n); };
  auto pending = std::make_shared<std::string>(std::move(input));
  streams->read = [pending](char* buf, size_t n) -> long {
    size_t k2 = std::min(n, pending->size());
    pending->copy(buf, k2);
    pending->erase(0, k2);
    return long(k2);
  };
  spec.streams = streams;
  auto c = start_container(k, img, spec);
  if (!c) {
    r.err = c.error().message;
    return r;
  }
  r.result = wait_container(k, *c, budget);
  if (c->exited) r.exit_code = c->exit_code;
  return r;
}

// Run `cmd` as a container's init on `k` until it exits.
inline RunOutput run_in(Kernel& k, const Image& img, std::vector<std::string> cmd, std::string hostname = "box",
                        uint64_t budget = 2'000'000'000ull) {
  ContainerSpec spec;
  spec.cmd = std::move(cmd);
  spec.hostname = std::move(hostname);
  return run_spec(k, img, std::move(spec), budget);
}

inline RunOutput run(std::vector<std::string> cmd, std::string hostname = "box") {
  Kernel k;
  return run_in(k, test_image(), std::move(cmd), std::move(hostname));
}

// The value of "name=value" in a probe's output, or "(missing)".
inline std::string field(const std::string& out, const std::string& name) {
  size_t at = 0;
  while ((at = out.find(name + "=", at)) != std::string::npos) {
    if (at == 0 || out[at - 1] == '\n') {
      size_t start = at + name.size() + 1, end = out.find('\n', start);
      return out.substr(start, end - start);
    }
    at++;
  }
  return "(missing)";
}

}  // namespace isolab::containers::test
