// The overlay file system: merged directories, copy-up, whiteouts, opaque
// directories (overlay.h; Linux's fs/overlayfs/{namei,readdir,copy_up,dir}.c).
#include "containers/vfs/overlay.h"

#include <algorithm>
#include <set>

#include "containers/linux_abi.h"

namespace isolab::containers::vfs {

using namespace linux_abi;

namespace {

constexpr const char* kOpaque = "trusted.overlay.opaque";

InodePtr make_whiteout() { return make_device(Device::Whiteout, 0); }

// A merged directory: the upper layer's directory of this path (once it
// has been copied up or made) and the lower layers' directories of this
// path, top first, down to the first opaque one.
class OverlayDir final : public DirOps {
 public:
  std::shared_ptr<Overlay> ov;
  std::weak_ptr<Inode> self;
  InodePtr parent;  // the merged parent directory; null for the root
  std::string name;
  InodePtr upper;
  std::vector<InodePtr> lowers;
  // Merged subdirectories looked up and still in use, so that everyone
  // holding one (a working directory, an open directory) sees its copy-up.
  std::map<std::string, std::weak_ptr<Inode>> children;
  bool dead = false;  // removed or replaced: a deleted working directory

  InodePtr lookup(const std::string& name) override;
  std::vector<std::string> names() override;
  int32_t add(const std::string& name, InodePtr child) override;
  int32_t remove(const std::string& name) override;
  ErrorOr<InodePtr> writable(const std::string& name, bool with_data) override;
  int32_t rename(const std::string& name, Inode& to, const std::string& to_name) override;
  int32_t set_attr(uint32_t mode, uint32_t uid, uint32_t gid, uint64_t mtime_ns) override;

  std::string path() const;
  // Make this directory (and every one above it) exist in the upper layer.
  int32_t copy_up_self();
  // Does a lower layer have a visible entry `name` here?
  bool lower_has(const std::string& name) const;
  void forget_child(const std::string& name);
};

OverlayDir* node_of(const Inode& in) { return dynamic_cast<OverlayDir*>(in.ops.get()); }

InodePtr make_node(std::shared_ptr<Overlay> ov, InodePtr parent, std::string name, InodePtr upper,
                   std::vector<InodePtr> lowers) {
  auto in = std::make_shared<Inode>();
  const Inode& top = upper ? *upper : *lowers.front();
  in->type = InodeType::Dir;
  in->ino = top.ino;  // the inode number stays the same across copy-up, as with overlayfs's xino
  in->mode = top.mode;
  in->uid = top.uid;
  in->gid = top.gid;
  in->mtime_ns = top.mtime_ns;
  auto d = std::make_shared<OverlayDir>();
  d->ov = std::move(ov);
  d->self = in;
  d->parent = std::move(parent);
  d->name = std::move(name);
  d->upper = std::move(upper);
  d->lowers = std::move(lowers);
  in->ops = d;
  auto m = d->ov->mounts.find(d->path());
  if (m != d->ov->mounts.end()) in->mounted = m->second;
  return in;
}

std::string OverlayDir::path() const {
  if (!parent) return "/";
  std::string above = node_of(*parent)->path();
  return (above == "/" ? "" : above) + "/" + name;
}

bool OverlayDir::lower_has(const std::string& n) const {
  for (const InodePtr& l : lowers) {
    auto it = l->entries.find(n);
    if (it != l->entries.end()) return !it->second->whiteout();
  }
  return false;
}

void OverlayDir::forget_child(const std::string& n) {
  auto it = children.find(n);
  if (it == children.end()) return;
  if (InodePtr c = it->second.lock()) node_of(*c)->dead = true;
  children.erase(it);
}

InodePtr OverlayDir::lookup(const std::string& n) {
  if (dead) return nullptr;
  InodePtr upper_dir;
  std::vector<InodePtr> lower_dirs;
  bool below = true;  // may lower layers still contribute?
  if (upper) {
    auto it = upper->entries.find(n);
    if (it != upper->entries.end()) {
      const InodePtr& e = it->second;
      if (e->whiteout()) return nullptr;
      if (e->type != InodeType::Dir) return e;
      upper_dir = e;
      below = !e->opaque();
    }
  }
  for (size_t i = 0; below && i < lowers.size(); i++) {
    auto it = lowers[i]->entries.find(n);
    if (it == lowers[i]->entries.end()) continue;
    const InodePtr& e = it->second;
    if (e->whiteout()) break;
    if (e->type != InodeType::Dir) {
      if (!upper_dir && lower_dirs.empty()) return e;  // a lower file, shared and frozen
      break;  // a file below a directory is hidden by it
    }
    lower_dirs.push_back(e);
    below = !e->opaque();
  }
  if (!upper_dir && lower_dirs.empty()) return nullptr;
  auto cached = children.find(n);
  if (cached != children.end()) {
    if (InodePtr c = cached->second.lock(); c && node_of(*c)->upper == upper_dir) return c;
  }
  InodePtr node = make_node(ov, self.lock(), n, upper_dir, std::move(lower_dirs));
  children[n] = node;
  return node;
}

std::vector<std::string> OverlayDir::names() {
  std::set<std::string> seen, shown;
  if (dead) return {};
  auto merge = [&](const Inode& layer) {
    for (const auto& [n, e] : layer.entries)
      if (seen.insert(n).second && !e->whiteout()) shown.insert(n);
  };
  if (upper) merge(*upper);
  if (!upper || !upper->opaque())
    for (const InodePtr& l : lowers) merge(*l);
  return {shown.begin(), shown.end()};
}

int32_t OverlayDir::copy_up_self() {
  if (dead) return -LINUX_ENOENT;
  if (upper) return 0;
  OverlayDir* p = node_of(*parent);
  if (int32_t r = p->copy_up_self()) return r;
  const Inode& top = *lowers.front();
  InodePtr u = make_dir(top.mode);
  u->ino = top.ino;
  u->mtime_ns = top.mtime_ns;
  u->uid = top.uid;
  u->gid = top.gid;
  u->xattrs = top.xattrs;
  p->upper->entries[name] = u;
  upper = std::move(u);
  ov->copy_ups++;
  return 0;
}

int32_t OverlayDir::add(const std::string& n, InodePtr child) {
  if (int32_t r = copy_up_self()) return r;
  // A directory made where a lower entry was deleted must not show the
  // lower one's contents.
  if (child->type == InodeType::Dir && lower_has(n)) child->xattrs[kOpaque] = "y";
  forget_child(n);
  upper->entries[n] = std::move(child);  // replaces a whiteout, if there was one
  return 0;
}

int32_t OverlayDir::remove(const std::string& n) {
  if (int32_t r = copy_up_self()) return r;
  bool below = lower_has(n);
  upper->entries.erase(n);
  if (below) {
    upper->entries[n] = make_whiteout();
    ov->whiteouts++;
  }
  forget_child(n);
  return 0;
}

ErrorOr<InodePtr> OverlayDir::writable(const std::string& n, bool with_data) {
  InodePtr e = lookup(n);
  if (!e) return make_error(LINUX_ENOENT);
  if (OverlayDir* d = node_of(*e)) {
    if (int32_t r = d->copy_up_self()) return make_error(-r);
    return e;
  }
  if (!e->frozen) return e;  // already in the upper layer
  if (int32_t r = copy_up_self()) return make_error(-r);
  auto u = std::make_shared<Inode>(*e);
  u->frozen = false;
  bool copy = with_data || e->type != InodeType::File;
  u->data = copy ? std::make_shared<Bytes>(*e->data) : std::make_shared<Bytes>();
  upper->entries[n] = u;
  ov->copy_ups++;
  return InodePtr(u);
}

int32_t OverlayDir::rename(const std::string& n, Inode& to, const std::string& to_name) {
  OverlayDir* dst = node_of(to);
  if (!dst || dst->ov != ov) return -LINUX_EXDEV;
  InodePtr src = lookup(n);
  if (!src) return -LINUX_ENOENT;
  OverlayDir* moving_dir = node_of(*src);
  // A merged or lower directory would need redirect_dir; overlayfs says EXDEV.
  if (moving_dir && !moving_dir->lowers.empty()) return -LINUX_EXDEV;
  InodePtr moving;
  if (moving_dir) {
    moving = moving_dir->upper;
  } else {
    auto w = writable(n, true);
    if (!w) return -w.code();
    moving = *w;
  }
  if (int32_t r = copy_up_self()) return r;
  if (int32_t r = dst->copy_up_self()) return r;
  bool below = lower_has(n);
  upper->entries.erase(n);
  if (below) {
    upper->entries[n] = make_whiteout();
    ov->whiteouts++;
  }
  children.erase(n);
  dst->forget_child(to_name);
  if (moving->type == InodeType::Dir && dst->lower_has(to_name)) moving->xattrs[kOpaque] = "y";
  dst->upper->entries[to_name] = moving;
  if (moving_dir) {
    moving_dir->parent = dst->self.lock();
    moving_dir->name = to_name;
    dst->children[to_name] = src;
  }
  return 0;
}

int32_t OverlayDir::set_attr(uint32_t mode, uint32_t uid, uint32_t gid, uint64_t mtime_ns) {
  if (int32_t r = copy_up_self()) return r;
  InodePtr me = self.lock();
  for (Inode* in : {upper.get(), me.get()}) {
    if (!in) continue;
    in->mode = mode;
    in->uid = uid;
    in->gid = gid;
    in->mtime_ns = mtime_ns;
  }
  return 0;
}

}  // namespace

InodePtr make_overlay(std::shared_ptr<Overlay> overlay) {
  if (!overlay->upper) overlay->upper = make_dir(0755);
  std::vector<InodePtr> lowers = overlay->lowers;
  InodePtr upper = overlay->upper;
  return make_node(std::move(overlay), nullptr, "", std::move(upper), std::move(lowers));
}

std::shared_ptr<Overlay> overlay_of(const Inode& dir) {
  OverlayDir* d = node_of(dir);
  return d ? d->ov : nullptr;
}

uint64_t tree_bytes(const Inode& root) {
  uint64_t n = 0;
  for (const auto& [name, e] : root.entries) {
    if (e->type == InodeType::Dir) n += tree_bytes(*e);
    else if (e->type == InodeType::File || e->type == InodeType::Symlink) n += e->data->size();
  }
  return n;
}

}  // namespace isolab::containers::vfs
