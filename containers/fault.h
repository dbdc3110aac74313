// Fault injection for the isolation lessons (DESIGN.md section 6): two
// switches that break the shared kernel on purpose, to show that every
// container on a host runs on that one kernel. The lab console's
// `host bug cow|oops` calls these.
//
//  - The COW bug (modelled on CVE-2016-5195, "Dirty COW", a race in Linux's
//    copy-on-write path, mm/gup.c FOLL_COW): while it is on, a write fault
//    on a page of a file that a process mapped read-only and private, and
//    then made writable (mprotect), does not copy the page: the write goes
//    into the page cache's shared frame (pagecache.h). Every process of
//    every container that maps that page of that file, now or later while
//    the frame lives, sees the change, and a program's text changed this
//    way changes what every container runs. What the bug modifies is
//    memory, the shared page-cache frame: the file's stored bytes in the
//    image layer are not changed, and read(2) of the file still returns
//    them. With the bug off the write is copied to a private frame (COW).
//  - A kernel oops (as Linux's die()/oops_end() with panic_on_oops): the
//    one kernel dies, so every process of every container is killed, the
//    kernel is marked tainted (TAINT_DIE) and dead, and spawning anything
//    afterwards is refused with an error that says why.
// Each switch and each oops is a trace event.
// Lesson: "isolation: a bug in the shared kernel reaches every container".
#pragma once
#include <string>

namespace isolab::containers {

class Kernel;

struct FaultState {
  bool cow_bug = false;  // the COW bug is on (mirrors PageCache::cow_bug)
  bool tainted = false;  // /proc/sys/kernel/tainted would show 'D' (TAINT_DIE)
  bool dead = false;     // oopsed: nothing runs or starts on this kernel any more
  std::string oops_reason;
  int oops_killed = 0;   // processes the oops took down
};

// Turn the COW bug on or off.
void fault_set_cow_bug(Kernel& k, bool on);

// Oops the kernel now: kill every process, mark the kernel dead. Returns
// how many processes were killed.
int fault_oops(Kernel& k, const std::string& reason = "BUG: injected kernel oops");

}  // namespace isolab::containers
