// A test IrqSink that records every line change, and counts rising edges.
#pragma once
#include <array>
#include <vector>

#include "emulator/devices/device.h"

namespace isolab::emulator::test {

struct IrqRecorder : IrqSink {
  std::array<bool, 24> level{};
  std::array<int, 24> rising{};
  std::vector<std::pair<int, bool>> log;
  void set_irq(int line, bool l) override {
    if (l && !level[line]) rising[line]++;
    level[line] = l;
    log.emplace_back(line, l);
  }
};

}  // namespace isolab::emulator::test
