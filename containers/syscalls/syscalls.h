// The system call layer: Linux i386 numbers (arch/x86/entry/syscalls/
// syscall_32.tbl) mapped to handlers, one table (table.cpp).
//
// A handler gets the kernel, the calling process (the one running on the
// CPU) and the six argument registers (EBX, ECX, EDX, ESI, EDI, EBP, the
// i386 convention); it returns a value or -errno, or SYSCALL_RESTART to
// block and be called again, or SYSCALL_NO_RETURN when the caller is gone.
// Handlers are grouped by family: process.cpp (fork, exec, wait, exit,
// kill, ids), memory.cpp (brk, mmap), files.cpp (open, read, write, stat,
// getdents, pipes), system.cpp (uname, time, random, resource limits),
// signal.cpp (sigaction, sigaltstack, tgkill), futex.cpp (futex), ipc.cpp
// (System V IPC: ipc(2) and the direct calls; the objects are containers/ipc/),
// net.cpp (sockets, socketcall, poll).
// Lesson: "system calls".
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "containers/kernel.h"
#include "containers/linux_abi.h"

namespace isolab::containers::syscalls {

struct Args {
  uint32_t a[6];
  uint32_t operator[](int i) const { return a[i]; }
  int32_t s(int i) const { return int32_t(a[i]); }
};

using Handler = int32_t (*)(Kernel& k, Process& p, const Args& a);

struct Syscall {
  uint32_t nr;
  const char* name;
  Handler fn;
};

// The handler for system call `nr`, or null (the caller returns -ENOSYS).
const Syscall* lookup(uint32_t nr);

// Helpers shared by the families.
// Read a NULL-terminated array of string pointers (execve's argv, envp).
bool read_string_array(Process& p, uint32_t va, std::vector<std::string>& out, int32_t& error);
// Read the path argument at `path_va` and walk it from `dirfd` (AT_FDCWD:
// the working directory). An empty path is ENOENT unless `empty_path`
// (AT_EMPTY_PATH), which names dirfd's own file (files.cpp).
ErrorOr<vfs::Location> resolve_at(Process& p, int32_t dirfd, uint32_t path_va, bool follow, bool empty_path = false);
// Copy a value out to user memory; -EFAULT on a bad address.
template <class T>
int32_t put_user(Process& p, uint32_t va, const T& value) {
  return p.mm->copy_out(va, &value, sizeof(T)) ? 0 : -linux_abi::LINUX_EFAULT;
}

// Wake up to `n` sleepers on the futex word at `uaddr` of address space
// `mm` whose bitset meets `bitset`; the number woken (futex.cpp).
int futex_wake(Kernel& k, const AddressSpace* mm, uint32_t uaddr, int n, uint32_t bitset);
// Clock `clock`'s reading for `p` in nanoseconds; false for an unknown clock (system.cpp).
bool read_clock(Kernel& k, Process& p, uint32_t clock, uint64_t& out);

#define ISOLAB_SYSCALL(name) int32_t sys_##name(Kernel& k, Process& p, const Args& a)
// process.cpp
ISOLAB_SYSCALL(exit); ISOLAB_SYSCALL(exit_group); ISOLAB_SYSCALL(fork); ISOLAB_SYSCALL(vfork);
ISOLAB_SYSCALL(clone); ISOLAB_SYSCALL(execve); ISOLAB_SYSCALL(wait4); ISOLAB_SYSCALL(waitpid);
ISOLAB_SYSCALL(kill); ISOLAB_SYSCALL(getpid); ISOLAB_SYSCALL(getppid); ISOLAB_SYSCALL(gettid);
ISOLAB_SYSCALL(getuid); ISOLAB_SYSCALL(getgid); ISOLAB_SYSCALL(getgroups); ISOLAB_SYSCALL(setpgid); ISOLAB_SYSCALL(getpgid);
ISOLAB_SYSCALL(getpgrp); ISOLAB_SYSCALL(setsid); ISOLAB_SYSCALL(getsid);
ISOLAB_SYSCALL(set_thread_area); ISOLAB_SYSCALL(set_tid_address); ISOLAB_SYSCALL(sched_yield);
ISOLAB_SYSCALL(nanosleep); ISOLAB_SYSCALL(setuid); ISOLAB_SYSCALL(setgid);
// memory.cpp
ISOLAB_SYSCALL(brk); ISOLAB_SYSCALL(mmap2); ISOLAB_SYSCALL(old_mmap); ISOLAB_SYSCALL(munmap);
ISOLAB_SYSCALL(mprotect);
// files.cpp
ISOLAB_SYSCALL(read); ISOLAB_SYSCALL(write); ISOLAB_SYSCALL(readv); ISOLAB_SYSCALL(writev);
ISOLAB_SYSCALL(open); ISOLAB_SYSCALL(openat); ISOLAB_SYSCALL(close); ISOLAB_SYSCALL(lseek);
ISOLAB_SYSCALL(llseek); ISOLAB_SYSCALL(dup); ISOLAB_SYSCALL(dup2); ISOLAB_SYSCALL(dup3);
ISOLAB_SYSCALL(pipe); ISOLAB_SYSCALL(pipe2); ISOLAB_SYSCALL(getdents64); ISOLAB_SYSCALL(stat64);
ISOLAB_SYSCALL(lstat64); ISOLAB_SYSCALL(fstat64); ISOLAB_SYSCALL(fstatat64); ISOLAB_SYSCALL(statx); ISOLAB_SYSCALL(access);
ISOLAB_SYSCALL(faccessat); ISOLAB_SYSCALL(readlink); ISOLAB_SYSCALL(readlinkat); ISOLAB_SYSCALL(chdir);
ISOLAB_SYSCALL(fchdir); ISOLAB_SYSCALL(getcwd); ISOLAB_SYSCALL(ioctl); ISOLAB_SYSCALL(fcntl64);
// paths.cpp
ISOLAB_SYSCALL(mkdir); ISOLAB_SYSCALL(unlink); ISOLAB_SYSCALL(rmdir);
ISOLAB_SYSCALL(mkdirat); ISOLAB_SYSCALL(unlinkat); ISOLAB_SYSCALL(rename); ISOLAB_SYSCALL(renameat);
ISOLAB_SYSCALL(renameat2); ISOLAB_SYSCALL(link); ISOLAB_SYSCALL(linkat); ISOLAB_SYSCALL(symlink);
ISOLAB_SYSCALL(symlinkat); ISOLAB_SYSCALL(chmod); ISOLAB_SYSCALL(fchmod); ISOLAB_SYSCALL(fchmodat);
ISOLAB_SYSCALL(truncate); ISOLAB_SYSCALL(ftruncate); ISOLAB_SYSCALL(truncate64); ISOLAB_SYSCALL(ftruncate64);
ISOLAB_SYSCALL(utimensat); ISOLAB_SYSCALL(utimensat_time64); ISOLAB_SYSCALL(chown); ISOLAB_SYSCALL(lchown);
ISOLAB_SYSCALL(chown32); ISOLAB_SYSCALL(lchown32); ISOLAB_SYSCALL(fchown32); ISOLAB_SYSCALL(fchownat);
// system.cpp
ISOLAB_SYSCALL(uname); ISOLAB_SYSCALL(sethostname); ISOLAB_SYSCALL(clock_gettime);
ISOLAB_SYSCALL(clock_gettime64); ISOLAB_SYSCALL(gettimeofday); ISOLAB_SYSCALL(time);
ISOLAB_SYSCALL(getrandom); ISOLAB_SYSCALL(sysinfo); ISOLAB_SYSCALL(prlimit64);
ISOLAB_SYSCALL(ugetrlimit); ISOLAB_SYSCALL(umask); ISOLAB_SYSCALL(clock_nanosleep);
ISOLAB_SYSCALL(clock_nanosleep_time64);
// signal.cpp
ISOLAB_SYSCALL(rt_sigaction); ISOLAB_SYSCALL(sigaction); ISOLAB_SYSCALL(signal); ISOLAB_SYSCALL(rt_sigprocmask);
ISOLAB_SYSCALL(sigprocmask); ISOLAB_SYSCALL(rt_sigpending); ISOLAB_SYSCALL(sigpending); ISOLAB_SYSCALL(rt_sigsuspend);
ISOLAB_SYSCALL(sigsuspend); ISOLAB_SYSCALL(pause); ISOLAB_SYSCALL(alarm); ISOLAB_SYSCALL(tgkill); ISOLAB_SYSCALL(tkill);
ISOLAB_SYSCALL(sigreturn); ISOLAB_SYSCALL(rt_sigreturn); ISOLAB_SYSCALL(sigaltstack);
// namespaces.cpp
ISOLAB_SYSCALL(unshare); ISOLAB_SYSCALL(setns); ISOLAB_SYSCALL(mount); ISOLAB_SYSCALL(umount); ISOLAB_SYSCALL(umount2);
ISOLAB_SYSCALL(pivot_root);
// net.cpp
ISOLAB_SYSCALL(socketcall); ISOLAB_SYSCALL(socket); ISOLAB_SYSCALL(socketpair); ISOLAB_SYSCALL(bind);
ISOLAB_SYSCALL(connect); ISOLAB_SYSCALL(listen); ISOLAB_SYSCALL(accept4); ISOLAB_SYSCALL(getsockopt);
ISOLAB_SYSCALL(setsockopt); ISOLAB_SYSCALL(getsockname); ISOLAB_SYSCALL(getpeername); ISOLAB_SYSCALL(sendto);
ISOLAB_SYSCALL(recvfrom); ISOLAB_SYSCALL(sendmsg); ISOLAB_SYSCALL(recvmsg); ISOLAB_SYSCALL(shutdown); ISOLAB_SYSCALL(poll);
ISOLAB_SYSCALL(setitimer); ISOLAB_SYSCALL(getitimer);  // signal.cpp, beside alarm
// threads: futex.cpp, process.cpp
ISOLAB_SYSCALL(futex); ISOLAB_SYSCALL(futex_time64); ISOLAB_SYSCALL(set_robust_list);
// resource limits: system.cpp
ISOLAB_SYSCALL(setrlimit); ISOLAB_SYSCALL(old_getrlimit);
// System V IPC: ipc.cpp
ISOLAB_SYSCALL(ipc); ISOLAB_SYSCALL(semget); ISOLAB_SYSCALL(semctl); ISOLAB_SYSCALL(shmget); ISOLAB_SYSCALL(shmctl);
ISOLAB_SYSCALL(shmat); ISOLAB_SYSCALL(shmdt); ISOLAB_SYSCALL(msgget); ISOLAB_SYSCALL(msgsnd); ISOLAB_SYSCALL(msgrcv);
ISOLAB_SYSCALL(msgctl); ISOLAB_SYSCALL(semtimedop_time64);
#undef ISOLAB_SYSCALL

}  // namespace isolab::containers::syscalls
