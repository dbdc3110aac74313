// Container images: a directory tree of files that every container of the
// image starts from (DESIGN.md section 6). The bytes of each file are
// stored once and shared by every container until one of them writes the
// file (a copy-up, as an overlay's upper layer would take).
// Images: "minios" (miniOS's user programs in /bin) or a root file system
// read from a host directory. Lesson: "containers share image layers".
#pragma once
#include <string>

#include "containers/errors.h"
#include "containers/vfs/vfs.h"

namespace isolab::containers {

class Kernel;

struct Image {
  std::string name;
  vfs::InodePtr root;  // read-only by convention: containers get a copy of the tree
};

// An image of the regular files in host directory `bin_dir`, placed in
// /bin (how the miniOS programs become an image). ENOENT naming the
// directory if it cannot be read or holds no files.
ErrorOr<Image> image_from_bin_dir(const std::string& name, const std::string& bin_dir);
// An image of a whole host directory tree (a root file system), with
// symbolic links kept as links.
ErrorOr<Image> image_from_rootfs(const std::string& name, const std::string& dir);
// The "busybox" image: Debian's busybox-static:i386 unpacked in `dir` (as
// scripts/fetch-busybox leaves it, in $ISOLAB_CACHE or ~/.cache/isolab),
// with /bin/<applet> links to /bin/busybox for the applets the lessons use,
// as `busybox --install -s` would make them.
ErrorOr<Image> image_busybox(const std::string& dir);
// Where scripts/fetch-busybox leaves busybox's root file system.
std::string busybox_cache_dir();

// A container's own tree over `image`: the image's directories copied,
// its files' bytes shared, and /proc, /dev (null, zero), /tmp added.
vfs::InodePtr container_root(Kernel& k, const Image& image);

}  // namespace isolab::containers
