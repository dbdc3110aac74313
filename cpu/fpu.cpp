// The x87 state's own functions: FNINIT's state and the tag word. See fpu.h.
#include "cpu/fpu.h"

namespace isolab::cpu {

void fpu_init(FpuState& f) {
  const F80 keep[8] = {f.r[0], f.r[1], f.r[2], f.r[3], f.r[4], f.r[5], f.r[6], f.r[7]};
  f = FpuState{};
  // FNINIT leaves the data registers' contents alone; it only tags them empty.
  for (int k = 0; k < 8; k++) f.r[k] = keep[k];
  f.fcw = 0x037F;
  f.empty = 0xFF;
}

uint16_t fpu_tag_word(const FpuState& f) {
  uint16_t tw = 0;
  for (int k = 0; k < 8; k++) {
    const F80& v = f.r[k];
    uint16_t tag;
    if ((f.empty >> k) & 1) tag = TAG_EMPTY;
    else if (v.exponent() == 0 && v.signif == 0) tag = TAG_ZERO;
    // NaNs, infinities, denormals and the unsupported encodings whose
    // integer bit disagrees with the exponent.
    else if (v.exponent() == 0x7FFF || v.exponent() == 0 || !(v.signif >> 63)) tag = TAG_SPECIAL;
    else tag = TAG_VALID;
    tw = uint16_t(tw | tag << (2 * k));
  }
  return tw;
}

}  // namespace isolab::cpu
