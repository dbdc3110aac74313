// Trace ring and JSON-lines export. See trace.h.
#include "trace/trace.h"

#include <fmt/format.h>

#include <stdexcept>

namespace isolab::trace {

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::VmExit: return "vm_exit";
    case Kind::Exception: return "exception";
    case Kind::Interrupt: return "interrupt";
    case Kind::Syscall: return "syscall";
    case Kind::Container: return "container";
    case Kind::Cgroup: return "cgroup";
    case Kind::Vm: return "vm";
    case Kind::Namespace: return "namespace";
    case Kind::Signal: return "signal";
    case Kind::Net: return "net";
  }
  return "unknown";
}

void Trace::record(Event e) {
  e.seq = next_seq_++;
  ring_[e.seq % ring_.size()] = e;
  for (auto& sink : sinks_) sink(ring_[e.seq % ring_.size()]);
}

std::vector<Event> Trace::recent() const {
  std::vector<Event> out;
  uint64_t n = next_seq_ < ring_.size() ? next_seq_ : ring_.size();
  out.reserve(n);
  for (uint64_t s = next_seq_ - n; s < next_seq_; s++) out.push_back(ring_[s % ring_.size()]);
  return out;
}

// JSON string escaping for the few strings an event holds.
static std::string quoted(const char* s) {
  std::string out = "\"";
  for (const char* p = s; *p; p++) {
    unsigned char c = static_cast<unsigned char>(*p);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

std::string to_json(const Event& e) {
  std::string s = fmt::format(
      "{{\"seq\":{},\"time_ns\":{},\"insns\":{},\"kind\":\"{}\",\"source\":{},\"what\":{},\"code\":{},"
      "\"detail\":[{},{},{},{}],\"handling_ns\":{}",
      e.seq, e.time_ns, e.insns, kind_name(e.kind), quoted(e.source), quoted(e.what), e.code, e.detail[0],
      e.detail[1], e.detail[2], e.detail[3], e.handling_ns);
  if (e.has_state) {
    const GuestState& g = e.state;
    s += fmt::format(
        ",\"state\":{{\"eip\":{},\"cs\":{},\"eflags\":{},\"cr0\":{},\"cr3\":{},\"eax\":{},\"ecx\":{},\"edx\":{},"
        "\"ebx\":{},\"esp\":{},\"ebp\":{},\"esi\":{},\"edi\":{}}}",
        g.eip, g.cs, g.eflags, g.cr0, g.cr3, g.reg[0], g.reg[1], g.reg[2], g.reg[3], g.reg[4], g.reg[5], g.reg[6],
        g.reg[7]);
  }
  return s + "}";
}

JsonLinesWriter::JsonLinesWriter(const std::string& path) : f_(std::fopen(path.c_str(), "w")) {
  if (!f_) throw std::runtime_error(fmt::format("{}: cannot open for writing", path));
}

JsonLinesWriter::~JsonLinesWriter() {
  if (f_) std::fclose(f_);
}

void JsonLinesWriter::write(const Event& e) {
  std::string line = to_json(e);
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), f_);
}

}  // namespace isolab::trace
