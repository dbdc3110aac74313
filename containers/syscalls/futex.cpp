// futex(2): the one kernel primitive user-space locks, condition variables
// and pthread_join sleep on (kernel/futex/). A futex is a 32-bit word in
// user memory; FUTEX_WAIT sleeps only if the word still holds the value
// the caller saw (otherwise EAGAIN: it changed meanwhile, try again), and
// FUTEX_WAKE wakes up to N sleepers on the word, first come first woken.
// The word is named by (address space, address), as Linux keys a private
// futex; a word in a System V shared memory segment is named by its
// physical address, so processes mapping the segment meet on it (Linux
// keys it by the segment's inode and offset). Timeouts are in simulated
// time; a signal ends the wait with EINTR.
// Lesson: "threads share one address space".
#include <algorithm>

#include "containers/linux_abi.h"
#include "containers/syscalls/syscalls.h"

namespace isolab::containers::syscalls {

using namespace linux_abi;

namespace {

// futex_op values (include/uapi/linux/futex.h).
constexpr uint32_t FUTEX_WAIT = 0, FUTEX_WAKE = 1, FUTEX_REQUEUE = 3, FUTEX_CMP_REQUEUE = 4, FUTEX_WAIT_BITSET = 9,
                   FUTEX_WAKE_BITSET = 10, FUTEX_PRIVATE_FLAG = 128, FUTEX_CLOCK_REALTIME = 256;
constexpr int32_t LINUX_ETIMEDOUT = 110;

uint64_t next_seq = 0;

// The futex's name: shared-memory words by physical address, others by
// address space and virtual address.
struct Key {
  const void* space;
  uint32_t addr;
  bool operator==(const Key&) const = default;
};

Key key_of(Process& p, uint32_t uaddr) {
  const Vma* v = p.mm->find(uaddr);
  if (v && v->kind == Vma::Kind::Shm) {
    uint32_t pa = p.mm->translate(uaddr);
    if (pa) return Key{nullptr, pa};
  }
  return Key{p.mm.get(), uaddr};
}

// Sleepers on `key` in the order they came.
std::vector<Process*> waiters(Kernel& k, const Key& key, uint32_t bitset) {
  std::vector<Process*> out;
  for (auto& [pid, q] : k.processes())
    if (q->futex_waiting && q->state == ProcState::Sleeping && Key{q->futex_space, q->futex_addr} == key &&
        (q->futex_bitset & bitset))
      out.push_back(q.get());
  std::sort(out.begin(), out.end(), [](const Process* a, const Process* b) { return a->futex_seq < b->futex_seq; });
  return out;
}

int wake(Kernel& k, const Key& key, int n, uint32_t bitset) {
  int woken = 0;
  for (Process* q : waiters(k, key, bitset)) {
    if (woken >= n) break;
    q->futex_waiting = false;
    q->state = ProcState::Runnable;
    q->ctx.reg[cpu::EAX] = 0;  // FUTEX_WAIT returns 0
    woken++;
  }
  return woken;
}

// Sleep on `uaddr` if it still holds `val`, until `deadline_ns` (UINT64_MAX: none).
int32_t wait(Kernel& k, Process& p, uint32_t uaddr, uint32_t val, uint64_t deadline_ns, uint32_t bitset) {
  if (bitset == 0) return -LINUX_EINVAL;
  uint32_t now_val;
  if (!p.mm->copy_in(uaddr, &now_val, 4)) return -LINUX_EFAULT;
  if (now_val != val) return -LINUX_EAGAIN;
  if (p.sigpending & ~p.sigmask) return -LINUX_EINTR;
  if (deadline_ns <= k.now_ns()) return -LINUX_ETIMEDOUT;
  Key key = key_of(p, uaddr);
  p.futex_waiting = true;
  p.futex_space = key.space;
  p.futex_addr = key.addr;
  p.futex_bitset = bitset;
  p.futex_seq = next_seq++;
  p.sleep_rem_va = 0;
  p.wake_ns = deadline_ns;
  p.state = ProcState::Sleeping;
  return -LINUX_ETIMEDOUT;  // what EAX holds if the deadline comes first; a wake makes it 0
}

// A timespec argument as nanoseconds (32- or 64-bit fields).
bool read_timeout(Process& p, uint32_t va, bool time64, uint64_t& ns) {
  int64_t sec, nsec;
  if (time64) {
    int64_t ts[2];
    if (!p.mm->copy_in(va, ts, sizeof ts)) return false;
    sec = ts[0], nsec = ts[1];
  } else {
    int32_t ts[2];
    if (!p.mm->copy_in(va, ts, sizeof ts)) return false;
    sec = ts[0], nsec = ts[1];
  }
  if (sec < 0 || nsec < 0 || nsec >= 1000000000) return false;
  ns = uint64_t(sec) * 1000000000ull + uint64_t(nsec);
  return true;
}

int32_t do_futex(Kernel& k, Process& p, const Args& a, bool time64) {
  const uint32_t uaddr = a[0], op = a[1] & ~(FUTEX_PRIVATE_FLAG | FUTEX_CLOCK_REALTIME), val = a[2];
  if (uaddr & 3) return -LINUX_EINVAL;
  if ((a[1] & FUTEX_CLOCK_REALTIME) && op != FUTEX_WAIT_BITSET && op != FUTEX_WAIT) return -LINUX_ENOSYS;
  switch (op) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET: {
      uint64_t deadline = UINT64_MAX;
      if (a[3]) {
        uint64_t t;
        if (!read_timeout(p, a[3], time64, t)) return p.mm->find(a[3]) ? -LINUX_EINVAL : -LINUX_EFAULT;
        if (op == FUTEX_WAIT) {
          deadline = k.now_ns() + t;  // relative
        } else {
          // Absolute, on CLOCK_REALTIME or CLOCK_MONOTONIC.
          uint64_t now;
          read_clock(k, p, (a[1] & FUTEX_CLOCK_REALTIME) ? LINUX_CLOCK_REALTIME : LINUX_CLOCK_MONOTONIC, now);
          deadline = k.now_ns() + (t > now ? t - now : 0);
        }
      }
      return wait(k, p, uaddr, val, deadline, op == FUTEX_WAIT ? ~0u : a[5]);
    }
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET: {
      if (op == FUTEX_WAKE_BITSET && a[5] == 0) return -LINUX_EINVAL;
      if (!p.mm->find(uaddr)) return -LINUX_EFAULT;
      return wake(k, key_of(p, uaddr), int(std::min<uint32_t>(val, INT32_MAX)), op == FUTEX_WAKE ? ~0u : a[5]);
    }
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE: {
      // Wake `val` sleepers on uaddr, move up to a[3] of the rest onto uaddr2.
      if (op == FUTEX_CMP_REQUEUE) {
        uint32_t cur;
        if (!p.mm->copy_in(uaddr, &cur, 4)) return -LINUX_EFAULT;
        if (cur != a[5]) return -LINUX_EAGAIN;
      }
      if (a[4] & 3) return -LINUX_EINVAL;
      if (!p.mm->find(a[4])) return -LINUX_EFAULT;
      Key from = key_of(p, uaddr), to = key_of(p, a[4]);
      int woken = wake(k, from, int(std::min<uint32_t>(val, INT32_MAX)), ~0u);
      int moved = 0;
      for (Process* q : waiters(k, from, ~0u)) {
        if (uint32_t(moved) >= a[3]) break;
        q->futex_space = to.space;
        q->futex_addr = to.addr;
        moved++;
      }
      return woken + moved;
    }
    default:
      return -LINUX_ENOSYS;  // FUTEX_WAKE_OP, the PI and requeue-PI operations
  }
}

}  // namespace

int futex_wake(Kernel& k, const AddressSpace* mm, uint32_t uaddr, int n, uint32_t bitset) {
  return wake(k, Key{mm, uaddr}, n, bitset);
}

// futex(uaddr, op, val, timeout or val2, uaddr2, val3): the 32-bit timespec.
int32_t sys_futex(Kernel& k, Process& p, const Args& a) { return do_futex(k, p, a, false); }
// futex_time64: the same with a 64-bit timespec, what glibc on i386 calls first.
int32_t sys_futex_time64(Kernel& k, Process& p, const Args& a) { return do_futex(k, p, a, true); }

}  // namespace isolab::containers::syscalls
