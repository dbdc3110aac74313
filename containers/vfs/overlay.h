// The overlay file system of a container's root, after Linux's overlayfs
// (Documentation/filesystems/overlayfs.rst).
//
// Read-only lower layers (the image's, shared by every container of the
// image) lie under one upper directory that belongs to the container. A
// lookup merges the layers top-down: the upper layer's entry wins, a
// directory present in several layers is one merged directory. Nothing
// below is ever changed:
//  - copy-up: the first change to a lower file (open for writing, truncate,
//    chmod, rename, link) copies it, and every directory above it, into the
//    upper layer, and the change goes there;
//  - whiteouts: deleting an entry that a lower layer has leaves a character
//    device 0/0 of that name in the upper layer, which hides it (and which
//    readdir does not show);
//  - opaque directories: a directory made where a lower one was deleted gets
//    trusted.overlay.opaque = "y", which hides the lower one's contents;
//  - renaming a directory that has lower contents is EXDEV, as overlayfs
//    says without the redirect_dir feature (mv then copies and deletes).
// A merged directory is an Inode driven by an OverlayDir (vfs.h's DirOps);
// lower files are returned as they are (frozen inodes), upper ones too.
// Lesson: "containers share image layers".
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "containers/vfs/vfs.h"

namespace isolab::containers::vfs {

// One overlay mount: its layers and what happened in it.
struct Overlay {
  std::vector<InodePtr> lowers;  // lower layer roots, the top one first (as lowerdir=top:...:bottom)
  InodePtr upper;                // the upper layer's root directory (the container's own)
  // File systems mounted on directories of the overlay, by absolute path
  // ("/proc"): the mount points are directories of the layers.
  std::map<std::string, InodePtr> mounts;
  uint64_t copy_ups = 0;  // entries copied up (files and directories)
  uint64_t whiteouts = 0;  // whiteouts made
};

// The merged root directory of an overlay of `lowers` (top first) under
// `upper` (a plain directory tree, possibly empty).
InodePtr make_overlay(std::shared_ptr<Overlay> overlay);
// The overlay a merged directory belongs to, or null for any other inode.
std::shared_ptr<Overlay> overlay_of(const Inode& dir);
// The number of bytes in the files and link targets of a plain tree (an
// upper layer's size, as `docker ps --size` shows it).
uint64_t tree_bytes(const Inode& root);

}  // namespace isolab::containers::vfs
