// Container images: an ordered list of read-only layers (layer.h), the
// bottom one first, as `docker image inspect` lists RootFS.Layers. Every
// container of an image shares its layers (stored once in the kernel's
// layer store) and writes to an upper layer of its own over them, through
// an overlay (vfs/overlay.h) (DESIGN.md section 6).
// Images: "minios" (miniOS's user programs in /bin), "busybox" (Debian's
// busybox-static:i386, with a second layer of applet links as a Dockerfile's
// `RUN busybox --install -s` would add), a root file system read from a
// host directory, or a container's changes committed on top of its image.
// Lesson: "containers share image layers".
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "containers/errors.h"
#include "containers/layer.h"
#include "containers/vfs/overlay.h"
#include "containers/vfs/vfs.h"

namespace isolab::containers {

class Kernel;

struct Image {
  std::string name;              // "busybox", or "name:tag" for a committed one
  std::vector<LayerPtr> layers;  // bottom first
  uint64_t bytes() const;        // the sum of its layers' bytes
};

// A one-layer image of the tree `root` (which becomes frozen).
Image image_from_tree(const std::string& name, vfs::InodePtr root, const std::string& created_by);
// An image of the regular files in host directory `bin_dir`, placed in
// /bin (how the miniOS programs become an image). ENOENT naming the
// directory if it cannot be read or holds no files.
ErrorOr<Image> image_from_bin_dir(const std::string& name, const std::string& bin_dir);
// An image of a whole host directory tree (a root file system), with
// symbolic links kept as links.
ErrorOr<Image> image_from_rootfs(const std::string& name, const std::string& dir);
// The "busybox" image: Debian's busybox-static:i386 unpacked in `dir` (as
// scripts/fetch-busybox leaves it, in $ISOLAB_CACHE or ~/.cache/isolab),
// and a layer of /bin/<applet> links to /bin/busybox for the applets the
// lessons use, as `busybox --install -s` would make them.
ErrorOr<Image> image_busybox(const std::string& dir);
// Where scripts/fetch-busybox leaves busybox's root file system.
std::string busybox_cache_dir();

// The layer between an image and a container's upper layer, as Docker's
// "-init" layer: the mount points /proc and /sys/fs/cgroup, /dev with null
// and zero, and /tmp. The same for every container, so stored once.
LayerPtr init_layer();

// A container's root file system on kernel `k`.
struct RootFs {
  vfs::InodePtr root;                      // the merged root directory
  std::shared_ptr<vfs::Overlay> overlay;   // its layers and counters
  std::vector<LayerPtr> layers;            // the stored lower layers it uses, bottom first
};
// An overlay of `image`'s layers (interned in k.layers, so each is stored
// once) and the init layer, under a new empty upper layer, with procfs on
// /proc and the cgroup file system on /sys/fs/cgroup.
RootFs container_root(Kernel& k, const Image& image);

}  // namespace isolab::containers
