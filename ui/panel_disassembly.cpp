// The Disassembly panel: the selected VM's code around CS:EIP, decoded by
// Capstone (DESIGN.md section 3: display uses Capstone, execution our own
// decoder), 16- or 32-bit as the CS descriptor cache's D bit says. Bytes
// are read through the guest's page tables without touching them
// (Cpu::debug_read); an unmapped byte ends the listing.
#include <capstone/capstone.h>
#include <imgui.h>

#include <algorithm>

#include <vector>

#include "cpu/cpu.h"
#include "lab/debugger.h"
#include "ui/panels.h"

namespace isolab::ui {

namespace {

// One Capstone handle per code size, opened on first use and kept.
csh capstone(bool code32) {
  static csh handles[2] = {0, 0};
  static bool opened[2] = {false, false};
  if (!opened[code32]) {
    opened[code32] = true;
    if (cs_open(CS_ARCH_X86, code32 ? CS_MODE_32 : CS_MODE_16, &handles[code32]) != CS_ERR_OK) handles[code32] = 0;
  }
  return handles[code32];
}

struct Line {
  uint32_t eip;
  std::vector<uint8_t> bytes;
  std::string text;
};

// Decode `bytes` (which start at offset `start`) into lines. Returns false
// if no instruction begins exactly at `eip`.
bool decode(csh h, const std::vector<uint8_t>& bytes, uint32_t start, uint32_t eip, std::vector<Line>& out) {
  out.clear();
  cs_insn* insn = nullptr;
  size_t n = cs_disasm(h, bytes.data(), bytes.size(), start, 0, &insn);
  bool hit = false;
  for (size_t k = 0; k < n; k++) {
    Line l;
    l.eip = uint32_t(insn[k].address);
    l.bytes.assign(insn[k].bytes, insn[k].bytes + insn[k].size);
    l.text = std::string(insn[k].mnemonic) + " " + insn[k].op_str;
    hit |= l.eip == eip;
    out.push_back(std::move(l));
  }
  cs_free(insn, n);
  return hit;
}

}  // namespace

void draw_disassembly(Session& s, PanelPlace p) {
  if (begin_panel("Disassembly", p) && s.current()) {
    cpu::Cpu& c = s.current()->vm->machine->cpu;
    const bool code32 = c.protected_mode() && c.s.seg[cpu::CS].big();
    const uint32_t eip = c.s.eip;
    const uint32_t cs_base = c.s.seg[cpu::CS].base;
    const std::string vm_name = s.current()->vm->name;
    const std::vector<lab::Breakpoint>& bps = lab::breakpoints_of(s.lab, vm_name);
    ImGui::Text("%s  CS:EIP %04x:%08x  %s", s.current()->vm->name.c_str(), c.s.seg[cpu::CS].selector, eip,
                code32 ? "32-bit" : "16-bit");
    ImGui::Separator();
    // Code before EIP cannot be decoded backwards for sure on x86: try
    // starting points from 48 bytes back and keep the first whose
    // instruction stream lands exactly on EIP.
    constexpr uint32_t kBack = 48, kAhead = 96;
    std::vector<uint8_t> bytes;
    uint32_t start = eip >= kBack ? eip - kBack : 0;
    for (uint32_t off = start; off < eip + kAhead; off++) {
      uint8_t b;
      if (!c.debug_read(cs_base + off, &b, 1)) {
        if (off < eip) {  // unmapped before EIP: start after it
          bytes.clear();
          start = off + 1;
          continue;
        }
        break;
      }
      bytes.push_back(b);
    }
    csh h = capstone(code32);
    std::vector<Line> lines;
    bool found = false;
    if (h) {
      for (uint32_t from = start; from <= eip && !found && from - start < bytes.size(); from++) {
        std::vector<uint8_t> tail(bytes.begin() + (from - start), bytes.end());
        found = decode(h, tail, from, eip, lines);
      }
    }
    if (!h) {
      ImGui::TextUnformatted("Capstone could not be opened");
    } else if (!found) {
      ImGui::Text("EIP %08x: no mapped code here", eip);
    } else {
      // Show a few lines before EIP and the rest after it.
      size_t at = 0;
      while (lines[at].eip != eip) at++;
      const size_t first = at > 8 ? at - 8 : 0;
      for (size_t k = first; k < lines.size() && k < first + 32; k++) {
        const Line& l = lines[k];
        char hex[3 * 8 + 2] = {};
        size_t pos = 0;
        for (size_t b = 0; b < l.bytes.size() && b < 7; b++) pos += std::snprintf(hex + pos, sizeof hex - pos, "%02x", l.bytes[b]);
        if (l.bytes.size() > 7) std::snprintf(hex + pos, sizeof hex - pos, "+");
        const bool current = l.eip == eip;
        const lab::Breakpoint bp{lab::BreakKind::Address, l.eip};
        const bool has_bp = std::find(bps.begin(), bps.end(), bp) != bps.end();
        if (current) ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.85f, 0.3f, 1.0f));
        else if (has_bp) ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(1.0f, 0.4f, 0.4f, 1.0f));
        char row[160];
        std::snprintf(row, sizeof row, "%s%s %08x  %-15s %s##%08x", has_bp ? "*" : " ", current ? ">" : " ", l.eip, hex,
                      l.text.c_str(), l.eip);
        // A click toggles a breakpoint at the instruction (lab/debugger.h).
        if (ImGui::Selectable(row, false)) {
          const std::string name = vm_name;
          s.post([name, bp, has_bp](Session& s) {
            if (has_bp) {
              auto& list = s.lab.breakpoints.by_vm[name];
              list.erase(std::remove(list.begin(), list.end(), bp), list.end());
            } else {
              lab::add_breakpoint(s.lab, name, bp);
            }
            s.status = name + ": breakpoint " + lab::describe(bp) + (has_bp ? " removed" : " set");
          });
        }
        if (current || has_bp) ImGui::PopStyleColor();
      }
    }
  }
  ImGui::End();
}

}  // namespace isolab::ui
