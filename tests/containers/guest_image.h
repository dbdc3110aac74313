// The test image with the namespace and signal guests (guests/nsprobe.c,
// guests/sigprobe.c) in /bin, beside the probe and miniOS's programs.
#pragma once
#include <string>

#include "tests/containers/harness.h"

namespace isolab::containers::test {

inline Image guest_image() {
  Image img = test_image();
  auto& bin = img.root->entries["bin"];
  for (const char* name : {"nsprobe", "sigprobe"})
    bin->entries[name] = vfs::make_file(read_file(std::string(ISOLAB_TEST_GUEST_DIR) + "/" + name), 0755);
  return img;
}

}  // namespace isolab::containers::test
