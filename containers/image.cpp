// Container images from host directories (image.h).
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

ErrorOr<Image> image_from_bin_dir(const std::string& name, const std::string& bin_dir) {
  Image img{name, vfs::make_dir(0755)};
  auto bin = subdir(img.root, "bin");
  std::string error;
  if (!fs::is_directory(bin_dir)) return make_error(LINUX_ENOENT, bin_dir + ": no such directory (is miniOS built?)");
  if (!load_tree(bin_dir, bin, error)) return make_error(LINUX_ENOENT, error);
  if (bin->entries.empty()) return make_error(LINUX_ENOENT, bin_dir + ": no programs in it");
  for (auto& [n, f] : bin->entries) f->mode |= 0555;
  auto etc = subdir(img.root, "etc");
  std::string hostname = name + "\n";
  etc->entries["hostname"] = vfs::make_file(std::make_shared<vfs::Bytes>(hostname.begin(), hostname.end()));
  return img;
}

ErrorOr<Image> image_from_rootfs(const std::string& name, const std::string& dir) {
  Image img{name, vfs::make_dir(0755)};
  std::string error;
  if (!fs::is_directory(dir)) return make_error(LINUX_ENOENT, dir + ": no such directory");
  if (!load_tree(dir, img.root, error)) return make_error(LINUX_ENOENT, error);
  return img;
}

vfs::InodePtr container_root(Kernel& k, const Image& image) {
  vfs::InodePtr root = vfs::clone_tree(image.root);
  root->entries["proc"] = vfs::make_procfs(k);
  subdir(subdir(root, "sys"), "fs")->entries["cgroup"] = vfs::make_cgroupfs(k);
  auto dev = subdir(root, "dev");
  dev->entries["null"] = vfs::make_device(vfs::Device::Null);
  dev->entries["zero"] = vfs::make_device(vfs::Device::Zero);
  auto tmp = subdir(root, "tmp");
  tmp->mode = 01777;
  return root;
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
  auto bin = subdir(image.root, "bin");
  for (const char* applet : kBusyboxApplets)
    if (!bin->entries.count(applet)) bin->entries[applet] = vfs::make_symlink("busybox");
  return image;
}

std::string busybox_cache_dir() {
  const char* cache = std::getenv("ISOLAB_CACHE");
  if (cache && *cache) return std::string(cache) + "/busybox/root";
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/root") + "/.cache/isolab/busybox/root";
}

}  // namespace isolab::containers
