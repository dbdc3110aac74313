// Image layers: freezing, digests, the layer store (layer.h).
#include "containers/layer.h"

#include "containers/sha256.h"

namespace isolab::containers {

namespace {

char type_letter(const vfs::Inode& in) {
  switch (in.type) {
    case vfs::InodeType::Dir: return 'd';
    case vfs::InodeType::File: return 'f';
    case vfs::InodeType::Symlink: return 'l';
    case vfs::InodeType::CharDev: return 'c';
  }
  return '?';
}

// A tar-like record per entry (path, type, mode, owner, device, extended
// attributes, size, contents), depth first in name order.
void digest_tree(Sha256& h, const vfs::Inode& dir, const std::string& path) {
  for (const auto& [name, e] : dir.entries) {
    std::string p = path + "/" + name;
    std::string header = p + '\0' + type_letter(*e) + std::to_string(e->mode) + '\0' + std::to_string(e->uid) + ':' +
                         std::to_string(e->gid) + '\0' + std::to_string(int(e->device));
    for (const auto& [k, v] : e->xattrs) header += '\0' + k + '=' + v;
    header += '\0' + std::to_string(e->type == vfs::InodeType::Dir ? 0 : e->data->size()) + '\0';
    h.update(header);
    if (e->type == vfs::InodeType::Dir) digest_tree(h, *e, p);
    else if (!e->data->empty()) h.update(e->data->data(), e->data->size());
  }
}

void freeze(vfs::Inode& in, Layer& l) {
  in.frozen = true;
  l.inodes++;
  if (in.type == vfs::InodeType::File || in.type == vfs::InodeType::Symlink) l.bytes += in.data->size();
  for (auto& [name, e] : in.entries) freeze(*e, l);
}

}  // namespace

std::string tree_digest(const vfs::Inode& root) {
  Sha256 h;
  digest_tree(h, root, "");
  return "sha256:" + h.hex();
}

LayerPtr make_layer(vfs::InodePtr root, std::string created_by) {
  auto l = std::make_shared<Layer>();
  l->id = tree_digest(*root);
  freeze(*root, *l);
  l->root = std::move(root);
  l->created_by = std::move(created_by);
  return l;
}

LayerPtr LayerStore::intern(LayerPtr layer) {
  auto [it, added] = layers_.emplace(layer->id, layer);
  return it->second;
}

LayerPtr LayerStore::find(const std::string& id) const {
  auto it = layers_.find(id);
  return it == layers_.end() ? nullptr : it->second;
}

uint64_t LayerStore::bytes() const {
  uint64_t n = 0;
  for (const auto& [id, l] : layers_) n += l->bytes;
  return n;
}

void LayerStore::prune() {
  for (auto it = layers_.begin(); it != layers_.end();) {
    if (it->second.use_count() == 1) it = layers_.erase(it);
    else ++it;
  }
}

}  // namespace isolab::containers
