// Image layers and the kernel's layer store, as Docker's image store keeps
// them: a layer is a read-only directory tree named by the digest of its
// contents ("sha256:<hex>", the digest of a tar stream of the tree, as a
// layer's diff_id is); an image is an ordered list of layers; the store
// holds each layer once, however many images and containers use it, so the
// bytes of an image are counted once on a host with ten containers of it.
// A container adds its own upper layer over them (vfs/overlay.h); `commit`
// turns that upper layer into a new layer.
// Lesson: "containers share image layers".
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "containers/vfs/vfs.h"

namespace isolab::containers {

struct Layer {
  std::string id;          // "sha256:<64 hex digits>" of its contents
  vfs::InodePtr root;      // frozen: nothing ever changes it
  uint64_t bytes = 0;      // its files' contents and link targets
  uint64_t inodes = 0;     // entries in it, directories included
  std::string created_by;  // what made it: "load busybox", "commit web"
};
using LayerPtr = std::shared_ptr<const Layer>;

// Freeze the tree `root` into a layer (every inode marked frozen) and name
// it by its digest.
LayerPtr make_layer(vfs::InodePtr root, std::string created_by);
// The digest of a tree as make_layer computes it (to check that a stored
// layer is unchanged): paths in sorted order, each with its type, mode,
// extended attributes and contents.
std::string tree_digest(const vfs::Inode& root);

// The layers of one kernel, by id.
class LayerStore {
 public:
  // The stored layer with `layer`'s id: `layer` itself if it is new, else
  // the one already stored (its tree is then dropped: stored once).
  LayerPtr intern(LayerPtr layer);
  LayerPtr find(const std::string& id) const;
  const std::map<std::string, LayerPtr>& layers() const { return layers_; }
  // The bytes of every stored layer, each counted once.
  uint64_t bytes() const;
  // Forget layers that nothing outside the store uses any more.
  void prune();

 private:
  std::map<std::string, LayerPtr> layers_;
};

}  // namespace isolab::containers
