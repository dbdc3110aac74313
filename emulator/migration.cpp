// Live migration: pre-copy over TCP. See migration.h.
#include "emulator/migration.h"

#include <fmt/format.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstring>

#include "emulator/snapshot.h"

namespace isolab::emulator {

namespace {

constexpr uint32_t kMagic = 0x474D5349;  // "ISMG"
constexpr uint32_t kVersion = 1;
constexpr uint32_t kPage = 4096;
constexpr size_t kFlushAt = 1 << 20;
// Bounds on what the receiver accepts before it allocates anything.
constexpr uint32_t kMaxConfig = 4096;
constexpr uint32_t kMaxFiles = 64;
constexpr uint32_t kMaxFileName = 64;
constexpr uint64_t kMaxFileBytes = 1ull << 30;

uint64_t wall_us() {
  return uint64_t(std::chrono::duration_cast<std::chrono::microseconds>(
                      std::chrono::steady_clock::now().time_since_epoch()).count());
}

// 64-bit multiply-xor hash over 8-byte words (not cryptographic: it tells
// a faithful copy from a damaged one).
uint64_t hash_bytes(const uint8_t* p, size_t n, uint64_t h = 0x9E3779B97F4A7C15ull) {
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
  }
  for (; i < n; i++) h = (h ^ p[i]) * 0x100000001B3ull;
  return h;
}

uint64_t state_hash(const StateFiles& files) {
  uint64_t h = 0x243F6A8885A308D3ull;
  for (const auto& [name, bytes] : files) {
    h = hash_bytes(reinterpret_cast<const uint8_t*>(name.data()), name.size(), h);
    h = hash_bytes(bytes.data(), bytes.size(), h);
  }
  return h;
}

bool zero_page(const uint8_t* p) {
  static const uint8_t zeros[kPage] = {};
  return std::memcmp(p, zeros, kPage) == 0;
}

// Simulated nanoseconds `bytes` take on a link of `bps` bits per second.
uint64_t link_ns(uint64_t bytes, uint64_t bps) {
  return uint64_t((unsigned __int128)bytes * 8 * 1'000'000'000ull / bps);
}

// The pages `pfns` as records; returns how many were zero pages.
uint64_t send_pages(Machine& m, Link& link, const std::vector<uint32_t>& pfns) {
  uint64_t zeros = 0;
  for (uint32_t pfn : pfns) {
    const uint8_t* page = m.ram() + uint64_t(pfn) * kPage;
    if (zero_page(page)) {
      link.put_u8('Z');
      link.put_u32(pfn);
      zeros++;
    } else {
      link.put_u8('P');
      link.put_u32(pfn);
      link.put(page, kPage);
    }
  }
  return zeros;
}

}  // namespace

// --- the link ------------------------------------------------------------------

Link::~Link() {
  if (fd_ >= 0) close(fd_);
}

void Link::put(const void* data, size_t len) {
  const auto* p = static_cast<const uint8_t*>(data);
  out_hash_ = hash_bytes(p, len, out_hash_);
  out_.insert(out_.end(), p, p + len);
  bytes_out_ += len;
  if (out_.size() >= kFlushAt) flush();
}

void Link::flush() {
  size_t done = 0;
  while (done < out_.size()) {
    ssize_t w = send(fd_, out_.data() + done, out_.size() - done, MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) throw MigrationError(fmt::format("the connection to the other side failed: {}", std::strerror(errno)));
    done += size_t(w);
  }
  out_.clear();
}

void Link::get(void* data, size_t len, const char* what) {
  auto* p = static_cast<uint8_t*>(data);
  const uint8_t* const start = p;
  const size_t want = len;
  while (len > 0) {
    if (in_pos_ == in_.size()) {
      pollfd pfd{fd_, POLLIN, 0};
      int r = poll(&pfd, 1, timeout_ms_);
      if (r < 0 && errno == EINTR) continue;
      if (r == 0) throw MigrationError(fmt::format("the stream stalled: no {} within {} s", what, timeout_ms_ / 1000));
      uint8_t buf[65536];
      ssize_t n = r < 0 ? -1 : recv(fd_, buf, sizeof buf, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) throw MigrationError(fmt::format("the stream ended early: expected {}", what));
      in_.assign(buf, buf + n);
      in_pos_ = 0;
    }
    size_t k = std::min(len, in_.size() - in_pos_);
    std::memcpy(p, in_.data() + in_pos_, k);
    in_pos_ += k;
    p += k;
    len -= k;
  }
  in_hash_ = hash_bytes(start, want, in_hash_);
}

uint8_t Link::get_u8(const char* what) {
  uint8_t v;
  get(&v, 1, what);
  return v;
}
uint32_t Link::get_u32(const char* what) {
  uint32_t v;
  get(&v, 4, what);
  return v;
}
uint64_t Link::get_u64(const char* what) {
  uint64_t v;
  get(&v, 8, what);
  return v;
}

// --- endpoints ----------------------------------------------------------------------

bool parse_endpoint(const std::string& text, std::string& host, uint16_t& port) {
  size_t colon = text.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 >= text.size() || text.size() - colon > 6) return false;
  host = text.substr(0, colon);
  if (host == "localhost") host = "127.0.0.1";
  in_addr a;
  if (inet_pton(AF_INET, host.c_str(), &a) != 1) return false;
  uint32_t p = 0;
  for (size_t i = colon + 1; i < text.size(); i++) {
    if (text[i] < '0' || text[i] > '9') return false;
    p = p * 10 + uint32_t(text[i] - '0');
  }
  if (p > 65535) return false;
  port = uint16_t(p);
  return true;
}

namespace {
sockaddr_in address(const std::string& host, uint16_t port) {
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(port);
  inet_pton(AF_INET, host.c_str(), &sa.sin_addr);
  return sa;
}
void no_delay(int fd) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}
}  // namespace

int listen_on(const std::string& host, uint16_t& port, std::string& error) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa = address(host, port);
  if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || listen(fd, 1) != 0) {
    error = fmt::format("cannot listen on {}:{}: {}", host, port, std::strerror(errno));
    close(fd);
    return -1;
  }
  socklen_t len = sizeof sa;
  getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
  port = ntohs(sa.sin_port);
  return fd;
}

int accept_one(int listener, int timeout_ms, std::string& error) {
  pollfd pfd{listener, POLLIN, 0};
  int r;
  do r = poll(&pfd, 1, timeout_ms);
  while (r < 0 && errno == EINTR);
  if (r <= 0) {
    error = r == 0 ? fmt::format("no migration arrived within {} s", timeout_ms / 1000) : std::string(std::strerror(errno));
    return -1;
  }
  int fd = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) error = std::string("accept: ") + std::strerror(errno);
  else no_delay(fd);
  return fd;
}

int connect_to(const std::string& host, uint16_t port, std::string& error) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    error = std::string("socket: ") + std::strerror(errno);
    return -1;
  }
  sockaddr_in sa = address(host, port);
  if (connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    error = fmt::format("cannot connect to {}:{}: {}", host, port, std::strerror(errno));
    close(fd);
    return -1;
  }
  no_delay(fd);
  return fd;
}

bool parse_bandwidth(const std::string& text, uint64_t& bps) {
  std::string t = text;
  for (const char* suffix : {"bit/s", "bps", "bit"})
    if (t.size() > std::strlen(suffix) && t.compare(t.size() - std::strlen(suffix), std::string::npos, suffix) == 0) {
      t.resize(t.size() - std::strlen(suffix));
      break;
    }
  if (t.empty()) return false;
  uint64_t scale = 1;
  switch (t.back()) {
    case 'k': case 'K': scale = 1'000; break;
    case 'M': scale = 1'000'000; break;
    case 'G': scale = 1'000'000'000; break;
    default: break;
  }
  if (scale != 1) t.pop_back();
  if (t.empty() || t.size() > 12) return false;
  char* end = nullptr;
  double v = std::strtod(t.c_str(), &end);
  if (*end || !(v > 0)) return false;
  double b = v * double(scale);
  if (b < 1000 || b > 1e13) return false;  // 1 kbit/s to 10 Tbit/s
  bps = uint64_t(b);
  return true;
}

// Four independent lanes over 32-byte strides, so the multiplications
// overlap: this hash is on both sides' downtime path.
uint64_t ram_hash(Machine& m) {
  const uint8_t* p = m.ram();
  const size_t n = size_t(m.config.ram_bytes);  // a multiple of 4 KiB
  uint64_t h[4] = {0x9E3779B97F4A7C15ull, 0xC2B2AE3D27D4EB4Full, 0x165667B19E3779F9ull, 0x27D4EB2F165667C5ull};
  for (size_t i = 0; i + 32 <= n; i += 32)
    for (int k = 0; k < 4; k++) {
      uint64_t w;
      std::memcpy(&w, p + i + 8 * k, 8);
      h[k] = (h[k] ^ w) * 0xFF51AFD7ED558CCDull;
      h[k] ^= h[k] >> 29;
    }
  return hash_bytes(reinterpret_cast<const uint8_t*>(h), sizeof h);
}

// --- the source -----------------------------------------------------------------------

MigrationReport migrate_out(Machine& m, Link& link, const MigrationOptions& o, bool running) {
  if (o.bandwidth_bps == 0) throw MigrationError("the link's bandwidth must be above zero");
  MigrationReport r;
  const uint64_t t0 = wall_us();
  const uint32_t pages = uint32_t(m.config.ram_bytes / kPage);

  const std::vector<uint8_t> config = save_state_files(m).at("config");
  link.put_u32(kMagic);
  link.put_u32(kVersion);
  link.put_u32(uint32_t(config.size()));
  link.put(config.data(), config.size());

  // Round 0 sends every page; logging starts first, so a page the guest
  // writes after it was sent is in the next round's set. Logging ends with
  // the migration, however it ends (a failed one leaves the VM here, at
  // full speed again).
  m.start_dirty_log();
  struct LogOff {
    Machine& m;
    ~LogOff() { m.stop_dirty_log(); }
  } log_off{m};
  std::vector<uint32_t> send(pages);
  for (uint32_t pfn = 0; pfn < pages; pfn++) send[pfn] = pfn;
  // What the stop-and-copy round sends besides pages (CPU, devices,
  // disks), for the estimate of its downtime.
  uint64_t state_bytes = 0;
  for (const auto& [name, bytes] : save_state_files(m)) state_bytes += name.size() + bytes.size() + 6;
  uint32_t round = 0;
  std::vector<uint32_t> dirty;
  while (true) {
    const uint64_t before = link.bytes_out();
    r.zero_pages += send_pages(m, link, send);
    link.put_u8('R');
    link.put_u32(round);
    link.put_u32(uint32_t(send.size()));
    link.flush();
    const uint64_t ns = link_ns(link.bytes_out() - before, o.bandwidth_bps);
    r.total_ns += ns;
    r.pages_sent += send.size();
    r.pages_per_round.push_back(send.size());
    // While those bytes cross the link, the guest runs on.
    if (running && r.guest_stop == MachineStop::Timeout) {
      MachineStop stop = m.run(ns);
      if (stop != MachineStop::Timeout && stop != MachineStop::Exited) r.guest_stop = stop;
    }
    dirty = m.take_dirty_pages();
    round++;
    const uint64_t rest_ns = link_ns(uint64_t(dirty.size()) * (5 + kPage) + state_bytes, o.bandwidth_bps);
    const bool small = rest_ns <= o.downtime_target_ns;
    const bool not_shrinking = round >= 2 && dirty.size() >= send.size();
    if (small || not_shrinking || round >= o.max_rounds) break;
    send.swap(dirty);
  }

  // Stop and copy: the guest is paused from here on.
  const uint64_t pause_us = wall_us();
  r.insns_at_stop = m.cpu.s.insns;
  const uint64_t before = link.bytes_out();
  r.dirty_at_stop = dirty.size();
  r.zero_pages += send_pages(m, link, dirty);
  link.put_u8('R');
  link.put_u32(round);
  link.put_u32(uint32_t(dirty.size()));
  r.pages_sent += dirty.size();
  r.pages_per_round.push_back(dirty.size());
  StateFiles files = save_state_files(m);
  files.erase("config");
  link.put_u8('S');
  link.put_u32(uint32_t(files.size()));
  for (const auto& [name, bytes] : files) {
    uint16_t n = uint16_t(name.size());
    link.put(&n, 2);
    link.put(name.data(), name.size());
    link.put_u32(uint32_t(bytes.size()));
    link.put(bytes.data(), bytes.size());
  }
  r.ram_hash = ram_hash(m);
  link.put_u8('E');
  link.put_u64(link.out_hash());
  link.put_u64(r.ram_hash);
  link.put_u64(state_hash(files));
  link.put_u8(o.lockstep ? 'L' : 'F');
  link.flush();
  r.downtime_ns = link_ns(link.bytes_out() - before, o.bandwidth_bps);
  r.total_ns += r.downtime_ns;
  r.bytes_sent = link.bytes_out();
  r.wp_faults = m.dirty_log_wp_faults();

  const uint8_t ack = link.get_u8("the target's acknowledgement");
  const uint64_t their_hash = link.get_u64("the target's RAM hash");
  r.target_pid = int(link.get_u32("the target's process id"));
  if (ack != 'K' || their_hash != r.ram_hash)
    throw MigrationError("the target's copy of the RAM differs from the source's");
  const uint64_t t1 = wall_us();
  r.downtime_us = t1 - pause_us;
  r.total_us = t1 - t0;
  return r;
}

// --- the target ------------------------------------------------------------------------

std::unique_ptr<Machine> migrate_in(Link& link, bool& lockstep) {
  if (link.get_u32("the stream's magic number") != kMagic) throw MigrationError("not a migration stream (bad magic number)");
  if (uint32_t v = link.get_u32("the stream's version"); v != kVersion)
    throw MigrationError(fmt::format("migration stream version {}, this isolab reads version {}", v, kVersion));
  const uint32_t config_len = link.get_u32("the configuration's length");
  if (config_len == 0 || config_len > kMaxConfig) throw MigrationError(fmt::format("configuration of {} bytes: corrupt stream", config_len));
  StateFiles files;
  files["config"].resize(config_len);
  link.get(files["config"].data(), config_len, "the configuration");
  const MachineConfig config = config_from_state_files(files, "migration stream: ");
  auto m = std::make_unique<Machine>(config);
  const uint32_t pages = uint32_t(config.ram_bytes / kPage);

  uint32_t next_round = 0, pages_in_round = 0;
  bool have_state = false;
  while (true) {
    const uint8_t kind = link.get_u8("a record");
    switch (kind) {
      case 'P':
      case 'Z': {
        const uint32_t pfn = link.get_u32("a page number");
        if (pfn >= pages) throw MigrationError(fmt::format("page {} is outside the VM's {} pages: corrupt stream", pfn, pages));
        uint8_t* page = m->ram() + uint64_t(pfn) * kPage;
        if (kind == 'P') link.get(page, kPage, "a page's bytes");
        else std::memset(page, 0, kPage);
        pages_in_round++;
        break;
      }
      case 'R': {
        const uint32_t round = link.get_u32("a round number");
        const uint32_t count = link.get_u32("a round's page count");
        if (round != next_round) throw MigrationError(fmt::format("round {} after round {}: corrupt stream", round, next_round - 1));
        if (count != pages_in_round) throw MigrationError(fmt::format("round {} says {} pages, {} came: corrupt stream", round, count, pages_in_round));
        next_round++;
        pages_in_round = 0;
        break;
      }
      case 'S': {
        const uint32_t n = link.get_u32("the number of state files");
        if (n > kMaxFiles || have_state) throw MigrationError("a malformed state section: corrupt stream");
        for (uint32_t k = 0; k < n; k++) {
          uint16_t name_len;
          link.get(&name_len, 2, "a state file's name length");
          if (name_len == 0 || name_len > kMaxFileName) throw MigrationError("a state file name of a bad length: corrupt stream");
          std::string name(name_len, '\0');
          link.get(name.data(), name_len, "a state file's name");
          const uint32_t len = link.get_u32("a state file's length");
          if (len > kMaxFileBytes || name == "config") throw MigrationError(fmt::format("state file '{}' is malformed: corrupt stream", name));
          // Grown as the bytes arrive, so a corrupt length costs nothing
          // before the stream runs out.
          std::vector<uint8_t>& bytes = files[name];
          bytes.clear();
          for (uint32_t done = 0; done < len;) {
            const uint32_t chunk = std::min<uint32_t>(len - done, 1u << 16);
            bytes.resize(done + chunk);
            link.get(bytes.data() + done, chunk, "a state file's bytes");
            done += chunk;
          }
        }
        have_state = true;
        break;
      }
      case 'E': {
        const uint64_t stream_hash = link.in_hash();
        if (link.get_u64("the stream hash") != stream_hash) throw MigrationError("the stream arrived damaged (hash mismatch)");
        const uint64_t want_ram = link.get_u64("the RAM hash");
        const uint64_t want_state = link.get_u64("the state hash");
        const uint8_t mode = link.get_u8("the run mode");
        if (!have_state || next_round == 0) throw MigrationError("the stream ended before the VM's state: corrupt stream");
        if (mode != 'F' && mode != 'L') throw MigrationError("an unknown run mode: corrupt stream");
        StateFiles state = files;
        state.erase("config");
        if (state_hash(state) != want_state) throw MigrationError("the CPU and device state arrived damaged (hash mismatch)");
        const uint64_t got_ram = ram_hash(*m);
        if (got_ram != want_ram) throw MigrationError("the RAM arrived damaged (hash mismatch)");
        restore_state_files(*m, files, "migration stream: ");
        lockstep = mode == 'L';
        link.put_u8('K');
        link.put_u64(got_ram);
        link.put_u32(uint32_t(getpid()));
        link.flush();
        return m;
      }
      default: throw MigrationError(fmt::format("unknown record 0x{:02x}: corrupt stream", kind));
    }
  }
}

}  // namespace isolab::emulator
