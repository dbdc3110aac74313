// An image for the overlay and runtime tests: the test image (miniOS's
// programs and the probe) with a layer holding fsprobe and a few files,
// and a second layer over it, so lookups merge three layers.
#pragma once
#include <string>

#include "tests/containers/harness.h"

namespace isolab::containers::test {

inline vfs::InodePtr text_file(const std::string& text) {
  return vfs::make_file(std::make_shared<vfs::Bytes>(text.begin(), text.end()), 0644);
}

inline vfs::InodePtr dir_of(std::initializer_list<std::pair<const std::string, vfs::InodePtr>> entries) {
  auto d = vfs::make_dir(0755);
  d->entries = entries;
  return d;
}

//   /bin/fsprobe  /etc/motd "hello"  /data/a "A"  /data/b "B"  /dir/sub/x "X"   (layer 2)
//   /data/c "C"                                                                  (layer 3)
inline Image fs_image(const std::string& name = "fs") {
  Image img = test_image();
  img.name = name;
  auto bin = dir_of({{"fsprobe", vfs::make_file(read_file(std::string(ISOLAB_TEST_GUEST_DIR) + "/fsprobe"), 0755)}});
  auto root = dir_of({{"bin", bin},
                      {"etc", dir_of({{"motd", text_file("hello")}})},
                      {"data", dir_of({{"a", text_file("A")}, {"b", text_file("B")}})},
                      {"dir", dir_of({{"sub", dir_of({{"x", text_file("X")}})}})}});
  img.layers.push_back(make_layer(root, "COPY fsprobe and files"));
  img.layers.push_back(make_layer(dir_of({{"data", dir_of({{"c", text_file("C")}})}}), "COPY c /data/c"));
  return img;
}

}  // namespace isolab::containers::test
