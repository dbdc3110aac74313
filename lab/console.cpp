// The lab console: parsing a line into a Command, and running it (console.h).
#include "lab/console.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ostream>
#include <sstream>

#include "containers/fault.h"
#include "containers/runtime.h"
#include "emulator/snapshot.h"
#include "lab/probes.h"

namespace isolab::lab {

bool parse_size(const std::string& text, uint64_t& out) {
  size_t pos = 0;
  uint64_t v = 0;
  while (pos < text.size() && std::isdigit(uint8_t(text[pos]))) {
    v = v * 10 + uint64_t(text[pos++] - '0');
    if (v > (1ull << 40)) return false;
  }
  if (pos == 0) return false;
  std::string unit = text.substr(pos);
  if (unit == "" || unit == "B") out = v;
  else if (unit == "K" || unit == "KiB") out = v << 10;
  else if (unit == "M" || unit == "MiB") out = v << 20;
  else if (unit == "G" || unit == "GiB") out = v << 30;
  else return false;
  return true;
}

bool parse_duration(const std::string& text, uint64_t& out_ns) {
  size_t pos = 0;
  double v;
  try {
    v = std::stod(text, &pos);
  } catch (...) {
    return false;
  }
  if (!std::isfinite(v) || v < 0) return false;
  std::string unit = text.substr(pos);
  double scale;
  if (unit == "" || unit == "s") scale = 1e9;
  else if (unit == "ms") scale = 1e6;
  else if (unit == "us") scale = 1e3;
  else if (unit == "m") scale = 60e9;
  else return false;
  if (v * scale >= 1e15) return false;  // more than a simulated week
  out_ns = uint64_t(v * scale);
  return true;
}

std::string unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); i++) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out += s[i];
      continue;
    }
    char c = s[++i];
    switch (c) {
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case '\\': out += '\\'; break;
      case '"': out += '"'; break;
      case 'x':
        if (i + 2 < s.size() && std::isxdigit(uint8_t(s[i + 1])) && std::isxdigit(uint8_t(s[i + 2]))) {
          out += char(std::stoi(s.substr(i + 1, 2), nullptr, 16));
          i += 2;
        } else {
          out += "\\x";
        }
        break;
      default: out += '\\'; out += c;
    }
  }
  return out;
}

namespace {

// Split a line into words: spaces separate, "double quotes" group (the
// quotes removed, escapes kept for the command to resolve).
bool split_words(const std::string& line, std::vector<std::string>& words, std::string& error) {
  size_t i = 0;
  while (i < line.size()) {
    if (std::isspace(uint8_t(line[i]))) {
      i++;
      continue;
    }
    std::string w;
    while (i < line.size() && !std::isspace(uint8_t(line[i]))) {
      if (line[i] == '"') {
        size_t close = i + 1;
        while (close < line.size() && line[close] != '"') close += line[close] == '\\' ? 2 : 1;
        if (close >= line.size()) {
          error = "unterminated \" in the command";
          return false;
        }
        w += line.substr(i + 1, close - i - 1);
        i = close + 1;
      } else {
        w += line[i++];
      }
    }
    words.push_back(w);
  }
  return true;
}

bool valid_name(const std::string& n) {
  if (n.empty() || !(std::isalpha(uint8_t(n[0])) || n[0] == '_')) return false;
  for (char c : n)
    if (!(std::isalnum(uint8_t(c)) || c == '_')) return false;
  return true;
}

// The text after the first `n` words of `line` (for vm type and expressions).
std::string rest_after_words(const std::string& line, size_t n) {
  size_t i = 0;
  for (size_t w = 0; w < n; w++) {
    while (i < line.size() && std::isspace(uint8_t(line[i]))) i++;
    while (i < line.size() && !std::isspace(uint8_t(line[i]))) i++;
  }
  while (i < line.size() && std::isspace(uint8_t(line[i]))) i++;
  size_t end = line.size();
  while (end > i && std::isspace(uint8_t(line[end - 1]))) end--;
  return line.substr(i, end - i);
}


struct Simple {
  const char* words;
  Verb verb;
};
const Simple kVmVerbs[] = {{"start", Verb::VmStart}, {"pause", Verb::VmPause}, {"stop", Verb::VmStop},
                           {"kill", Verb::VmKill}};

ParsedCommand fail(const std::string& what) { return {std::nullopt, what}; }

ParsedCommand parse_expression_command(Verb verb, const std::string& text, const std::string& verb_name) {
  Command c;
  c.verb = verb;
  std::string expr = text;
  if (verb == Verb::WaitUntil) {
    size_t at = expr.rfind("--timeout");
    if (at != std::string::npos && (at == 0 || std::isspace(uint8_t(expr[at - 1])))) {
      std::string dur = rest_after_words(expr.substr(at), 1);
      if (dur.empty() || dur.find(' ') != std::string::npos || !parse_duration(dur, c.duration_ns))
        return fail("wait until: --timeout '" + dur + "': expected a duration such as 5s or 500ms");
      expr = rest_after_words(expr.substr(0, at), 0);
    }
  }
  if (expr.empty()) return fail(verb_name + ": missing the expression");
  ParseResult p = parse_expr(expr, check_probe_name);
  if (!p.expr) return fail(verb_name + ": " + p.error + " in '" + expr + "'");
  c.expr_text = expr;
  c.expr = std::move(p.expr);
  return {c, ""};
}

// The debugger's verbs (debugger.h): vm step, vm break, ctr step, ctr break.
ParsedCommand parse_debug(const std::vector<std::string>& w) {
  Command c;
  const std::string verb = w[0] + " " + w[1];
  if (w.size() < 3) return fail(verb + ": missing NAME");
  c.name = w[2];
  if (verb == "vm step") {
    c.verb = Verb::VmStep;
    if (w.size() == 3) return {c, ""};
    std::optional<StepKind> k = w.size() == 5 && w[3] == "--to" ? parse_step_kind(w[4]) : std::nullopt;
    if (!k) return fail("vm step: expected `vm step NAME [--to insn|exit|syscall|break]`");
    c.step = *k;
    return {c, ""};
  }
  if (verb == "vm break") {
    if (w.size() == 4 && w[3] == "clear") {
      c.verb = Verb::VmBreakClear;
      return {c, ""};
    }
    std::string error;
    std::optional<Breakpoint> b = parse_breakpoint({w.begin() + 3, w.end()}, error);
    if (!b) return fail("vm break: " + error + " (vm break NAME exit REASON|syscall NR|addr 0xADDR|clear)");
    c.verb = Verb::VmBreak;
    c.breakpoint = *b;
    return {c, ""};
  }
  if (verb == "ctr break") {
    c.verb = Verb::CtrBreakList;
    if (w.size() == 3) return {c, ""};
    if (w.size() == 4 && (w[3] == "clear" || w[3] == "--clear")) {
      c.verb = Verb::CtrBreakClear;
      return {c, ""};
    }
    std::string error;
    std::optional<Breakpoint> b =
        w.size() == 5 && w[3] == "syscall" ? parse_breakpoint({w[3], w[4]}, error) : std::nullopt;
    if (!b) return fail("ctr break: " + (error.empty() ? "" : error + " ") + "(ctr break NAME [syscall NR|NAME|clear])");
    c.verb = Verb::CtrBreak;
    c.breakpoint = *b;
    return {c, ""};
  }
  c.verb = Verb::CtrStep;
  c.step = StepKind::Syscall;
  if (w.size() == 3) return {c, ""};
  const char* usage = "ctr step: expected `ctr step NAME [--syscall NR|NAME | --to syscall|break]`";
  if (w.size() == 5 && w[3] == "--to") {
    std::optional<StepKind> k = parse_step_kind(w[4]);
    if (!k || (*k != StepKind::Syscall && *k != StepKind::Breakpoint)) return fail(usage);
    c.step = *k;
    return {c, ""};
  }
  std::string error;
  std::optional<Breakpoint> b = w.size() == 5 && w[3] == "--syscall" ? parse_breakpoint({"syscall", w[4]}, error) : std::nullopt;
  if (!b) return fail(usage + (error.empty() ? "" : ": " + error));
  c.syscall_nr = b->value;
  return {c, ""};
}

// vm migrate NAME [--to ADDR:PORT] [--bandwidth RATE] [--max-rounds N] [--downtime-target DUR]
ParsedCommand parse_migrate(const std::vector<std::string>& w) {
  Command c;
  c.verb = Verb::VmMigrate;
  const std::string usage = " (vm migrate NAME [--to ADDR:PORT] [--bandwidth RATE] [--max-rounds N] [--downtime-target DUR])";
  for (size_t i = 2; i < w.size(); i++) {
    const std::string& a = w[i];
    if (a.rfind("--", 0) != 0) {
      if (!c.name.empty()) return fail("vm migrate: unexpected '" + a + "' after the name" + usage);
      c.name = a;
      continue;
    }
    if (i + 1 >= w.size()) return fail("vm migrate: " + a + " needs a value" + usage);
    const std::string& val = w[++i];
    std::string host;
    uint16_t port;
    if (a == "--to") {
      if (!emulator::parse_endpoint(val, host, port) || port == 0)
        return fail("vm migrate: --to '" + val + "': expected ADDR:PORT such as 127.0.0.1:7000");
      c.migrate.to = val;
    } else if (a == "--bandwidth") {
      if (!emulator::parse_bandwidth(val, c.migrate.options.bandwidth_bps))
        return fail("vm migrate: --bandwidth '" + val + "': expected bits per second such as 1G, 100M or 10Mbit/s");
    } else if (a == "--max-rounds") {
      char* end = nullptr;
      long n = std::strtol(val.c_str(), &end, 10);
      if (val.empty() || *end || n < 1 || n > 1000) return fail("vm migrate: --max-rounds '" + val + "': expected a number from 1 to 1000");
      c.migrate.options.max_rounds = uint32_t(n);
    } else if (a == "--downtime-target") {
      if (!parse_duration(val, c.migrate.options.downtime_target_ns))
        return fail("vm migrate: --downtime-target '" + val + "': expected a duration such as 1ms or 300us");
    } else {
      return fail("vm migrate: unknown option '" + a + "'" + usage);
    }
  }
  if (c.name.empty()) return fail("vm migrate: missing NAME" + usage);
  return {c, ""};
}

ParsedCommand parse_vm(const std::vector<std::string>& w, const std::string& line) {
  if (w.size() < 2) return fail("vm: missing the verb (create, start, pause, stop, kill, type, snapshot, restore, clone, migrate)");
  const std::string& v = w[1];
  Command c;
  if (v == "create") {
    c.verb = Verb::VmCreate;
    for (size_t i = 2; i < w.size(); i++) {
      const std::string& a = w[i];
      if (a.rfind("--", 0) == 0) {
        if (i + 1 >= w.size()) return fail("vm create: " + a + " needs a value");
        const std::string& val = w[++i];
        if (a == "--mem") {
          if (!parse_size(val, c.vm.mem_bytes) || c.vm.mem_bytes < (2u << 20) || c.vm.mem_bytes > (3ull << 30))
            return fail("vm create: --mem '" + val + "': expected a size between 2M and 3G, such as 64M");
        } else if (a == "--weight") {
          char* end = nullptr;
          long n = std::strtol(val.c_str(), &end, 10);
          if (val.empty() || *end || n < 1 || n > 1000) return fail("vm create: --weight '" + val + "': expected a number from 1 to 1000");
          c.vm.weight = uint32_t(n);
        } else if (a == "--image") {
          c.vm.image = val;
        } else if (a == "--cmdline") {
          c.vm.cmdline = unescape(val);
        } else if (a == "--paging") {
          bool found = false;
          for (size_t k = 0; k < emulator::kPagingModeNames.size(); k++)
            if (val == emulator::kPagingModeNames[k]) c.vm.paging = emulator::PagingMode(k), found = true;
          if (!found) return fail("vm create: --paging '" + val + "': expected shadow, nested or direct");
        } else if (a == "--backend") {
          if (!emulator::parse_backend(val, c.vm.backend)) return fail("vm create: --backend '" + val + "': expected interp or kvm");
        } else {
          return fail("vm create: unknown option '" + a + "' (options: --mem, --weight, --image, --paging, --cmdline, --backend)");
        }
      } else if (c.vm.name.empty()) {
        c.vm.name = a;
      } else {
        return fail("vm create: unexpected '" + a + "' after the name");
      }
    }
    if (c.vm.name.empty()) return fail("vm create: missing NAME");
    if (!valid_name(c.vm.name)) return fail("vm create: '" + c.vm.name + "' is not a name (letters, digits and _, starting with a letter)");
    c.name = c.vm.name;
    return {c, ""};
  }
  for (const Simple& s : kVmVerbs)
    if (v == s.words) {
      if (w.size() != 3) return fail("vm " + v + ": expected `vm " + v + " NAME`");
      c.verb = s.verb;
      c.name = w[2];
      return {c, ""};
    }
  if (v == "type") {
    if (w.size() < 4) return fail("vm type: expected `vm type NAME TEXT`");
    c.verb = Verb::VmType;
    c.name = w[2];
    std::string text = rest_after_words(line, 3);
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
    c.arg = unescape(text);
    return {c, ""};
  }
  if (v == "snapshot" || v == "restore" || v == "clone") {
    if (w.size() != 4) return fail("vm " + v + ": expected `vm " + v + (v == "clone" ? " NAME NEW`" : " NAME DIR`"));
    c.verb = v == "snapshot" ? Verb::VmSnapshot : v == "restore" ? Verb::VmRestore : Verb::VmClone;
    c.name = w[2];
    c.arg = w[3];
    if ((c.verb == Verb::VmClone || c.verb == Verb::VmRestore) && !valid_name(c.verb == Verb::VmClone ? c.arg : c.name))
      return fail("vm " + v + ": '" + (c.verb == Verb::VmClone ? c.arg : c.name) + "' is not a name");
    return {c, ""};
  }
  if (v == "step" || v == "break") return parse_debug(w);
  if (v == "migrate") return parse_migrate(w);
  return fail("vm: unknown verb '" + v + "' (vm create, start, pause, stop, kill, type, snapshot, restore, clone, migrate, step, break)");
}

// ctr exec|stop|kill|rm|stats|images|commit, with Docker's options.
ParsedCommand parse_ctr_verb(const std::vector<std::string>& w) {
  Command c;
  const std::string& verb = w[1];
  std::vector<std::string> args(w.begin() + 2, w.end());
  if (verb == "images") {
    c.verb = Verb::CtrImages;
    if (!args.empty()) return fail("ctr images: takes no arguments");
    return {c, ""};
  }
  if (verb == "exec") {
    c.verb = Verb::CtrExec;
    if (args.size() < 2) return fail("ctr exec: expected `ctr exec NAME CMD [ARG...]`");
    c.name = args[0];
    for (size_t i = 1; i < args.size(); i++) c.cmd.push_back(unescape(args[i]));
    return {c, ""};
  }
  if (verb == "stop") {
    c.verb = Verb::CtrStop;
    if (args.size() == 3 && (args[0] == "-t" || args[0] == "--time")) {
      char* end = nullptr;
      long t = std::strtol(args[1].c_str(), &end, 10);
      if (args[1].empty() || *end || t < 0 || t > 3600) return fail("ctr stop: -t '" + args[1] + "': expected seconds from 0 to 3600");
      c.duration_ns = uint64_t(t) * 1'000'000'000ull;
      args.erase(args.begin(), args.begin() + 2);
    }
    if (args.size() != 1) return fail("ctr stop: expected `ctr stop [-t SECONDS] NAME`");
    c.name = args[0];
    return {c, ""};
  }
  if (verb == "kill") {
    c.verb = Verb::CtrKill;
    c.signal = 9;
    if (args.size() == 3 && (args[0] == "-s" || args[0] == "--signal")) {
      c.signal = containers::signal_number(args[1]);
      if (c.signal == 0) return fail("ctr kill: -s '" + args[1] + "': expected a signal such as KILL, TERM or 15");
      args.erase(args.begin(), args.begin() + 2);
    }
    if (args.size() != 1) return fail("ctr kill: expected `ctr kill [-s SIGNAL] NAME`");
    c.name = args[0];
    return {c, ""};
  }
  if (verb == "rm") {
    c.verb = Verb::CtrRm;
    if (!args.empty() && (args[0] == "-f" || args[0] == "--force")) {
      c.force = true;
      args.erase(args.begin());
    }
    if (args.size() != 1) return fail("ctr rm: expected `ctr rm [-f] NAME`");
    c.name = args[0];
    return {c, ""};
  }
  if (verb == "stats") {
    c.verb = Verb::CtrStats;
    if (args.size() > 1) return fail("ctr stats: expected `ctr stats [NAME]`");
    if (!args.empty()) c.name = args[0];
    return {c, ""};
  }
  // commit
  c.verb = Verb::CtrCommit;
  if (args.size() != 2) return fail("ctr commit: expected `ctr commit NAME IMAGE[:TAG]`");
  c.name = args[0];
  c.arg = args[1];
  return {c, ""};
}

ParsedCommand parse_ctr(const std::vector<std::string>& w) {
  if (w.size() < 2) return fail("ctr: missing the verb (run, exec, ps, stop, kill, rm, logs, stats, images, commit, step, break)");
  for (const char* v : {"exec", "stop", "kill", "rm", "stats", "images", "commit"})
    if (w[1] == v) return parse_ctr_verb(w);
  Command c;
  if (w[1] == "ps" || w[1] == "logs") {
    c.verb = w[1] == "ps" ? Verb::CtrPs : Verb::CtrLogs;
    if (c.verb == Verb::CtrPs && w.size() != 2) return fail("ctr ps: takes no arguments");
    if (c.verb == Verb::CtrLogs && w.size() != 3) return fail("ctr logs: expected `ctr logs NAME`");
    if (c.verb == Verb::CtrLogs) c.name = w[2];
    return {c, ""};
  }
  if (w[1] == "step" || w[1] == "break") return parse_debug(w);
  if (w[1] != "run") return fail("ctr: unknown verb '" + w[1] + "' (ctr run, exec, ps, stop, kill, rm, logs, stats, images, commit, step, break)");
  c.verb = Verb::CtrRun;
  size_t i = 2;
  for (; i < w.size() && w[i].rfind("--", 0) == 0 && w[i] != "--"; i += 2) {
    if (i + 1 >= w.size()) return fail("ctr run: " + w[i] + " needs a value");
    const std::string& val = w[i + 1];
    if (w[i] == "--name") c.name = val;
    else if (w[i] == "--hostname") c.hostname = val;
    else if (w[i] == "--input") c.input = unescape(val);
    else if (w[i] == "--network") {
      if (val != "bridge" && val != "none" && val != "host")
        return fail("ctr run: --network '" + val + "': expected bridge, none or host");
      c.network = val;
    }
    else if (w[i] == "--cpu-weight") {
      char* end = nullptr;
      long n = std::strtol(val.c_str(), &end, 10);
      if (val.empty() || *end || n < 1 || n > 10000) return fail("ctr run: --cpu-weight '" + val + "': expected a number from 1 to 10000");
      c.cpu_weight = uint32_t(n);
    } else if (w[i] == "--cpus") {
      // Docker's --cpus: a quota of X periods of 100 ms each period.
      char* end = nullptr;
      double x = std::strtod(val.c_str(), &end);
      if (val.empty() || *end || !(x >= 0.01) || x > 1024) return fail("ctr run: --cpus '" + val + "': expected a number of CPUs such as 0.5");
      c.cpus = x;
    }
    else if (w[i] == "--memory") {
      if (!parse_size(val, c.memory_max) || c.memory_max < 4096)
        return fail("ctr run: --memory '" + val + "': expected a size such as 8M");
    } else if (w[i] == "--pids-limit") {
      char* end = nullptr;
      long n = std::strtol(val.c_str(), &end, 10);
      if (val.empty() || *end || n < 1 || n > 1000000) return fail("ctr run: --pids-limit '" + val + "': expected a number from 1");
      c.pids_max = n;
    } else {
      return fail("ctr run: unknown option '" + w[i] + "' (options: --name, --hostname, --memory, --pids-limit, --cpu-weight, --cpus, --network, --input)");
    }
  }
  if (i < w.size() && w[i] == "--") i++;
  if (i >= w.size()) return fail("ctr run: missing IMAGE (ctr run [--name N] [--hostname H] [--memory SIZE] [--pids-limit N] [--cpu-weight N] [--cpus X] [--network bridge|none|host] [--input TEXT] IMAGE [CMD...])");
  if (!c.name.empty() && !valid_name(c.name)) return fail("ctr run: '" + c.name + "' is not a name");
  c.image = w[i++];
  for (; i < w.size(); i++) c.cmd.push_back(unescape(w[i]));
  return {c, ""};
}

}  // namespace

ParsedCommand parse_command(const std::string& line) {
  std::vector<std::string> w;
  std::string error;
  std::string trimmed = rest_after_words(line, 0);
  if (trimmed.empty() || trimmed[0] == '#') return {Command{}, ""};
  if (!split_words(line, w, error)) return fail(error);
  if (w[0] == "vm") return parse_vm(w, line);
  if (w[0] == "ctr") return parse_ctr(w);
  if (w[0] == "host" && w.size() >= 2 && w[1] == "bug") {
    Command c;
    c.verb = Verb::HostBug;
    if (w.size() == 4 && w[2] == "cow" && (w[3] == "on" || w[3] == "off")) c.arg = "cow " + w[3];
    else if (w.size() == 3 && w[2] == "oops") c.arg = "oops";
    else return fail("host bug: expected `host bug cow on|off` or `host bug oops`");
    return {c, ""};
  }
  if (w[0] == "host") {
    Command c;
    c.verb = w.size() >= 2 && w[1] == "cgroups" ? Verb::HostCgroups : Verb::HostPs;
    if (w.size() == 2 && (w[1] == "ps" || w[1] == "cgroups")) return {c, ""};
    return fail("host: expected `host ps`, `host cgroups` or `host bug cow on|off|oops`");
  }
  if (w[0] == "expect") return parse_expression_command(Verb::Expect, rest_after_words(line, 1), "expect");
  if (w[0] == "show") return parse_expression_command(Verb::Show, rest_after_words(line, 1), "show");
  if (w[0] == "wait") {
    if (w.size() >= 2 && w[1] == "until") return parse_expression_command(Verb::WaitUntil, rest_after_words(line, 2), "wait until");
    Command c;
    c.verb = Verb::Wait;
    if (w.size() != 2 || !parse_duration(w[1], c.duration_ns))
      return fail("wait: expected `wait DUR` (such as 500ms) or `wait until EXPR [--timeout DUR]`");
    return {c, ""};
  }
  return fail("unknown command '" + w[0] + "' (vm, ctr, host, wait, expect, show)");
}

namespace {

Outcome bad(const std::string& what) { return {Status::BadCommand, what, {}}; }

std::string fmt_duration(uint64_t ns) {
  char buf[48];
  if (ns % 1'000'000'000ull == 0) std::snprintf(buf, sizeof buf, "%llus", (unsigned long long)(ns / 1'000'000'000ull));
  else std::snprintf(buf, sizeof buf, "%gms", double(ns) / 1e6);
  return buf;
}

// vm migrate: one line with the migration's figures (the report's fields
// are also probes: vm.NAME.migration.*).
Outcome run_migrate(Lab& lab, const Command& c, std::ostream& out) {
  if (auto problem = lab.migrate_vm(c.name, c.migrate)) return bad("vm migrate " + c.name + ": " + *problem);
  const emulator::MigrationReport& r = *lab.extra(c.name).migration;
  std::string per_round;
  for (uint64_t n : r.pages_per_round) per_round += (per_round.empty() ? "" : " ") + std::to_string(n);
  out << "vm migrate " << c.name << ": " << r.rounds() << " rounds (pages " << per_round << "), " << r.pages_sent
      << " pages (" << r.zero_pages << " zero), " << r.bytes_sent << " bytes, " << r.dirty_at_stop << " dirty at stop, "
      << r.wp_faults << " write-protection faults; downtime " << r.downtime_ns << " ns simulated, " << r.downtime_us
      << " us wall; total " << r.total_ns << " ns simulated, " << r.total_us << " us wall; now in process "
      << r.target_pid << "\n";
  return {};
}

Outcome run_vm(Lab& lab, const Command& c) {
  if (c.verb == Verb::VmCreate) {
    if (auto problem = lab.create_vm(c.vm)) return bad("vm create " + c.name + ": " + *problem);
    return {};
  }
  if (c.verb == Verb::VmRestore && !lab.find_vm(c.name)) {
    // Restoring into a new name: the snapshot brings its own configuration.
    try {
      auto m = emulator::restore_snapshot(c.arg);
      if (auto problem = lab.add_vm_with_machine(c.name, std::move(m), 1, "snapshot " + c.arg)) return bad("vm restore: " + *problem);
      lab.find_vm(c.name)->state = emulator::VmState::Paused;
    } catch (const emulator::SnapshotError& e) {
      return bad(std::string("vm restore: ") + e.what());
    }
    return {};
  }
  emulator::Vm* vm = lab.find_vm(c.name);
  if (!vm) return bad("no VM named '" + c.name + "'");
  if (lab.extra(c.name).host_pid && (c.verb == Verb::VmSnapshot || c.verb == Verb::VmRestore || c.verb == Verb::VmClone))
    return bad("vm " + std::string(c.verb == Verb::VmSnapshot ? "snapshot" : c.verb == Verb::VmRestore ? "restore" : "clone") +
               " " + c.name + ": since its migration it runs in process " + std::to_string(lab.extra(c.name).host_pid) +
               ", which holds its RAM");
  if (vm->backend && (c.verb == Verb::VmSnapshot || c.verb == Verb::VmRestore || c.verb == Verb::VmClone))
    return bad("vm " + std::string(c.verb == Verb::VmSnapshot ? "snapshot" : c.verb == Verb::VmRestore ? "restore" : "clone") +
               " " + c.name + ": the kvm backend keeps the CPU state in the kernel; snapshots and clones need --backend interp");
  using emulator::VmState;
  switch (c.verb) {
    case Verb::VmStart:
      if (vm->state != VmState::Created && vm->state != VmState::Paused)
        return bad("vm start " + c.name + ": it is " + emulator::vm_state_name(vm->state));
      lab.host.start(*vm);
      return {};
    case Verb::VmPause:
      if (vm->state != VmState::Running) return bad("vm pause " + c.name + ": it is " + emulator::vm_state_name(vm->state));
      lab.host.pause(*vm);
      return {};
    case Verb::VmStop: vm->state = VmState::Halted; return {};
    case Verb::VmKill:
      lab.end_remote_vm(*vm);  // a migrated VM's process ends with it
      vm->state = VmState::Exited;
      vm->exit_code = 137;  // 128 + SIGKILL, as a killed QEMU process reports
      return {};
    case Verb::VmType: lab.extra(c.name).pending_input += c.arg; return {};
    case Verb::VmSnapshot:
      try {
        emulator::save_snapshot(*vm->machine, c.arg);
      } catch (const emulator::SnapshotError& e) {
        return bad(std::string("vm snapshot: ") + e.what());
      }
      return {};
    case Verb::VmRestore:
      try {
        lab.replace_machine(*vm, emulator::restore_snapshot(c.arg));
      } catch (const emulator::SnapshotError& e) {
        return bad(std::string("vm restore: ") + e.what());
      }
      if (vm->state != VmState::Running) vm->state = VmState::Paused;
      return {};
    case Verb::VmClone: {
      VmState state = vm->state;
      std::string console = vm->console;
      if (auto problem = lab.add_vm_with_machine(c.arg, emulator::clone_machine(*vm->machine), vm->weight, lab.extra(c.name).image))
        return bad("vm clone: " + *problem);
      emulator::Vm* clone = lab.find_vm(c.arg);
      clone->state = state;
      clone->console = console;
      return {};
    }
    default: return bad("internal: not a vm command");
  }
}

Outcome run_ctr(Lab& lab, const Command& c, std::ostream& out) {
  if (c.verb == Verb::CtrRun) {
    containers::ContainerSpec spec;
    spec.name = c.name;
    spec.hostname = c.hostname;
    spec.cmd = c.cmd;
    spec.memory_max = c.memory_max;
    spec.pids_max = c.pids_max;
    spec.cpu_weight = c.cpu_weight;
    spec.cpus = c.cpus;
    spec.network = c.network;
    if (auto problem = lab.run_container(c.image, spec, c.input)) return bad("ctr run: " + *problem);
    // The kernel refused the program: the container exists, failed, and
    // says why, as `docker run` prints the runtime's error.
    const LabContainer* lc = lab.containers().back().get();
    if (lc->state == containers::ContainerState::Failed) out << "ctr run " << lc->c.name << ": " << lc->error << "\n";
    return {};
  }
  if (c.verb == Verb::CtrLogs) {
    const LabContainer* lc = lab.find_container(c.name);
    if (!lc) return bad("no container named '" + c.name + "'");
    out << lc->logs;
    if (!lc->logs.empty() && lc->logs.back() != '\n') out << '\n';
    return {};
  }
  char line[256];
  std::snprintf(line, sizeof line, "%-16s %-12s %-8s %-6s %s\n", "NAME", "IMAGE", "STATE", "PID", "COMMAND");
  out << line;
  for (const auto& lc : lab.containers()) {
    std::string cmd;
    for (const auto& a : lc->cmd) cmd += (cmd.empty() ? "" : " ") + a;
    std::string state = lc->state == containers::ContainerState::Failed ? "failed(" + std::to_string(lc->c.exit_code) + ")"
                        : lc->c.exited ? "exited(" + std::to_string(lc->c.exit_code) + ")" : "running";
    std::snprintf(line, sizeof line, "%-16s %-12s %-8s %-6d %s\n", lc->c.name.c_str(), lc->c.image.c_str(), state.c_str(),
                  lc->c.init_host_pid, cmd.c_str());
    out << line;
  }
  return {};
}

// ctr exec|stop|kill|rm|stats|images|commit (Lab's verbs) and host bug.
Outcome run_ctr_verb(Lab& lab, const Command& c, std::ostream& out) {
  std::optional<std::string> problem;
  const std::string what = c.verb == Verb::CtrExec ? "ctr exec" : c.verb == Verb::CtrStop ? "ctr stop"
                           : c.verb == Verb::CtrKill ? "ctr kill" : c.verb == Verb::CtrRm ? "ctr rm"
                           : c.verb == Verb::CtrCommit ? "ctr commit" : "ctr stats";
  char line[256];
  switch (c.verb) {
    case Verb::CtrExec: problem = lab.exec_container(c.name, c.cmd); break;
    case Verb::CtrStop: problem = lab.stop_container(c.name, c.duration_ns); break;
    case Verb::CtrKill: problem = lab.kill_container(c.name, c.signal); break;
    case Verb::CtrRm: problem = lab.rm_container(c.name, c.force); break;
    case Verb::CtrCommit: problem = lab.commit_container(c.name, c.arg); break;
    case Verb::CtrStats: {
      if (!c.name.empty() && !lab.find_container(c.name)) return bad("ctr stats: no container named '" + c.name + "'");
      std::snprintf(line, sizeof line, "%-16s %-8s %14s %12s %12s %8s %9s\n", "NAME", "STATE", "MEMORY.CURRENT",
                    "PIDS.CURRENT", "UPPER-BYTES", "COPY-UPS", "WHITEOUTS");
      out << line;
      ProbeReader read = probe_reader(lab);
      for (const auto& lc : lab.containers()) {
        if (!c.name.empty() && lc->c.name != c.name) continue;
        auto probe = [&](const std::string& field) {
          std::string error;
          auto v = read("ctr." + lc->c.name + "." + field, error);
          return v ? format_value(*v) : std::string("-");
        };
        std::snprintf(line, sizeof line, "%-16s %-8s %14s %12s %12s %8s %9s\n", lc->c.name.c_str(),
                      containers::state_name(lc->state), probe("memory.current").c_str(),
                      probe("pids.current").c_str(), probe("upper_bytes").c_str(), probe("copy_ups").c_str(),
                      probe("whiteouts").c_str());
        out << line;
      }
      return {};
    }
    case Verb::CtrImages: {
      std::snprintf(line, sizeof line, "%-24s %6s %12s  %s\n", "IMAGE", "LAYERS", "BYTES", "TOP LAYER");
      out << line;
      for (const containers::ImageInfo& image : lab.images()) {
        const auto& top = image.layers.back();
        std::snprintf(line, sizeof line, "%-24s %6zu %12llu  %.19s %s\n", image.name.c_str(), image.layers.size(),
                      (unsigned long long)image.bytes, top->id.c_str(), top->created_by.c_str());
        out << line;
      }
      out << "layer store: " << lab.kernel.layers.layers().size() << " layers, " << lab.kernel.layers.bytes()
          << " bytes (each layer once)\n";
      return {};
    }
    case Verb::HostBug:
      if (c.arg == "oops") {
        if (lab.kernel.faults.dead) return bad("host bug oops: the container kernel is dead already");
        int killed = containers::fault_oops(lab.kernel);
        out << "container kernel: oops, " << killed << " processes killed, kernel dead and tainted\n";
      } else {
        containers::fault_set_cow_bug(lab.kernel, c.arg == "cow on");
        out << "container kernel: the COW bug is " << (c.arg == "cow on" ? "on" : "off") << "\n";
      }
      return {};
    default: return bad("internal: not a ctr verb");
  }
  if (problem) return bad(what + ": " + *problem);
  return {};
}

// vm step, vm break, ctr step, ctr break: the debugger (debugger.h) prints where it
// stopped. A step that did not get there is a failed check (1); one that
// cannot start (no such VM, not running) a bad command (2).
Outcome run_debug(Lab& lab, const Command& c, std::ostream& out) {
  if (c.verb == Verb::VmBreak) {
    if (auto problem = add_breakpoint(lab, c.name, c.breakpoint)) return bad("vm break: " + *problem);
    out << c.name << ": breakpoint " << describe(c.breakpoint) << "\n";
    return {};
  }
  if (c.verb == Verb::VmBreakClear) {
    if (!lab.find_vm(c.name)) return bad("vm break: no VM named '" + c.name + "'");
    out << c.name << ": " << clear_breakpoints(lab, c.name) << " breakpoints cleared\n";
    return {};
  }
  if (c.verb == Verb::CtrBreak) {
    if (auto problem = add_container_breakpoint(lab, c.name, c.breakpoint)) return bad("ctr break: " + *problem);
    out << c.name << ": breakpoint " << describe(c.breakpoint) << "\n";
    return {};
  }
  if (c.verb == Verb::CtrBreakClear || c.verb == Verb::CtrBreakList) {
    if (!lab.find_container(c.name)) return bad("ctr break: no container named '" + c.name + "'");
    if (c.verb == Verb::CtrBreakClear) {
      out << c.name << ": " << clear_container_breakpoints(lab, c.name) << " breakpoints cleared\n";
      return {};
    }
    const std::vector<Breakpoint>& bps = container_breakpoints_of(lab, c.name);
    out << c.name << ": " << bps.size() << " breakpoints" << (bps.empty() ? "" : ":");
    for (const Breakpoint& b : bps) out << " " << describe(b) << (&b == &bps.back() ? "" : ",");
    out << "\n";
    return {};
  }
  StepResult r = c.verb == Verb::VmStep              ? step_vm(lab, c.name, c.step)
                 : c.step == StepKind::Breakpoint    ? continue_container(lab, c.name)
                                                     : step_container(lab, c.name, c.syscall_nr);
  if (r.status == StepStatus::Refused) return bad(std::string(c.verb == Verb::VmStep ? "vm" : "ctr") + " step: " + r.message);
  out << r.message << "\n";
  if (r.status == StepStatus::Budget) return {Status::CheckFailed, r.message, {}};
  return {};
}

Outcome run_host_ps(Lab& lab, std::ostream& out) {
  char line[256];
  std::snprintf(line, sizeof line, "%-4s %-16s %-10s %s\n", "KIND", "NAME", "STATE", "DETAIL");
  out << line;
  for (const auto& vm : lab.host.vms()) {
    std::string detail = "weight " + std::to_string(vm->weight) + ", " + std::to_string(vm->machine->config.ram_bytes >> 20) +
                         "M, " + std::to_string(vm->machine->cpu.s.insns) + " insns, " +
                         std::to_string(vm->machine->exits.exits) + " exits";
    std::snprintf(line, sizeof line, "%-4s %-16s %-10s %s\n", "vm", vm->name.c_str(), emulator::vm_state_name(vm->state),
                  detail.c_str());
    out << line;
  }
  for (const auto& lc : lab.containers()) {
    std::string detail = "host pid " + std::to_string(lc->c.init_host_pid) + ", image " + lc->c.image;
    std::snprintf(line, sizeof line, "%-4s %-16s %-10s %s\n", "ctr", lc->c.name.c_str(),
                  containers::state_name(lc->state), detail.c_str());
    out << line;
  }
  // The container kernel's process table as the host sees it: every
  // container's processes are host processes, each with a host PID and a
  // PID inside its container's namespace.
  if (lab.kernel.processes().empty()) return {};
  std::snprintf(line, sizeof line, "\n%-8s %-16s %-8s %-5s %s\n", "HOST-PID", "CONTAINER", "CTR-PID", "STATE", "COMMAND");
  out << line;
  for (const auto& [pid, p] : lab.kernel.processes()) {
    std::string cmd;
    for (const auto& a : p->argv) cmd += (cmd.empty() ? "" : " ") + a;
    if (cmd.empty()) cmd = p->comm;
    std::snprintf(line, sizeof line, "%-8d %-16s %-8d %-5c %s\n", p->host_pid(),
                  p->container.empty() ? "-" : p->container.c_str(), p->pid(), p->state_letter(), cmd.c_str());
    out << line;
  }
  return {};
}

// One line per cgroup, depth first, children by name: the tree under
// /sys/fs/cgroup with what each cgroup uses and may use.
void print_cgroup(Lab& lab, containers::Cgroup& cg, std::ostream& out) {
  auto file = [&](const char* name) {
    auto text = containers::cgroup_read(lab.kernel, cg, name);
    return text ? containers::cgroup_trim(*text) : std::string("-");
  };
  char line[256];
  std::snprintf(line, sizeof line, "%-24s %5zu %12s %9s %14s %11s\n", cg.path().c_str(), cg.procs.size(),
                file("pids.current").c_str(), file("pids.max").c_str(), file("memory.current").c_str(),
                file("memory.max").c_str());
  out << line;
  for (auto& [name, child] : cg.children)
    if (!child->removed) print_cgroup(lab, *child, out);
}

Outcome run_host_cgroups(Lab& lab, std::ostream& out) {
  char line[256];
  std::snprintf(line, sizeof line, "%-24s %5s %12s %9s %14s %11s\n", "CGROUP", "PROCS", "PIDS.CURRENT", "PIDS.MAX",
                "MEMORY.CURRENT", "MEMORY.MAX");
  out << line;
  print_cgroup(lab, *lab.kernel.cgroups.root, out);
  return {};
}

}  // namespace

Outcome run_command(Lab& lab, const Command& c, std::ostream& out) {
  ProbeReader read = probe_reader(lab);
  switch (c.verb) {
    case Verb::Nothing: return {};
    case Verb::VmCreate: case Verb::VmStart: case Verb::VmPause: case Verb::VmStop: case Verb::VmKill:
    case Verb::VmType: case Verb::VmSnapshot: case Verb::VmRestore: case Verb::VmClone:
      return run_vm(lab, c);
    case Verb::VmMigrate: return run_migrate(lab, c, out);
    case Verb::CtrRun: case Verb::CtrPs: case Verb::CtrLogs: return run_ctr(lab, c, out);
    case Verb::VmStep: case Verb::VmBreak: case Verb::VmBreakClear: case Verb::CtrStep:
    case Verb::CtrBreak: case Verb::CtrBreakClear: case Verb::CtrBreakList: return run_debug(lab, c, out);
    case Verb::HostPs: return run_host_ps(lab, out);
    case Verb::HostCgroups: return run_host_cgroups(lab, out);
    case Verb::CtrExec: case Verb::CtrStop: case Verb::CtrKill: case Verb::CtrRm: case Verb::CtrStats:
    case Verb::CtrImages: case Verb::CtrCommit: case Verb::HostBug:
      return run_ctr_verb(lab, c, out);
    case Verb::Wait: {
      for (uint64_t t = 0; t < c.duration_ns; t += kRoundNs)
        if (!lab.run_round()) {
          // Nothing runs: the rest of the time passes with no change.
          if (t + kRoundNs < c.duration_ns) lab.pass_idle_time(c.duration_ns - t - kRoundNs);
          break;
        }
      return {};
    }
    case Verb::WaitUntil: {
      bool progressed = true;
      for (uint64_t t = 0;; t += kRoundNs) {
        CheckResult r = check_expr(*c.expr, read);
        if (r.holds) return {Status::Ok, "", r.seen};
        // A probe that cannot be read (no such VM) will not start to exist
        // by waiting: fail now, as a check.
        if (!r.error.empty()) return {Status::CheckFailed, "wait until " + c.expr_text + ": " + r.error, r.seen};
        if (t >= c.duration_ns)
          return {Status::CheckFailed,
                  "wait until " + c.expr_text + ": still false after " + fmt_duration(c.duration_ns) + " (" + format_seen(r.seen) + ")",
                  r.seen};
        if (!progressed)
          return {Status::CheckFailed,
                  "wait until " + c.expr_text + ": false, and nothing is left running (" + format_seen(r.seen) + ")", r.seen};
        progressed = lab.run_round();
      }
    }
    case Verb::Expect: {
      CheckResult r = check_expr(*c.expr, read);
      if (r.holds) return {Status::Ok, "", r.seen};
      std::string why = r.error.empty() ? "false (" + format_seen(r.seen) + ")" : r.error;
      return {Status::CheckFailed, "expect " + c.expr_text + ": " + why, r.seen};
    }
    case Verb::Show: {
      EvalResult r = eval_expr(*c.expr, read);
      if (!r.value) return bad("show " + c.expr_text + ": " + r.error);
      out << c.expr_text << " = " << format_value(*r.value) << "\n";
      return {};
    }
  }
  return bad("internal: unknown command");
}

int run_script(Lab& lab, const std::string& text, const std::string& name, std::ostream& out, std::ostream& err) {
  std::vector<std::pair<size_t, Command>> commands;
  std::istringstream in(text);
  std::string line;
  for (size_t n = 1; std::getline(in, line); n++) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    ParsedCommand p = parse_command(line);
    if (!p.command) {
      err << name << ":" << n << ": " << p.error << "\n";
      return 2;
    }
    if (p.command->verb != Verb::Nothing) commands.emplace_back(n, std::move(*p.command));
  }
  for (const auto& [n, c] : commands) {
    Outcome o = run_command(lab, c, out);
    if (o.status != Status::Ok) {
      out.flush();
      err << name << ":" << n << ": " << o.message << "\n";
      return int(o.status);
    }
  }
  return 0;
}

}  // namespace isolab::lab
