// Container images and containers' root file systems (image.h).
#include "containers/image.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "containers/kernel.h"
#include "containers/linux_abi.h"
#include "containers/vfs/cgroupfs.h"
#include "containers/vfs/procfs.h"

namespace isolab::containers {

namespace fs = std::filesystem;
using namespace linux_abi;

namespace {

std::shared_ptr<vfs::Bytes> read_host_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) return nullptr;
  return std::make_shared<vfs::Bytes>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

uint32_t host_mode(const fs::path& p) {
  std::error_code ec;
  return uint32_t(fs::status(p, ec).permissions()) & 07777;
}

vfs::InodePtr subdir(const vfs::InodePtr& parent, const std::string& name) {
  auto& slot = parent->entries[name];
  if (!slot) slot = vfs::make_dir(0755);
  return slot;
}

bool load_tree(const fs::path& dir, const vfs::InodePtr& into, std::string& error) {
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    std::string name = e.path().filename().string();
    if (e.is_symlink(ec)) {
      into->entries[name] = vfs::make_symlink(fs::read_symlink(e.path(), ec).string());
    } else if (e.is_directory(ec)) {
      auto d = vfs::make_dir(host_mode(e.path()));
      if (!load_tree(e.path(), d, error)) return false;
      into->entries[name] = d;
    } else if (e.is_regular_file(ec)) {
      auto data = read_host_file(e.path());
      if (!data) {
        error = e.path().string() + ": cannot read";
        return false;
      }
      into->entries[name] = vfs::make_file(std::move(data), host_mode(e.path()));
    }
  }
  if (ec) {
    error = dir.string() + ": " + ec.message();
    return false;
  }
  return true;
}

}  // namespace

uint64_t Image::bytes() const {
  uint64_t n = 0;
  for (const LayerPtr& l : layers) n += l->bytes;
  return n;
}

Image image_from_tree(const std::string& name, vfs::InodePtr root, const std::string& created_by) {
  return Image{name, {make_layer(std::move(root), created_by)}};
}

ErrorOr<Image> image_from_bin_dir(const std::string& name, const std::string& bin_dir) {
  auto root = vfs::make_dir(0755);
  auto bin = subdir(root, "bin");
  std::string error;
  if (!fs::is_directory(bin_dir)) return make_error(LINUX_ENOENT, bin_dir + ": no such directory (is miniOS built?)");
  if (!load_tree(bin_dir, bin, error)) return make_error(LINUX_ENOENT, error);
  if (bin->entries.empty()) return make_error(LINUX_ENOENT, bin_dir + ": no programs in it");
  for (auto& [n, f] : bin->entries) f->mode |= 0555;
  auto etc = subdir(root, "etc");
  std::string hostname = name + "\n";
  etc->entries["hostname"] = vfs::make_file(std::make_shared<vfs::Bytes>(hostname.begin(), hostname.end()));
  return image_from_tree(name, std::move(root), "COPY " + bin_dir + " /bin");
}

ErrorOr<Image> image_from_rootfs(const std::string& name, const std::string& dir) {
  auto root = vfs::make_dir(0755);
  std::string error;
  if (!fs::is_directory(dir)) return make_error(LINUX_ENOENT, dir + ": no such directory");
  if (!load_tree(dir, root, error)) return make_error(LINUX_ENOENT, error);
  return image_from_tree(name, std::move(root), "ADD " + dir + " /");
}

LayerPtr init_layer() {
  auto root = vfs::make_dir(0755);
  subdir(root, "proc")->mode = 0555;
  subdir(subdir(subdir(root, "sys"), "fs"), "cgroup");
  auto dev = subdir(root, "dev");
  dev->entries["null"] = vfs::make_device(vfs::Device::Null);
  dev->entries["zero"] = vfs::make_device(vfs::Device::Zero);
  subdir(root, "tmp")->mode = 01777;
  return make_layer(std::move(root), "init: mount points, /dev, /tmp");
}

RootFs container_root(Kernel& k, const Image& image) {
  RootFs fs;
  auto ov = std::make_shared<vfs::Overlay>();
  for (const LayerPtr& l : image.layers) fs.layers.push_back(k.layers.intern(l));
  fs.layers.push_back(k.layers.intern(init_layer()));
  for (auto it = fs.layers.rbegin(); it != fs.layers.rend(); ++it) ov->lowers.push_back((*it)->root);
  ov->mounts["/proc"] = vfs::make_procfs(k);
  ov->mounts["/sys/fs/cgroup"] = vfs::make_cgroupfs(k);
  fs.root = vfs::make_overlay(ov);
  fs.overlay = std::move(ov);
  return fs;
}

// The applets the lessons and the acceptance use, linked in /bin.
static const char* const kBusyboxApplets[] = {
    "sh",   "ash",  "ps",    "ls",   "cat",  "echo",  "hostname", "free", "id",    "mount", "uname",
    "top",  "sleep", "true", "false", "kill", "mkdir", "rm",      "touch", "wc",   "head",  "tail",
    "grep", "env",  "pwd",   "cp",   "mv",   "ln",    "yes",      "seq",  "dd",    "date",  "uptime",
    "whoami", "umount", "stat", "readlink", "sort", "uniq", "tr", "cut", "expr", "test", "printf",
};

ErrorOr<Image> image_busybox(const std::string& dir) {
  if (!fs::exists(fs::path(dir) / "bin" / "busybox"))
    return make_error(LINUX_ENOENT, dir + "/bin/busybox: missing (scripts/fetch-busybox fetches Debian's busybox-static:i386)");
  auto img = image_from_rootfs("busybox", dir);
  if (!img.ok()) return img;
  Image image = std::move(img.value());
  auto links = vfs::make_dir(0755);
  auto bin = subdir(links, "bin");
  const vfs::Inode& lower_bin = *image.layers.front()->root->entries.at("bin");
  for (const char* applet : kBusyboxApplets)
    if (!lower_bin.entries.count(applet)) bin->entries[applet] = vfs::make_symlink("busybox");
  image.layers.push_back(make_layer(std::move(links), "RUN busybox --install -s"));
  return image;
}

std::string busybox_cache_dir() {
  const char* cache = std::getenv("ISOLAB_CACHE");
  if (cache && *cache) return std::string(cache) + "/busybox/root";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/root") + "/.cache/isolab/busybox/root";
}

}  // namespace isolab::containers
