// `isolab vm receive`: the target of a live migration (emulator/migration.h).
#pragma once
#include <string>

namespace isolab::app {

struct VmReceiveOptions {
  std::string listen;     // ADDR:PORT; port 0 lets the kernel choose (said on stderr)
  std::string port_file;  // also write the chosen port there, one line
  std::string input;      // typed into the console after the VM arrives
  std::string timeout = "60s";
  std::string trace;
  bool quiet = false;     // no "listening on" line (the lab's own target)
};

int vm_receive(const VmReceiveOptions& options);

}  // namespace isolab::app
