// Cgroup namespaces (cgroup_namespaces(7)): a process sees cgroup paths
// relative to the cgroup its namespace was created in, so a container's
// /proc/self/cgroup says "0::/" instead of revealing the host's layout.
// A cgroup outside the namespace's root shows as a path with "/..".
// Lesson: "namespaces: what a container can see".
#include "containers/cgroup/cgroup.h"
#include "containers/ns/nsproxy.h"

namespace isolab::containers::ns {

std::string cgroup_path_in(const CgroupNamespace& ns, const Cgroup* cg) {
  std::string path = cg ? cg->path() : std::string("/");
  if (!ns.root) return path;
  std::string root = ns.root->path();
  if (root == "/") return path;
  if (path == root) return "/";
  if (path.compare(0, root.size() + 1, root + "/") == 0) return path.substr(root.size());
  // Outside: climb from the namespace's root to the common ancestor.
  std::string up;
  const Cgroup* a = ns.root;
  while (a && !(cg && cg->within(*a))) {
    up += "/..";
    a = a->parent;
  }
  std::string ancestor = a ? a->path() : "/";
  std::string rest = path.substr(ancestor == "/" ? 0 : ancestor.size());
  return up + (rest == "/" ? "" : rest);
}

}  // namespace isolab::containers::ns
