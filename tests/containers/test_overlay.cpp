// The overlay root of a container, through the system calls a program
// makes (guests/fsprobe.c): copy-up, whiteouts, opaque directories,
// rename across layers; and the image's layers never change.
#include <doctest/doctest.h>

#include "containers/sha256.h"
#include "containers/vfs/overlay.h"
#include "tests/containers/overlay_image.h"

using namespace isolab::containers;
using namespace isolab::containers::test;

namespace {

struct Ran {
  std::string out;
  Container c;
};

// Run fsprobe with `ops` in a new container of `img` on `k`.
Ran fsprobe(Kernel& k, const Image& img, std::vector<std::string> ops, const std::string& name = "box") {
  Ran r;
  auto streams = std::make_shared<vfs::HostStreams>();
  streams->write = [&r](int, const char* d, size_t n) { r.out.append(d, n); };
  ContainerSpec spec;
  spec.name = name;
  spec.cmd = {"fsprobe"};
  spec.cmd.insert(spec.cmd.end(), ops.begin(), ops.end());
  spec.streams = streams;
  auto c = start_container(k, img, spec);
  REQUIRE_MESSAGE(c.ok(), c.error().message);
  r.c = *c;
  wait_container(k, r.c, 500'000'000);
  REQUIRE(r.c.exited);
  CHECK(r.c.exit_code == 0);
  return r;
}

// Every layer of the image still has the digest it was named by.
void check_layers_unchanged(const Image& img) {
  for (const LayerPtr& l : img.layers) CHECK(tree_digest(*l->root) == l->id);
}

const vfs::Inode* upper_entry(const Container& c, std::initializer_list<const char*> path) {
  const vfs::Inode* at = c.rootfs.overlay->upper.get();
  for (const char* name : path) {
    auto it = at->entries.find(name);
    if (it == at->entries.end()) return nullptr;
    at = it->second.get();
  }
  return at;
}

}  // namespace

TEST_CASE("overlay: layers merge top-down and ls shows each name once") {
  Kernel k;
  Image img = fs_image();
  Ran r = fsprobe(k, img, {"ls", "/data", "cat", "/data/c", "cat", "/dir/sub/x"});
  CHECK(field(r.out, "ls") == "a,b,c");
  CHECK(field(r.out, "cat") == "C");
  CHECK(r.out.find("cat=X\n") != std::string::npos);
  CHECK(vfs::tree_bytes(*r.c.rootfs.overlay->upper) == 0);  // reading writes nothing
}

TEST_CASE("overlay: the first write copies a file up, the lower layer is unchanged") {
  Kernel k;
  Image img = fs_image();
  Ran r = fsprobe(k, img, {"cat", "/etc/motd", "append", "/etc/motd", "!", "cat", "/etc/motd"});
  CHECK(r.out == "cat=hello\nwrite=1\ncat=hello!\n");
  const vfs::Inode* up = upper_entry(r.c, {"etc", "motd"});
  REQUIRE(up);
  CHECK(std::string(up->data->begin(), up->data->end()) == "hello!");
  CHECK(r.c.rootfs.overlay->copy_ups == 2);  // /etc, then /etc/motd
  check_layers_unchanged(img);
  // A new container of the image sees the image's file, not the copy.
  Ran again = fsprobe(k, img, {"cat", "/etc/motd"}, "box2");
  CHECK(again.out == "cat=hello\n");
}

TEST_CASE("overlay: O_TRUNC copies up without the old bytes, chmod and truncate copy up") {
  Kernel k;
  Image img = fs_image();
  Ran r = fsprobe(k, img,
                  {"write", "/data/a", "new", "cat", "/data/a", "chmod", "/etc/motd", "600", "mode", "/etc/motd",
                   "truncate", "/data/b", "0", "cat", "/data/b", "mode", "/data/c"});
  CHECK(r.out == "write=3\ncat=new\nchmod=0\nmode=100600\ntruncate=0\ncat=\nmode=100644\n");
  CHECK(upper_entry(r.c, {"etc", "motd"})->mode == 0600);
  CHECK(upper_entry(r.c, {"data", "b"})->data->empty());
  CHECK_FALSE(upper_entry(r.c, {"data", "c"}));  // only looked at: not copied
  check_layers_unchanged(img);
}

TEST_CASE("overlay: chown and utimensat copy up, of files and of directories") {
  Kernel k;
  Image img = fs_image();
  Ran r = fsprobe(k, img,
                  {"chown", "/dir", "7", "owner", "/dir", "owner", "/dir/sub", "touch", "/data/a", "chown", "/etc/motd",
                   "9", "owner", "/etc/motd", "chown", "/proc/self/comm", "1"});
  CHECK(r.out == "chown=0\nowner=7\nowner=0\ntouch=0\nchown=0\nowner=9\nchown=-1\n");
  CHECK(upper_entry(r.c, {"dir"})->uid == 7);
  CHECK_FALSE(upper_entry(r.c, {"dir", "sub"}));
  CHECK(upper_entry(r.c, {"data", "a"})->data->size() == 1);  // copied with its bytes
  CHECK(upper_entry(r.c, {"etc", "motd"})->uid == 9);
  check_layers_unchanged(img);
}

TEST_CASE("overlay: deleting a lower file leaves a whiteout that ls does not show") {
  Kernel k;
  Image img = fs_image();
  Ran r = fsprobe(k, img, {"rm", "/data/a", "ls", "/data", "cat", "/data/a", "rm", "/data/a", "rm", "/data/c"});
  CHECK(r.out == "rm=0\nls=b,c\ncat=-2\nrm=-2\nrm=0\n");
  const vfs::Inode* wh = upper_entry(r.c, {"data", "a"});
  REQUIRE(wh);
  CHECK(wh->whiteout());  // a character device 0/0, as overlayfs makes
  CHECK(upper_entry(r.c, {"data", "c"})->whiteout());
  CHECK(r.c.rootfs.overlay->whiteouts == 2);
  check_layers_unchanged(img);
  // A file made again over a whiteout replaces it.
  Ran again = fsprobe(k, img, {"rm", "/data/a", "write", "/data/a", "again", "ls", "/data", "cat", "/data/a"}, "box2");
  CHECK(again.out == "rm=0\nwrite=5\nls=a,b,c\ncat=again\n");
  CHECK_FALSE(upper_entry(again.c, {"data", "a"})->whiteout());
}

TEST_CASE("overlay: a directory removed and made again is opaque: the lower contents stay hidden") {
  Kernel k;
  Image img = fs_image();
  Ran r = fsprobe(k, img,
                  {"rmdir", "/dir/sub", "rm", "/dir/sub/x", "rmdir", "/dir/sub", "ls", "/dir", "mkdir", "/dir/sub",
                   "ls", "/dir/sub", "write", "/dir/sub/y", "Y", "ls", "/dir/sub"});
  CHECK(r.out == "rmdir=-39\nrm=0\nrmdir=0\nls=\nmkdir=0\nls=\nwrite=1\nls=y\n");
  const vfs::Inode* sub = upper_entry(r.c, {"dir", "sub"});
  REQUIRE(sub);
  CHECK(sub->opaque());
  CHECK(sub->xattrs.at("trusted.overlay.opaque") == "y");
  check_layers_unchanged(img);
}

TEST_CASE("overlay: rename across layers copies up and leaves a whiteout, a merged directory is EXDEV") {
  Kernel k;
  Image img = fs_image();
  Ran r = fsprobe(k, img,
                  {"mv", "/data/a", "/etc/a2", "cat", "/etc/a2", "ls", "/data", "ls", "/etc", "mv", "/dir", "/dir2",
                   "mkdir", "/new", "write", "/new/f", "F", "mv", "/new", "/new2", "cat", "/new2/f", "mv", "/data/b",
                   "/data/c", "ls", "/data", "cat", "/data/c", "mv", "/etc", "/etc/x"});
  CHECK(r.out ==
        "mv=0\ncat=A\nls=b,c\nls=a2,hostname,motd\nmv=-18\nmkdir=0\nwrite=1\nmv=0\ncat=F\nmv=0\nls=c\ncat=B\nmv=-22\n");
  CHECK(upper_entry(r.c, {"data", "a"})->whiteout());
  CHECK(upper_entry(r.c, {"data", "b"})->whiteout());
  check_layers_unchanged(img);
}

TEST_CASE("overlay: a hard link to a lower file links its copy-up, a symlink is made in the upper layer") {
  Kernel k;
  Image img = fs_image();
  Ran r = fsprobe(k, img,
                  {"link", "/data/a", "/data/a2", "append", "/data/a2", "+", "cat", "/data/a", "symlink", "/data/a",
                   "/l", "cat", "/l", "link", "/dir", "/d2"});
  CHECK(r.out == "link=0\nwrite=1\ncat=A+\nsymlink=0\ncat=A+\nlink=-1\n");
  CHECK(upper_entry(r.c, {"data", "a"}) == upper_entry(r.c, {"data", "a2"}));
  check_layers_unchanged(img);
}

TEST_CASE("overlay: mount points: /proc and /sys/fs/cgroup cannot be removed (EBUSY)") {
  Kernel k;
  Image img = fs_image();
  Ran r = fsprobe(k, img, {"rmdir", "/proc", "ls", "/sys/fs", "mv", "/proc", "/p", "cat", "/proc/self/comm"});
  CHECK(r.out == "rmdir=-16\nls=cgroup\nmv=-16\ncat=fsprobe\n\n");
}

TEST_CASE("overlay: a change in one container is not seen by another, each has its own upper layer") {
  Kernel k;
  Image img = fs_image();
  Ran a = fsprobe(k, img, {"write", "/etc/motd", "mine", "rm", "/data/b"}, "a");
  Ran b = fsprobe(k, img, {"cat", "/etc/motd", "ls", "/data"}, "b");
  CHECK(b.out == "cat=hello\nls=a,b,c\n");
  CHECK(a.c.rootfs.overlay->upper != b.c.rootfs.overlay->upper);
  REQUIRE(a.c.rootfs.layers.size() == b.c.rootfs.layers.size());
  for (size_t i = 0; i < a.c.rootfs.layers.size(); i++) CHECK(a.c.rootfs.layers[i] == b.c.rootfs.layers[i]);
}

TEST_CASE("layers: a layer is named by the SHA-256 of its contents, equal layers are stored once") {
  Sha256 h;
  h.update("abc");
  CHECK(h.hex() == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");  // FIPS 180-4 example
  LayerPtr one = make_layer(dir_of({{"f", text_file("x")}}), "one");
  LayerPtr two = make_layer(dir_of({{"f", text_file("x")}}), "two");
  LayerPtr other = make_layer(dir_of({{"f", text_file("y")}}), "other");
  CHECK(one->id == two->id);
  CHECK(one->id != other->id);
  CHECK(one->id.rfind("sha256:", 0) == 0);
  CHECK(one->bytes == 1);
  CHECK(one->root->frozen);
  LayerStore store;
  CHECK(store.intern(one) == one);
  CHECK(store.intern(two) == one);  // the same contents: the stored one
  store.intern(other);
  CHECK(store.layers().size() == 2);
  CHECK(store.bytes() == 2);
}
