// Live migration of a VM between two isolab processes: pre-copy with
// dirty-page tracking over TCP on loopback (DESIGN.md section 4).
//
// The scheme is Clark et al.'s ("Live Migration of Virtual Machines",
// NSDI 2005), as QEMU/KVM implement it with dirty logging:
//   round 0     send every RAM page while the guest keeps running;
//   round n     send the pages the guest dirtied during round n-1
//               (cpu/dirty_log.h: KVM's write-protect-and-log), again while
//               it runs;
//   stop        when the dirty set is small enough to send within the
//               downtime target, stops shrinking, or a round limit is hit:
//   stop-and-copy  pause the guest, send the last dirty pages and the CPU
//               and device state (the snapshot's files, snapshot.h), and
//               the target resumes it.
// A page of zeros goes as its number alone (QEMU's zero-page flag).
//
// Time is simulated, so runs repeat: the link is modelled with a bandwidth,
// and a round of B bytes lets the guest run B / bandwidth of its own clock.
// The downtime in simulated time is the last round's bytes / bandwidth.
// The bytes really go over a TCP socket to the other process, and the wall
// clock measures that transfer too (downtime: from the pause to the
// target's acknowledgement that it holds the whole VM, hashes checked).
// Lesson 12 migrates an idle VM and one that keeps writing memory.
//
// The stream (little-endian; every field is checked by the receiver, which
// refuses a truncated or corrupt stream with one line, never trusting a
// length it has not bounded):
//   "ISMG" u32 version, u32 config length, the snapshot's config text
//   'P' u32 pfn, 4096 bytes        a page
//   'Z' u32 pfn                    a page of zeros
//   'R' u32 round, u32 pages       the end of a round
//   'S' u32 files, then per file u16 name length, name, u32 length, bytes
//   'E' u64 stream hash (of every field before it, 'E' included), u64 RAM
//       hash, u64 state hash, u8 mode ('F' run free, 'L' lockstep)
// and back from the target: 'K' u64 RAM hash, u32 its process id.
#pragma once
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "emulator/machine.h"

namespace isolab::emulator {

struct MigrationError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A connected TCP socket, buffered both ways, with a wall-clock limit on
// every wait so a peer that stops talking cannot hang this process.
class Link {
 public:
  explicit Link(int fd, int timeout_ms = 30000) : fd_(fd), timeout_ms_(timeout_ms) {}
  ~Link();
  Link(const Link&) = delete;
  Link& operator=(const Link&) = delete;

  void put(const void* data, size_t len);
  void put_u8(uint8_t v) { put(&v, 1); }
  void put_u32(uint32_t v) { put(&v, 4); }
  void put_u64(uint64_t v) { put(&v, 8); }
  void flush();
  // Read exactly `len` bytes; throws MigrationError naming `what` if the
  // peer closes, the wait times out or the socket fails.
  void get(void* data, size_t len, const char* what);
  uint8_t get_u8(const char* what);
  uint32_t get_u32(const char* what);
  uint64_t get_u64(const char* what);
  uint64_t bytes_out() const { return bytes_out_; }
  // How long get() waits for the peer, in ms; -1: for as long as it takes
  // (the peer's closing or death still ends the wait).
  void set_timeout(int ms) { timeout_ms_ = ms; }
  // Running hashes of every field put and got, in order: the same on both
  // sides of a stream that arrived whole.
  uint64_t out_hash() const { return out_hash_; }
  uint64_t in_hash() const { return in_hash_; }
  int fd() const { return fd_; }

 private:
  int fd_;
  int timeout_ms_;
  std::vector<uint8_t> out_;
  std::vector<uint8_t> in_;
  size_t in_pos_ = 0;
  uint64_t bytes_out_ = 0;
  uint64_t out_hash_ = 0, in_hash_ = 0;
};

// "127.0.0.1:7000" (an IPv4 address or "localhost", then a port 0-65535).
bool parse_endpoint(const std::string& text, std::string& host, uint16_t& port);
// A listening socket on host:port (port 0: the kernel picks one, returned
// in `port`); -1 with `error` set on failure.
int listen_on(const std::string& host, uint16_t& port, std::string& error);
// Wait up to `timeout_ms` for one connection on `listener`; -1 with `error`.
int accept_one(int listener, int timeout_ms, std::string& error);
// Connect to host:port; -1 with `error` set.
int connect_to(const std::string& host, uint16_t port, std::string& error);

// "1G", "100M", "1Gbit/s", "500Mbit", "10k" or a number: bits per second.
bool parse_bandwidth(const std::string& text, uint64_t& bits_per_second);

struct MigrationOptions {
  uint64_t bandwidth_bps = 1'000'000'000;  // the modelled link: 1 Gbit/s
  uint32_t max_rounds = 30;                // pre-copy rounds at most (Xen's default)
  uint64_t downtime_target_ns = 1'000'000;  // stop when the rest fits in 1 ms
  // The target keeps the VM paused and serves the source's commands
  // (remote_vm.h) rather than running it on its own.
  bool lockstep = false;
};

struct MigrationReport {
  std::vector<uint64_t> pages_per_round;  // round 0 first; the stop-and-copy round last
  uint64_t pages_sent = 0;    // page records, zero pages included
  uint64_t zero_pages = 0;    // of which pages of zeros (sent as their number)
  uint64_t bytes_sent = 0;    // everything on the stream
  uint64_t dirty_at_stop = 0;  // pages sent while the guest was paused
  uint64_t downtime_ns = 0;   // simulated: the stop-and-copy round's bytes / bandwidth
  uint64_t total_ns = 0;      // simulated: all bytes / bandwidth
  uint64_t downtime_us = 0;   // wall: from the pause to the target's acknowledgement
  uint64_t total_us = 0;      // wall: the whole migration
  uint64_t wp_faults = 0;     // first writes to a clean page while logging (cpu/dirty_log.h)
  uint64_t ram_hash = 0;      // of the RAM both sides hold at the end
  uint64_t insns_at_stop = 0;  // instructions the guest had retired when it was paused
  int target_pid = 0;         // the process that runs the VM now
  // The guest stopped by itself during pre-copy (halted, powered off):
  // how, as Machine::run said; Timeout while it was still running.
  MachineStop guest_stop = MachineStop::Timeout;
  uint32_t rounds() const { return uint32_t(pages_per_round.size()); }
};

// Migrate `m` to the target at the other end of `link`. When `running`,
// the guest runs during the pre-copy rounds; afterwards it is paused here
// (its state is the target's now). Throws MigrationError.
MigrationReport migrate_out(Machine& m, Link& link, const MigrationOptions& options, bool running);

// The target's side: read one migration from `link` and return the
// machine it describes, every hash checked; `lockstep` says which mode the
// source asked for. Throws MigrationError (a stream that is cut short,
// corrupt, or for another isolab version) or SnapshotError (a state file
// that does not fit), each one line.
std::unique_ptr<Machine> migrate_in(Link& link, bool& lockstep);

// A 64-bit hash of the guest's RAM, the same on both sides when they agree.
uint64_t ram_hash(Machine& m);

}  // namespace isolab::emulator
