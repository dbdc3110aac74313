// The Containers panel: the containers as the one shared kernel sees them
// (DESIGN.md section 6). Four sections:
// - containers: image, state, init's host PID, host name, and the
//   debugger's stops: to its next system call, or "continue" to a system
//   call it has a breakpoint on (set in the Syscall log), with its
//   breakpoints;
// - the process tree of the whole kernel, each process with its PID at
//   every PID-namespace level (host first, as /proc/<pid>/status NSpid
//   lists them), so a container's init is PID 1 inside and something else
//   outside (pid_namespaces(7); lesson 5);
// - the namespace table: each process's PID and UTS namespace identities
//   (the inode numbers /proc/<pid>/ns/* show) and its host name (lesson 6);
// - the cgroup v2 tree with gauges: memory.current against memory.max,
//   pids.current against pids.max, the cpu controller's weight, usage and
//   cpu.max quota of the current period with throttling, and OOM kills
//   (lesson 7);
// - image layers: each image's read-only layers, stored once in the
//   kernel's layer store and shared by its containers, and each container's
//   upper layer with its copy-ups and whiteouts (lesson 8).
#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <string>

#include "containers/vfs/overlay.h"
#include "lab/debugger.h"

#include "ui/panels.h"

namespace isolab::ui {

namespace {

const char* proc_state(containers::ProcState s) {
  switch (s) {
    case containers::ProcState::Runnable: return "R";
    case containers::ProcState::Blocked:
    case containers::ProcState::Sleeping: return "S";
    case containers::ProcState::Zombie: return "Z";
    case containers::ProcState::Stopped: return "T";
  }
  return "?";
}

std::string pid_levels(const containers::Process& p) {
  std::string out;
  for (size_t k = 0; k < p.pids.size(); k++) out += (k ? " / " : "") + std::to_string(p.pids[k]);
  return out;
}

void gauge(double used, double max, const char* label_fmt, double label_used, double label_max, bool limited) {
  char label[64];
  if (limited) std::snprintf(label, sizeof label, label_fmt, label_used, label_max);
  else std::snprintf(label, sizeof label, "%.0f / max", label_used);
  ImGui::ProgressBar(limited && max > 0 ? float(used / max) : 0.0f, ImVec2(-1, 0), label);
}

void draw_process_tree(containers::Kernel& k) {
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_BordersInnerV;
  if (!ImGui::BeginTable("procs", 5, flags)) return;
  for (const char* h : {"process", "PIDs (host / inner)", "state", "container", "insns"}) ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  std::function<void(const containers::Process&, int)> row = [&](const containers::Process& p, int depth) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::Text("%*s%s", depth * 2, "", p.comm.c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(pid_levels(p).c_str());
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(proc_state(p.state));
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(p.container.empty() ? "(host)" : p.container.c_str());
    ImGui::TableNextColumn();
    ImGui::Text("%.2fM", double(p.user_insns) / 1e6);
    for (const containers::Process* c : p.children) row(*c, depth + 1);
  };
  for (const auto& [pid, p] : k.processes())
    if (!p->parent && !p->is_thread()) row(*p, 0);  // threads are not processes of their own
  ImGui::EndTable();
}

void draw_namespaces(containers::Kernel& k) {
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_BordersInnerV;
  if (!ImGui::BeginTable("ns", 5, flags)) return;
  for (const char* h : {"host PID", "process", "pid ns (level)", "uts ns", "hostname"}) ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  for (const auto& [pid, p] : k.processes()) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::Text("%d", pid);
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(p->comm.c_str());
    ImGui::TableNextColumn();
    if (p->ns.pid) ImGui::Text("pid:[%u] (%d)", p->ns.pid->id, p->ns.pid->level);
    ImGui::TableNextColumn();
    if (p->ns.uts) ImGui::Text("uts:[%u]", p->ns.uts->id);
    ImGui::TableNextColumn();
    if (p->ns.uts) ImGui::TextUnformatted(p->ns.uts->hostname.c_str());
  }
  ImGui::EndTable();
}

void draw_cgroup(containers::Kernel& k, containers::Cgroup& cg) {
  const std::string label = cg.is_root() ? "/sys/fs/cgroup" : cg.name;
  const ImGuiTreeNodeFlags flags = ImGuiTreeNodeFlags_DefaultOpen | (cg.children.empty() ? ImGuiTreeNodeFlags_Leaf : 0);
  if (!ImGui::TreeNodeEx(label.c_str(), flags, "%s  (%zu procs%s)", label.c_str(), cg.procs.size(),
                         cg.removed ? ", removed" : ""))
    return;
  const containers::PageCounter& mem = cg.memory.counter;
  const bool mem_limited = mem.max != containers::PageCounter::UNLIMITED;
  ImGui::Text("memory");
  ImGui::SameLine(90);
  gauge(double(mem.usage), double(mem.max), "%.0f KiB of %.0f KiB", double(mem.usage * 4), double(mem_limited ? mem.max * 4 : 0),
        mem_limited);
  const bool pids_limited = cg.pids.max != containers::PidsState::UNLIMITED;
  ImGui::Text("pids");
  ImGui::SameLine(90);
  gauge(double(cg.pids.current), double(cg.pids.max), "%.0f of %.0f", double(cg.pids.current), double(cg.pids.max),
        pids_limited);
  uint64_t insns = 0;
  for (int pid : cg.procs)
    if (const containers::Process* p = k.find_host_pid(pid)) insns += p->user_insns;
  const containers::CpuState& cpu = cg.cpu;
  ImGui::Text("cpu");
  ImGui::SameLine(90);
  if (cpu.quota_ns != containers::CpuState::NO_QUOTA) {
    // This period's use of the cpu.max quota; full means throttled.
    char label[96];
    std::snprintf(label, sizeof label, "%.1f of %.1f ms this period%s", double(cpu.period_used_ns) / 1e6,
                  double(cpu.quota_ns) / 1e6, cpu.throttled ? ": THROTTLED" : "");
    ImGui::ProgressBar(float(std::min(1.0, double(cpu.period_used_ns) / double(cpu.quota_ns))), ImVec2(-1, 0), label);
  } else {
    ImGui::Text("cpu.max: max");
  }
  ImGui::Text("cpu.weight %llu, usage %.1f ms, throttled %llu of %llu periods; %.2fM insns by its live processes",
              (unsigned long long)((cpu.shares * 100 + 512) / 1024), double(cpu.usage_ns) / 1e6,
              (unsigned long long)cpu.nr_throttled, (unsigned long long)cpu.nr_periods, double(insns) / 1e6);
  ImGui::Text("oom_kill %llu; pids.events max %llu", (unsigned long long)cg.memory.oom_kill,
              (unsigned long long)cg.pids.events_max);
  for (auto& [name, child] : cg.children) draw_cgroup(k, *child);
  ImGui::TreePop();
}

// Each image once with its layers (bottom first) and how many containers
// share them, then each container's own upper layer.
void draw_layers(Session& s) {
  containers::Kernel& k = s.lab.kernel;
  uint64_t store_bytes = 0;
  for (const auto& [id, layer] : k.layers.layers()) store_bytes += layer->bytes;
  ImGui::Text("layer store: %zu layers, %llu bytes, each stored once", k.layers.layers().size(),
              (unsigned long long)store_bytes);
  std::map<std::string, std::pair<const containers::Container*, int>> images;
  for (const auto& lc : s.lab.containers()) {
    auto& [first, users] = images[lc->c.image];
    if (!first) first = &lc->c;
    users++;
  }
  for (const auto& [image, use] : images) {
    if (!ImGui::TreeNodeEx(image.c_str(), ImGuiTreeNodeFlags_DefaultOpen, "%s: shared by %d container%s", image.c_str(),
                           use.second, use.second == 1 ? "" : "s"))
      continue;
    for (const auto& layer : use.first->rootfs.layers)
      ImGui::BulletText("%.19s  %8llu bytes  %s", layer->id.c_str(), (unsigned long long)layer->bytes,
                        layer->created_by.c_str());
    ImGui::TreePop();
  }
  const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_BordersInnerV;
  if (!ImGui::BeginTable("uppers", 4, flags)) return;
  for (const char* h : {"container", "upper layer bytes", "copy-ups", "whiteouts"}) ImGui::TableSetupColumn(h);
  ImGui::TableHeadersRow();
  for (const auto& lc : s.lab.containers()) {
    const auto& ov = lc->c.rootfs.overlay;
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::TextUnformatted(lc->c.name.c_str());
    ImGui::TableNextColumn();
    ImGui::Text("%llu", (unsigned long long)(ov ? containers::vfs::tree_bytes(*ov->upper) : 0));
    ImGui::TableNextColumn();
    ImGui::Text("%llu", (unsigned long long)(ov ? ov->copy_ups : 0));
    ImGui::TableNextColumn();
    ImGui::Text("%llu", (unsigned long long)(ov ? ov->whiteouts : 0));
  }
  ImGui::EndTable();
}

}  // namespace

void draw_containers(Session& s, PanelPlace p) {
  if (begin_panel("Containers", p)) {
    containers::Kernel& k = s.lab.kernel;
    ImGui::Text("%zu containers, %zu processes, one kernel: %llu syscalls, %llu context switches",
                s.lab.containers().size(), k.processes().size(), (unsigned long long)k.stats.syscalls,
                (unsigned long long)k.stats.context_switches);
    if (ImGui::CollapsingHeader("containers", ImGuiTreeNodeFlags_DefaultOpen)) {
      const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit;
      if (ImGui::BeginTable("ctrs", 6, flags)) {
        for (const char* h : {"name", "debugger", "image (layer)", "state", "init host PID", "hostname"}) ImGui::TableSetupColumn(h);
        ImGui::TableHeadersRow();
        for (const auto& lc : s.lab.containers()) {
          ImGui::TableNextRow();
          ImGui::TableNextColumn();
          ImGui::TextUnformatted(lc->c.name.c_str());
          ImGui::TableNextColumn();
          // The debugger's two container stops (lab/debugger.h), as
          // `ctr step NAME` and `ctr step NAME --to break` run them.
          ImGui::PushID(lc->c.name.c_str());
          if (!lc->c.exited) {
            if (ImGui::SmallButton("to syscall")) s.step_container(lc->c.name);
            const std::vector<lab::Breakpoint>& bps = lab::container_breakpoints_of(s.lab, lc->c.name);
            ImGui::SameLine();
            if (bps.empty()) {
              ImGui::TextDisabled("continue");
              if (ImGui::IsItemHovered()) ImGui::SetTooltip("no breakpoints: click a call in the Syscall log");
            } else if (ImGui::SmallButton("continue")) {
              s.continue_container(lc->c.name);
            }
            for (const lab::Breakpoint& b : bps) {
              ImGui::SameLine();
              ImGui::TextColored(ImVec4(1.0f, 0.5f, 0.5f, 1.0f), "[%s]", lab::describe(b).c_str());
            }
          }
          ImGui::PopID();
          ImGui::TableNextColumn();
          ImGui::Text("%s (shared, read-only)", lc->c.image.c_str());
          ImGui::TableNextColumn();
          if (lc->c.exited) ImGui::Text("exited(%d)", lc->c.exit_code);
          else ImGui::TextUnformatted("running");
          ImGui::TableNextColumn();
          ImGui::Text("%d", lc->c.init_host_pid);
          ImGui::TableNextColumn();
          ImGui::TextUnformatted(lc->c.hostname.c_str());
        }
        ImGui::EndTable();
      }
    }
    if (ImGui::CollapsingHeader("process tree", ImGuiTreeNodeFlags_DefaultOpen)) draw_process_tree(k);
    if (ImGui::CollapsingHeader("namespaces")) draw_namespaces(k);
    if (ImGui::CollapsingHeader("cgroups", ImGuiTreeNodeFlags_DefaultOpen)) draw_cgroup(k, *k.cgroups.root);
    if (ImGui::CollapsingHeader("image layers", ImGuiTreeNodeFlags_DefaultOpen)) draw_layers(s);
  }
  ImGui::End();
}

}  // namespace isolab::ui
