// User namespaces (user_namespaces(7), kernel/user_namespace.c): uid_map
// and gid_map, and what getuid() returns inside. A process's IDs are
// kernel IDs (the host's); inside a user namespace they are shown through
// its map, and an ID the map does not cover shows as the overflow ID 65534.
// Root in a container with a user namespace is uid 0 inside and an
// unprivileged uid (100000) on the host.
// Lesson: "namespaces: root in a container is not root on the host".
#include <cstdio>
#include <sstream>

#include "containers/kernel.h"
#include "containers/linux_abi.h"
#include "containers/ns/nsproxy.h"

namespace isolab::containers::ns {

using namespace linux_abi;

namespace {

constexpr uint32_t UNMAPPED = UINT32_MAX;
constexpr size_t MAX_EXTENTS = 340;  // UID_GID_MAP_MAX_EXTENTS

// `id` of the parent namespace mapped down into the namespace of `map` (map_id_down's inverse).
uint32_t map_up(const std::vector<IdExtent>& map, uint32_t lower) {
  for (const IdExtent& e : map)
    if (lower >= e.lower_first && lower - e.lower_first < e.count) return e.first + (lower - e.lower_first);
  return UNMAPPED;
}

uint32_t map_down(const std::vector<IdExtent>& map, uint32_t id) {
  for (const IdExtent& e : map)
    if (id >= e.first && id - e.first < e.count) return e.lower_first + (id - e.first);
  return UNMAPPED;
}

uint32_t from_kuid_raw(const UserNamespace& ns, uint32_t kuid, bool gid) {
  if (!ns.parent) return kuid;
  uint32_t above = from_kuid_raw(*ns.parent, kuid, gid);
  return above == UNMAPPED ? UNMAPPED : map_up(gid ? ns.gid_map : ns.uid_map, above);
}

bool overlaps(const IdExtent& a, const IdExtent& b, bool lower) {
  uint64_t a0 = lower ? a.lower_first : a.first, b0 = lower ? b.lower_first : b.first;
  return a0 < b0 + b.count && b0 < a0 + a.count;
}

}  // namespace

uint32_t from_kuid(const UserNamespace& ns, uint32_t kuid, bool gid) {
  uint32_t id = from_kuid_raw(ns, kuid, gid);
  return id == UNMAPPED ? OVERFLOW_UID : id;
}

uint32_t make_kuid(const UserNamespace& ns, uint32_t id, bool gid) {
  if (!ns.parent) return id;
  uint32_t lower = map_down(gid ? ns.gid_map : ns.uid_map, id);
  return lower == UNMAPPED ? UNMAPPED : make_kuid(*ns.parent, lower, gid);
}

bool capable(const Process& p) {
  const UserNamespace& user = *p.ns.user;
  if (from_kuid_raw(user, p.uid, false) == 0) return true;
  // The creator of a user namespace has every capability in it.
  return user.parent && user.owner == p.uid;
}

std::shared_ptr<UserNamespace> new_user_ns(Kernel& k, const std::shared_ptr<UserNamespace>& parent, uint32_t owner) {
  auto n = std::make_shared<UserNamespace>();
  n->parent = parent;
  n->level = parent->level + 1;
  n->id = k.alloc_ns_id();
  n->owner = owner;
  return n;
}

std::string id_map_text(const std::vector<IdExtent>& map) {
  std::string s;
  char line[64];
  for (const IdExtent& e : map) {
    std::snprintf(line, sizeof line, "%10u %10u %10u\n", e.first, e.lower_first, e.count);
    s += line;
  }
  return s;
}

int32_t write_id_map(UserNamespace& ns, const Process& writer, const std::string& text, bool gid) {
  bool& written = gid ? ns.gid_map_written : ns.uid_map_written;
  if (written || !ns.parent) return -LINUX_EPERM;  // once only; the initial namespace's is fixed
  std::vector<IdExtent> map;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    std::istringstream in(line);
    long long a, b, c;
    std::string rest;
    if (!(in >> a >> b >> c) || (in >> rest) || a < 0 || b < 0 || c <= 0 || a + c > 4294967295ll ||
        b + c > 4294967295ll)
      return -LINUX_EINVAL;
    IdExtent e{uint32_t(a), uint32_t(b), uint32_t(c)};
    for (const IdExtent& other : map)
      if (overlaps(e, other, false) || overlaps(e, other, true)) return -LINUX_EINVAL;
    map.push_back(e);
    if (map.size() > MAX_EXTENTS) return -LINUX_EINVAL;
  }
  if (map.empty()) return -LINUX_EINVAL;
  // Only a process in the namespace or its parent may write, and either
  // it is privileged in the parent, or it maps just its own ID and owns
  // the namespace (new_idmap_permitted()).
  const UserNamespace& parent = *ns.parent;
  if (writer.ns.user.get() != &ns && writer.ns.user.get() != &parent) return -LINUX_EPERM;
  uint32_t own = from_kuid_raw(parent, gid ? writer.gid : writer.uid, gid);
  bool privileged = writer.ns.user.get() == &parent && capable(writer);
  bool own_only = map.size() == 1 && map[0].count == 1 && map[0].lower_first == own && writer.uid == ns.owner;
  if (!privileged && !own_only) return -LINUX_EPERM;
  for (const IdExtent& e : map)
    if (make_kuid(parent, e.lower_first, gid) == UNMAPPED ||
        make_kuid(parent, e.lower_first + e.count - 1, gid) == UNMAPPED)
      return -LINUX_EPERM;  // the parent has no such IDs to give
  (gid ? ns.gid_map : ns.uid_map) = std::move(map);
  written = true;
  return 0;
}

}  // namespace isolab::containers::ns
