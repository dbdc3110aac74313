// The test image with the namespace and signal guests (guests/nsprobe.c,
// guests/sigprobe.c) in /bin, beside the probe and miniOS's programs.
#pragma once
#include <string>

#include "tests/containers/harness.h"

namespace isolab::containers::test {

inline Image guest_image() {
  Image img = test_image();
  auto bin = vfs::make_dir(0755);
  for (const char* name : {"nsprobe", "sigprobe", "threadprobe", "ipcprobe", "rlimitprobe"})
    bin->entries[name] = vfs::make_file(read_file(std::string(ISOLAB_TEST_GUEST_DIR) + "/" + name), 0755);
  auto root = vfs::make_dir(0755);
  root->entries["bin"] = bin;
  img.layers.push_back(make_layer(root, "COPY nsprobe sigprobe /bin"));
  return img;
}

}  // namespace isolab::containers::test
