// nsprobe CASE: namespaces from inside a container (namespaces(7)):
// clone/unshare/setns, mounts, user and time namespaces, PID namespace
// rules; "name=value" lines for tests/containers/test_namespaces.cpp and
// test_isolation.cpp.
#include "guest.h"

#define CLONE_NEWTIME 0x80
#define CLONE_NEWNS 0x00020000
#define CLONE_NEWCGROUP 0x02000000
#define CLONE_NEWUTS 0x04000000
#define CLONE_NEWIPC 0x08000000
#define CLONE_NEWUSER 0x10000000
#define CLONE_NEWPID 0x20000000
#define CLONE_NEWNET 0x40000000
#define SIGCHLD_ 17
#define MS_BIND 4096
#define MNT_DETACH 2

static const char* const kinds[] = {"cgroup", "ipc", "mnt", "net", "pid", "pid_for_children", "time",
                                    "time_for_children", "user", "uts", 0};

static void ns_link(const char* kind, char* out) {
  char path[64] = "/proc/self/ns/";
  int i = 14;
  while (*kind) path[i++] = *kind++;
  path[i] = 0;
  long n = SC3(NR_readlink, path, out, 63);
  out[n > 0 ? n : 0] = 0;
}

// "<prefix>_<kind>=pid:[4026531836]" for every kind.
static void show_ids(const char* prefix) {
  char link[64];
  for (int i = 0; kinds[i]; i++) {
    ns_link(kinds[i], link);
    puts_(prefix); puts_("_"); show_s(kinds[i], link);
  }
}

static void hostname(char* out) {
  char u[390];
  SC1(NR_uname, u);
  int i = 0;
  while (u[65 + i]) out[i] = u[65 + i], i++;
  out[i] = 0;
}

static long wait_for(long pid) {
  int status = 0;
  SC4(NR_wait4, pid, &status, 0, 0);
  return status;
}

static void case_ids(void) {
  show_ids("init");
  long pid = SC0(NR_fork);
  if (pid == 0) { show_ids("child"); SC1(NR_exit, 0); }
  wait_for(pid);
}

static void case_unshare(void) {
  char before[64], after[64], name[64];
  show("unshare_badflag", SC1(NR_unshare, 0x1));  // EINVAL: not an unshare flag
  ns_link("uts", before);
  show("unshare_uts", SC1(NR_unshare, CLONE_NEWUTS));
  ns_link("uts", after);
  show("uts_changed", !seq(before, after));
  SC2(NR_sethostname, "inner", 5);
  hostname(name);
  show_s("hostname", name);
  char ids[4][64];
  const char* some[] = {"mnt", "ipc", "net", "cgroup"};
  for (int i = 0; i < 4; i++) ns_link(some[i], ids[i]);
  show("unshare_four", SC1(NR_unshare, CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWNET | CLONE_NEWCGROUP));
  int changed = 0;
  for (int i = 0; i < 4; i++) { ns_link(some[i], after); changed += !seq(ids[i], after); }
  show("four_changed", changed);
  // CLONE_NEWPID: the caller stays, its next child is PID 1 of the new namespace.
  ns_link("pid", before);
  show("unshare_pid", SC1(NR_unshare, CLONE_NEWPID));
  ns_link("pid", after);
  show("own_pid_ns_same", seq(before, after));
  ns_link("pid_for_children", after);
  show("pid_for_children_new", !seq(before, after));
  show("unshare_pid_again", SC1(NR_unshare, CLONE_NEWPID));  // EINVAL: not used yet
  long pid = SC0(NR_fork);
  if (pid == 0) {
    show("child_pid", SC0(NR_getpid));
    show("child_ppid", SC0(NR_getppid));
    SC1(NR_exit, 0);
  }
  show("child_pid_outside_gt1", pid > 1);
  wait_for(pid);
  // Its init is gone: nothing can enter the namespace again.
  show("fork_after_init_exit", SC0(NR_fork));  // ENOMEM
  // clone with CLONE_NEWPID|CLONE_NEWUTS makes both for the child at once.
  pid = SC5(NR_clone, CLONE_NEWPID | CLONE_NEWUTS | SIGCHLD_, 0, 0, 0, 0);
  if (pid == 0) {
    show("clone_child_pid", SC0(NR_getpid));
    SC1(NR_exit, 0);
  }
  wait_for(pid);
}

static void case_setns(void) {
  char name[64], link[64];
  long utsfd = SC3(NR_open, "/proc/self/ns/uts", 0, 0);
  show("open_nsfile", utsfd >= 0);
  show("setns_badfd", SC2(NR_setns, 77, 0));                        // EBADF
  long plain = SC3(NR_open, "/bin/nsprobe", 0, 0);
  show("setns_notns", SC2(NR_setns, plain, 0));                     // EINVAL
  show("setns_wrongtype", SC2(NR_setns, utsfd, CLONE_NEWNET));      // EINVAL
  SC1(NR_unshare, CLONE_NEWUTS);
  SC2(NR_sethostname, "elsewhere", 9);
  hostname(name);
  show_s("after_unshare", name);
  show("setns_uts", SC2(NR_setns, utsfd, CLONE_NEWUTS));
  hostname(name);
  show_s("after_setns", name);
  // A PID namespace: setns sets pid_for_children.
  long pidfd = SC3(NR_open, "/proc/self/ns/pid", 0, 0);
  SC1(NR_unshare, CLONE_NEWPID);
  show("setns_pid", SC2(NR_setns, pidfd, CLONE_NEWPID));
  char own[64];
  ns_link("pid", own);
  ns_link("pid_for_children", link);
  show("pid_for_children_back", seq(own, link));
  // A namespace above the caller's: EINVAL (run from a container, the host's is above).
  long pid = SC0(NR_fork);
  if (pid == 0) {
    SC1(NR_unshare, CLONE_NEWPID);
    long inner = SC0(NR_fork);
    if (inner == 0) {
      show("setns_pid_outer", SC2(NR_setns, pidfd, CLONE_NEWPID));  // EINVAL: an ancestor
      SC1(NR_exit, 0);
    }
    wait_for(inner);
    SC1(NR_exit, 0);
  }
  wait_for(pid);
  // Joining one's own user namespace is EINVAL.
  long userfd = SC3(NR_open, "/proc/self/ns/user", 0, 0);
  show("setns_own_user", SC2(NR_setns, userfd, CLONE_NEWUSER));
}

static void case_mount(void) {
  char buf[2048];
  show("unshare_mnt", SC1(NR_unshare, CLONE_NEWNS));
  SC2(NR_mkdir, "/mnt", 0755);
  show("mount_tmpfs", SC5(NR_mount, "none", "/mnt", "tmpfs", 0, 0));
  show("write_in_tmpfs", write_file("/mnt/file", "hello"));
  read_file("/proc/self/mounts", buf, sizeof buf);
  show("mounts_lists_tmpfs", has(buf, "none /mnt tmpfs rw"));
  show("mounts_lists_proc", has(buf, "proc /proc proc"));
  read_file("/proc/self/mountinfo", buf, sizeof buf);
  show("mountinfo_lists_tmpfs", has(buf, " /mnt rw,relatime - tmpfs none"));
  show("mount_badtype", SC5(NR_mount, "x", "/mnt", "nosuchfs", 0, 0));     // ENODEV
  show("mount_missing", SC5(NR_mount, "none", "/nowhere", "tmpfs", 0, 0));  // ENOENT
  show("mount_notdir", SC5(NR_mount, "none", "/bin/nsprobe", "tmpfs", 0, 0));  // ENOTDIR
  show("umount_notmount", SC2(NR_umount2, "/bin", 0));                      // EINVAL
  show("umount_badflag", SC2(NR_umount2, "/mnt", 0x100));                   // EINVAL
  // A child in another mount namespace does not see this mount.
  long pid = SC5(NR_clone, CLONE_NEWNS | SIGCHLD_, 0, 0, 0, 0);
  if (pid == 0) {
    show("child_sees_copy", read_file("/mnt/file", buf, sizeof buf) == 5);
    SC2(NR_umount2, "/mnt", 0);
    show("child_after_umount", read_file("/mnt/file", buf, sizeof buf));  // ENOENT: its copy is gone
    SC1(NR_exit, 0);
  }
  wait_for(pid);
  show("parent_still_sees", read_file("/mnt/file", buf, sizeof buf));
  show("umount", SC2(NR_umount2, "/mnt", 0));
  show("after_umount", read_file("/mnt/file", buf, sizeof buf));  // ENOENT
  // proc mounted again, and a bind mount.
  show("mount_proc", SC5(NR_mount, "proc", "/mnt", "proc", 0, 0));
  char link[16];
  long n = SC3(NR_readlink, "/mnt/self", link, 15);
  show("proc_self_works", n > 0);
  SC2(NR_umount2, "/mnt", 0);
  show("bind", SC5(NR_mount, "/bin", "/mnt", 0, MS_BIND, 0));
  show("bind_sees_bin", read_file("/mnt/nsprobe", buf, 8) > 0);
  // pivot_root: a bind-mounted directory becomes "/", the old root goes below it.
  SC2(NR_mkdir, "/nr", 0755);
  SC2(NR_mkdir, "/nr/old", 0755);
  write_file("/nr/hello", "hi");
  show("pivot_notmount", SC2(NR_pivot_root, "/nr", "/nr/old"));  // EINVAL: not a mount point
  SC5(NR_mount, "/nr", "/nr", 0, MS_BIND, 0);
  show("pivot_outside", SC2(NR_pivot_root, "/nr", "/tmp"));      // EINVAL: put_old not under new_root
  show("pivot_root", SC2(NR_pivot_root, "/nr", "/nr/old"));
  SC1(NR_chdir, "/");
  show("new_root_file", read_file("/hello", buf, sizeof buf));
  show("old_root_below", read_file("/old/etc/hostname", buf, sizeof buf) > 0);
  read_file("/old/proc/self/mounts", buf, sizeof buf);
  show("mounts_after_pivot", has(buf, "/nr / ") && has(buf, " /old overlay"));
  show("umount_old", SC2(NR_umount2, "/old", MNT_DETACH));
  show("old_gone", read_file("/old/etc/hostname", buf, sizeof buf));  // ENOENT
}

static void case_user(void) {
  char buf[256];
  show("uid", SC0(NR_getuid));
  show("unshare_user", SC1(NR_unshare, CLONE_NEWUSER));
  show("uid_unmapped", SC0(NR_getuid));  // the overflow uid
  show("map_garbage", write_file("/proc/self/uid_map", "zero 0 1"));  // EINVAL
  show("map_too_much", write_file("/proc/self/uid_map", "0 0 10"));   // EPERM: more than its own uid
  show("map_own", write_file("/proc/self/uid_map", "0 0 1\n"));
  show("uid_mapped", SC0(NR_getuid));
  show("map_again", write_file("/proc/self/uid_map", "0 0 1\n"));     // EPERM: written once
  read_file("/proc/self/uid_map", buf, sizeof buf);
  show("uid_map_text", has(buf, "         0          0          1"));
}

static void case_nonroot(void) {
  show("setuid", SC1(NR_setuid32, 1000));
  show("uid", SC0(NR_getuid));
  show("unshare_uts", SC1(NR_unshare, CLONE_NEWUTS));                  // EPERM
  show("sethostname", SC2(NR_sethostname, "x", 1));                    // EPERM
  show("mount", SC5(NR_mount, "none", "/tmp", "tmpfs", 0, 0));         // EPERM
  show("unshare_user_uts", SC1(NR_unshare, CLONE_NEWUSER | CLONE_NEWUTS));  // allowed: owner of the new one
  show("setuid_back", SC1(NR_setuid32, 0));                            // EINVAL: 0 is not mapped yet
}

static void case_userns_container(void) {
  char buf[512];
  show("uid", SC0(NR_getuid));
  read_file("/proc/self/uid_map", buf, sizeof buf);
  show("uid_map_100000", has(buf, "         0     100000      65536"));
}

static void case_time(void) {
  int t0[2], t1[2];
  char buf[128];
  show("unshare_time", SC1(NR_unshare, CLONE_NEWTIME));
  show("set_offsets", write_file("/proc/self/timens_offsets", "monotonic 1000 0\n"));
  show("bad_offsets", write_file("/proc/self/timens_offsets", "monotonic x\n"));  // EINVAL
  read_file("/proc/self/timens_offsets", buf, sizeof buf);
  show("offsets_text", has(buf, "monotonic 1000 0"));
  SC2(NR_clock_gettime, 1, t0);
  long pid = SC0(NR_fork);
  if (pid == 0) {
    SC2(NR_clock_gettime, 1, t1);
    show("child_ahead_s", t1[0] - t0[0]);
    SC1(NR_exit, 0);
  }
  wait_for(pid);
  show("offsets_frozen", write_file("/proc/self/timens_offsets", "monotonic 5 0\n"));  // EACCES
}

static void case_net(void) {
  char buf[1024];
  read_file("/proc/net/dev", buf, sizeof buf);
  show("has_lo", has(buf, "    lo:"));
  show("only_lo", !has(buf, "eth0"));
}

// PID namespace rules as the container's init.
static void case_pidns(void) {
  char buf[512];
  show("init_pid", SC0(NR_getpid));
  show("init_ppid", SC0(NR_getppid));
  int fds[2];
  SC1(NR_pipe, fds);
  long a = SC0(NR_fork);
  if (a == 0) {
    long b = SC0(NR_fork);
    if (b == 0) {
      sleep_ns(2000000);  // outlive its parent
      show("orphan_ppid", SC0(NR_getppid));
      SC1(NR_exit, 5);
    }
    SC3(NR_write, fds[1], &b, 4);
    SC1(NR_exit, 0);
  }
  long b = 0;
  SC3(NR_read, fds[0], &b, 4);
  wait_for(a);
  int status = 0;
  long w = SC4(NR_wait4, -1, &status, 0, 0);  // the orphan is now init's child
  show("reaped_orphan", w == b);
  show("orphan_exit", (status >> 8) & 0xff);
  // A nested PID namespace: its init has a PID here and 1 there (NSpid).
  SC1(NR_unshare, CLONE_NEWPID);
  long c = SC0(NR_fork);
  if (c == 0) {
    show("nested_pid", SC0(NR_getpid));
    sleep_ns(1000000);
    SC1(NR_exit, 0);
  }
  char path[32] = "/proc/";
  int i = 6;
  char num[12]; int n = 0; long v = c;
  do { num[n++] = '0' + v % 10; v /= 10; } while (v);
  while (n) path[i++] = num[--n];
  const char* rest = "/status"; while (*rest) path[i++] = *rest++; path[i] = 0;
  read_file(path, buf, sizeof buf);
  char* at = buf;
  while (*at && !(at[0] == 'N' && at[1] == 'S' && at[2] == 'p')) at++;
  char line[64]; int j = 0;
  while (at[j] && at[j] != '\n' && j < 63) line[j] = at[j], j++;
  line[j] = 0;
  show_s("nested_status", line);
  show("nested_pid_here", c);
  wait_for(c);
}

// One of the three containers of the isolation test: write a file of its
// own, wait for the others, then report what it sees.
static void case_iso(const char* me) {
  char path[64] = "/tmp/", name[64];
  int i = 5;
  for (const char* m = me; *m; m++) path[i++] = *m;
  path[i] = 0;
  write_file(path, me);
  sleep_ns(5000000);  // all three have written by now
  // What /tmp holds here.
  long fd = SC3(NR_open, "/tmp", 0200000, 0);
  char dents[1024];
  long n = SC3(NR_getdents64, fd, dents, sizeof dents);
  puts_("tmp=");
  for (long off = 0; off < n;) {
    unsigned short reclen = *(unsigned short*)(dents + off + 16);
    const char* dname = dents + off + 19;
    if (dname[0] != '.') { puts_(dname); puts_(" "); }
    off += reclen;
  }
  puts_("\n");
  hostname(name);
  show_s("hostname", name);
  show_ids("init");
  long pid = SC0(NR_fork);
  if (pid == 0) {
    show_ids("child");
    char* argv[] = {"ps", 0};
    char* envp[] = {0};
    SC3(NR_execve, "/bin/ps", argv, envp);
    SC1(NR_exit, 127);
  }
  wait_for(pid);
}

int main(int argc, char** argv, char** envp) {
  (void)envp;
  const char* c = argc > 1 ? argv[1] : "";
  if (seq(c, "ids")) case_ids();
  else if (seq(c, "unshare")) case_unshare();
  else if (seq(c, "setns")) case_setns();
  else if (seq(c, "mount")) case_mount();
  else if (seq(c, "user")) case_user();
  else if (seq(c, "nonroot")) case_nonroot();
  else if (seq(c, "userns")) case_userns_container();
  else if (seq(c, "time")) case_time();
  else if (seq(c, "net")) case_net();
  else if (seq(c, "pidns")) case_pidns();
  else if (seq(c, "iso") && argc > 2) case_iso(argv[2]);
  else { puts_("unknown case\n"); return 2; }
  return 0;
}
