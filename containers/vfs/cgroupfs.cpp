// cgroupfs: cgroups as directories and files (cgroupfs.h).
#include "containers/vfs/cgroupfs.h"

#include "containers/kernel.h"
#include "containers/linux_abi.h"

namespace isolab::containers::vfs {

using namespace linux_abi;

namespace {

InodePtr cgroup_dir(Kernel& k, Cgroup* cg);

// One interface file: read-only (0444) or writable (0644) as its table says.
InodePtr cgroup_file_inode(Kernel& k, Cgroup* cg, const CgroupFile& f) {
  auto i = make_file(nullptr, f.write ? 0644 : 0444);
  std::string name = f.name;
  i->generate = [&k, cg, name](const Process& viewer) {
    auto r = cgroup_read(k, *cg, name, &viewer);
    return r ? *r : std::string();
  };
  if (f.write)
    i->store = [&k, cg, name](const Process& writer, const std::string& text) {
      return int32_t(cgroup_write(k, *cg, name, text, &writer));
    };
  return i;
}

InodePtr cgroup_dir(Kernel& k, Cgroup* cg) {
  auto d = make_dir(0755);
  d->list = [cg](const Process&) {
    std::vector<std::string> names;
    for (const CgroupFile* f : cgroup_files(*cg)) names.push_back(f->name);
    for (auto& [name, child] : cg->children) names.push_back(name);
    return names;
  };
  d->lookup = [&k, cg](const Process&, const std::string& name) -> InodePtr {
    auto it = cg->children.find(name);
    if (it != cg->children.end()) return cgroup_dir(k, it->second);
    const CgroupFile* f = cgroup_file(*cg, name);
    return f ? cgroup_file_inode(k, cg, *f) : nullptr;
  };
  d->make_child = [&k, cg](const Process&, const std::string& name) -> int32_t {
    auto r = cgroup_mkdir(k, *cg, name);
    return r ? 0 : -r.code();
  };
  d->remove_child = [&k, cg](const Process&, const std::string& name) -> int32_t {
    auto it = cg->children.find(name);
    if (it == cg->children.end()) return cgroup_file(*cg, name) ? -LINUX_ENOTDIR : -LINUX_ENOENT;
    return int32_t(cgroup_rmdir(k, *it->second));
  };
  return d;
}

}  // namespace

InodePtr make_cgroupfs(Kernel& k) { return cgroup_dir(k, k.cgroups.root); }

}  // namespace isolab::containers::vfs
