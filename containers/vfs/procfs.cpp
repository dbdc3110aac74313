// procfs: /proc computed from the process table (procfs.h).
#include "containers/vfs/procfs.h"

#include <cstdio>
#include <string>

#include "containers/ipc/ipc.h"
#include "containers/kernel.h"
#include "containers/ns/nsproxy.h"
#include "containers/net/net.h"

namespace isolab::containers::vfs {

namespace {

// A read-only file whose contents are computed at open.
InodePtr generated(std::function<std::string(const Process&)> fn, uint32_t mode = 0444) {
  auto i = make_file(nullptr, mode);
  i->generate = std::move(fn);
  return i;
}

InodePtr generated_link(std::function<std::string(const Process&)> fn) {
  auto i = make_symlink("");
  i->generate = std::move(fn);
  return i;
}

// A synthetic directory with a fixed list of names.
InodePtr fixed_dir(std::vector<std::string> names, std::function<InodePtr(const Process&, const std::string&)> lookup) {
  auto d = make_dir(0555);
  d->list = [names](const Process&) { return names; };
  d->lookup = std::move(lookup);
  return d;
}

std::string hex64(uint64_t v) {
  char buf[20];
  std::snprintf(buf, sizeof buf, "%016llx", (unsigned long long)v);
  return buf;
}

// "pid (comm) state ppid pgrp session tty_nr tpgid flags minflt cminflt
// majflt cmajflt utime stime cutime cstime priority nice num_threads
// itrealvalue starttime vsize rss", PIDs as `viewer` numbers them.
std::string stat_line(const Kernel& k, const Process& q, const Process& viewer) {
  const PidNamespace& ns = *viewer.ns.pid;
  const Process* parent = q.group_leader->parent;  // a thread's is its process's
  int ppid = parent ? parent->pid_in(ns) : 0;
  uint64_t ticks = q.user_insns * k.config.ns_per_insn / 10000000ull;  // USER_HZ = 100
  uint64_t start = q.start_ns / 10000000ull;
  uint32_t vsize = 0, rss = 0;
  if (q.mm) {
    for (const Vma& v : q.mm->areas()) vsize += v.end - v.start;
    rss = q.mm->resident_pages();
  }
  char buf[512];
  std::snprintf(buf, sizeof buf,
                "%d (%s) %c %d %d %d 0 -1 4194304 %llu 0 0 0 %llu 0 0 0 20 0 %zu 0 %llu %u %u\n",
                q.pid_in(ns), q.comm.c_str(), q.state_letter(), ppid, q.pgid, q.sid,
                (unsigned long long)q.min_faults, (unsigned long long)ticks, 1 + q.group_leader->threads.size(),
                (unsigned long long)start, vsize, rss);
  return buf;
}

// Resident memory as /proc/<pid>/status shows it: file pages (the page
// cache, shared with every process mapping the same file) and anonymous ones.
std::string rss_text(const Process& q) {
  if (!q.mm) return "";
  AddressSpace::Rss r = q.mm->rss();
  char buf[160];
  std::snprintf(buf, sizeof buf, "VmRSS:\t%8u kB\nRssAnon:\t%8u kB\nRssFile:\t%8u kB\nRssShmem:\t%8u kB\n",
                (r.anon + r.file) * 4, r.anon * 4, r.file * 4, 0u);
  return buf;
}

// IDs as the viewer's user namespace maps them; NSpid from the viewer's
// PID namespace down to the process's own (one PID per level).
std::string status_text(const Process& q, const Process& viewer) {
  const PidNamespace& ns = *viewer.ns.pid;
  std::string nspid;
  for (size_t i = size_t(ns.level); i < q.pids.size(); i++) nspid += "\t" + std::to_string(q.pids[i]);
  auto ids = [](uint32_t id) {
    std::string s = std::to_string(id);
    return s + "\t" + s + "\t" + s + "\t" + s + "\n";
  };
  const Process* parent = q.group_leader->parent;
  return "Name:\t" + q.comm + "\nState:\t" + q.state_letter() + "\nTgid:\t" + std::to_string(q.group_leader->pid_in(ns)) +
         "\nPid:\t" + std::to_string(q.pid_in(ns)) + "\nPPid:\t" + std::to_string(parent ? parent->pid_in(ns) : 0) +
         "\nUid:\t" + ids(ns::from_kuid(*viewer.ns.user, q.uid)) + "Gid:\t" + ids(ns::from_kuid(*viewer.ns.user, q.gid, true)) +
         "NSpid:" + nspid + "\nThreads:\t" + std::to_string(1 + q.group_leader->threads.size()) + "\nSigPnd:\t" + hex64(q.sigpending) + "\nSigBlk:\t" + hex64(q.sigmask) + "\n" + rss_text(q);
}

// /proc/<pid>/net: the network namespace's devices (net/dev), routes
// (net/route) and neighbours (net/arp), containers/net/.
InodePtr net_dir(Kernel& k, int host_pid) {
  return fixed_dir({"arp", "dev", "route"}, [&k, host_pid](const Process&, const std::string& name) -> InodePtr {
    std::string (*show)(const NetNamespace&) = name == "dev" ? net::proc_net_dev : name == "route" ? net::proc_net_route
                                               : name == "arp" ? net::proc_net_arp : nullptr;
    if (!show) return nullptr;
    return generated([&k, host_pid, show](const Process&) {
      const Process* q = k.find_host_pid(host_pid);
      return q ? show(*q->ns.net) : std::string();
    });
  });
}

InodePtr pid_dir(Kernel& k, int host_pid);

// /proc/<pid>/task: a directory per thread of the process, named by TID.
InodePtr task_dir(Kernel& k, int host_pid) {
  auto d = make_dir(0555);
  d->list = [&k, host_pid](const Process& viewer) {
    std::vector<std::string> names;
    const Process* q = k.find_host_pid(host_pid);
    if (!q) return names;
    const Process& g = *q->group_leader;
    if (g.state != ProcState::Zombie || g.threads.empty()) names.push_back(std::to_string(g.pid_in(*viewer.ns.pid)));
    for (const Process* t : g.threads) names.push_back(std::to_string(t->pid_in(*viewer.ns.pid)));
    return names;
  };
  d->lookup = [&k, host_pid](const Process& viewer, const std::string& name) -> InodePtr {
    const Process* q = k.find_host_pid(host_pid);
    if (!q || name.empty() || name.find_first_not_of("0123456789") != std::string::npos || name.size() > 9) return nullptr;
    const Process* t = k.find(*viewer.ns.pid, std::stoi(name));
    return t && t->group_leader == q->group_leader ? pid_dir(k, t->host_pid()) : nullptr;
  };
  return d;
}

// /proc/<pid>: looks the process up again on every access, so a file of a
// process that has gone is simply not there.
InodePtr pid_dir(Kernel& k, int host_pid) {
  auto with = [&k, host_pid](auto fn) {
    return [&k, host_pid, fn](const Process& viewer) -> std::string {
      const Process* q = k.find_host_pid(host_pid);
      return q ? fn(*q, viewer) : std::string();
    };
  };
  // /proc/<pid>/ns: a link per kind reading "kind:[id]"; following it
  // reaches the namespace's nsfs file (what setns(2) opens).
  std::vector<std::string> kinds;
  for (const ns::NsKind& kind : ns::kKinds) kinds.push_back(kind.name);
  auto ns_dir = fixed_dir(kinds, [&k, host_pid, with](const Process&, const std::string& name) -> InodePtr {
    if (const ns::NsKind* kind = ns::find_kind(name)) {
      std::string kind_name = kind->kind, file = kind->name;
      return generated_link(with([kind_name, file](const Process& q, const Process&) {
        return kind_name + ":[" + std::to_string(ns::identity(q, file)) + "]";
      }));
    }
    const Process* q = k.find_host_pid(host_pid);
    for (const ns::NsKind& kind : ns::kKinds)
      if (q && name == std::string(kind.kind) + ":[" + std::to_string(ns::identity(*q, kind.name)) + "]")
        return ns::nsfs_inode(kind.kind, ns::identity(*q, kind.name), ns::ns_object(*q, kind.name));
    return nullptr;
  });
  return fixed_dir({"cgroup", "cmdline", "comm", "exe", "gid_map", "mountinfo", "mounts", "net", "ns", "stat", "status",
                    "task", "timens_offsets", "uid_map"},
                   [&k, host_pid, with, ns_dir](const Process&, const std::string& name) -> InodePtr {
    if (name == "stat") return generated(with([&k](const Process& q, const Process& v) { return stat_line(k, q, v); }));
    if (name == "status") return generated(with(status_text));
    // cgroup v2 only: hierarchy 0, no controller list, the path from the
    // reader's cgroup namespace root.
    if (name == "cgroup")
      return generated(with([](const Process& q, const Process& v) {
        return "0::" + ns::cgroup_path_in(*v.ns.cgroup, q.cgroup) + "\n";
      }));
    if (name == "mounts") return generated(with([](const Process& q, const Process&) { return ns::proc_mounts(*q.ns.mnt); }));
    if (name == "mountinfo")
      return generated(with([](const Process& q, const Process&) { return ns::proc_mountinfo(*q.ns.mnt); }));
    if (name == "net") return net_dir(k, host_pid);
    if (name == "uid_map" || name == "gid_map") {
      bool gid = name == "gid_map";
      auto f = generated(with([gid](const Process& q, const Process&) {
        return ns::id_map_text(gid ? q.ns.user->gid_map : q.ns.user->uid_map);
      }), 0644);
      f->store = [&k, host_pid, gid](const Process& writer, const std::string& text) -> int32_t {
        Process* q = k.find_host_pid(host_pid);
        if (!q) return -3;  // ESRCH
        int32_t r = ns::write_id_map(*q->ns.user, writer, text, gid);
        if (r == 0) k.record(trace::Kind::Namespace, q, gid ? "gid_map" : "uid_map", q->ns.user->id);
        return r;
      };
      return f;
    }
    if (name == "timens_offsets") {
      // The offsets of the namespace the process's next children enter.
      auto f = generated(with([](const Process& q, const Process&) { return ns::timens_offsets_text(*q.ns.time_children()); }),
                         0644);
      f->store = [&k, host_pid](const Process& writer, const std::string& text) -> int32_t {
        Process* q = k.find_host_pid(host_pid);
        if (!q) return -3;  // ESRCH
        int32_t r = ns::write_timens_offsets(*q->ns.time_children(), writer, text);
        if (r == 0) k.record(trace::Kind::Namespace, q, "timens_offsets", q->ns.time_children()->id);
        return r;
      };
      return f;
    }
    if (name == "comm") return generated(with([](const Process& q, const Process&) { return q.comm + "\n"; }));
    if (name == "cmdline")
      return generated(with([](const Process& q, const Process&) {
        std::string s;
        for (const std::string& a : q.argv) s += a + '\0';
        return s;
      }));
    if (name == "exe") return generated_link(with([](const Process& q, const Process&) { return q.exe; }));
    if (name == "ns") return ns_dir;
    if (name == "task") return task_dir(k, host_pid);
    return nullptr;
  });
}

std::string meminfo(const Kernel& k) {
  uint64_t total = uint64_t(k.frames.total_frames()) * 4, free = uint64_t(k.frames.free_frames()) * 4;
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "MemTotal:       %8llu kB\nMemFree:        %8llu kB\nMemAvailable:   %8llu kB\n"
                "Buffers:               0 kB\nCached:         %8llu kB\nSwapTotal:             0 kB\n"
                "SwapFree:              0 kB\n",
                (unsigned long long)total, (unsigned long long)free, (unsigned long long)free,
                (unsigned long long)k.page_cache.pages() * 4);
  return buf;
}

// /proc/stat (proc(5)): the one CPU's time in USER_HZ (100 Hz) ticks,
// user for the instructions run and idle for the time skipped while every
// process slept; top(1) reads it for its CPU line.
std::string cpu_stat(const Kernel& k) {
  const uint64_t busy = k.cpu.s.insns * k.config.ns_per_insn / 10000000, all = k.now_ns() / 10000000;
  const uint64_t idle = all > busy ? all - busy : 0;
  char buf[160];
  std::snprintf(buf, sizeof buf, "cpu  %llu 0 0 %llu 0 0 0 0 0 0\ncpu0 %llu 0 0 %llu 0 0 0 0 0 0\n",
                (unsigned long long)busy, (unsigned long long)idle, (unsigned long long)busy,
                (unsigned long long)idle);
  return buf;
}

}  // namespace

InodePtr make_procfs(Kernel& k) {
  auto proc = make_dir(0555);
  proc->list = [&k](const Process& viewer) {
    std::vector<std::string> names;
    // Processes only: a thread's /proc/<tid> answers a lookup but is not listed.
    for (auto& [pid, q] : viewer.ns.pid->tasks)
      if (!q->is_thread()) names.push_back(std::to_string(pid));
    names.insert(names.end(), {"meminfo", "mounts", "net", "self", "stat", "sysvipc", "uptime"});
    return names;
  };
  proc->lookup = [&k](const Process& viewer, const std::string& name) -> InodePtr {
    if (name == "self") return generated_link([](const Process& v) { return std::to_string(v.tgid()); });
    if (name == "thread-self")
      return generated_link([](const Process& v) { return std::to_string(v.tgid()) + "/task/" + std::to_string(v.pid()); });
    // Linux's /proc/mounts and /proc/net are links into /proc/self.
    if (name == "mounts") return make_symlink("self/mounts");
    if (name == "net") return make_symlink("self/net");
    if (name == "meminfo") return generated([&k](const Process&) { return meminfo(k); });
    // /proc/sysvipc: the reader's IPC namespace's objects (ipc/ipc.h).
    if (name == "sysvipc")
      return fixed_dir({"msg", "sem", "shm"}, [&k](const Process&, const std::string& file) -> InodePtr {
        if (file == "shm") return generated([&k](const Process& v) { return ipc::proc_shm(k, *v.ns.ipc, v); });
        if (file == "sem") return generated([&k](const Process& v) { return ipc::proc_sem(k, *v.ns.ipc, v); });
        if (file == "msg") return generated([&k](const Process& v) { return ipc::proc_msg(k, *v.ns.ipc, v); });
        return nullptr;
      });
    if (name == "stat") return generated([&k](const Process&) { return cpu_stat(k); });
    if (name == "uptime")
      return generated([&k](const Process&) {
        char buf[64];
        double s = double(k.now_ns()) / 1e9;
        std::snprintf(buf, sizeof buf, "%.2f %.2f\n", s, s);
        return std::string(buf);
      });
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos || name.size() > 9) return nullptr;
    const Process* q = k.find(*viewer.ns.pid, std::stoi(name));
    return q ? pid_dir(k, q->host_pid()) : nullptr;
  };
  return proc;
}

}  // namespace isolab::containers::vfs
