// Snapshots and clones. See snapshot.h.
#include "emulator/snapshot.h"

#include "cpu/block_cache.h"

#include <fmt/format.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <type_traits>

namespace isolab::emulator {

namespace fs = std::filesystem;

namespace {

// cpu.bin starts with this, then sizeof(CpuState): a snapshot from a build
// whose CPU state differs is refused rather than misread. "ISC2": the state
// includes the x87 FPU (CpuState::fpu: registers, TOP, tags, FCW, FSW and
// the last-instruction pointers), saved and restored with the rest.
constexpr uint32_t kCpuMagic = 0x49534332;  // "ISC2"
static_assert(std::is_trivially_copyable_v<cpu::CpuState>);
static_assert(std::is_trivially_copyable_v<ExitCounters>);

void write_file(const fs::path& p, const void* data, size_t len) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  if (!f) throw SnapshotError(fmt::format("{}: cannot write", p.string()));
  f.write(static_cast<const char*>(data), std::streamsize(len));
  if (!f) throw SnapshotError(fmt::format("{}: write failed", p.string()));
}

std::vector<uint8_t> read_all(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw SnapshotError(fmt::format("{}: missing from the snapshot", p.string()));
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

struct MachineBlob {
  uint64_t idle_ns;
  ExitCounters exits;
};

// Copy the state (not the configuration) of `from` into `to`.
void copy_state(const Machine& from, Machine& to) {
  // RAM is shared copy-on-write where the host allows, copied otherwise.
  if (!const_cast<Machine&>(from).share_ram(to))
    std::memcpy(to.ram(), const_cast<Machine&>(from).ram(), from.config.ram_bytes);
  to.cpu.s = from.cpu.s;
  to.set_idle_ns(from.idle_ns());
  to.exits = from.exits;
  to.rom = from.rom;
  for (int unit = 0; unit < 2; unit++)
    if (from.ata.present(unit)) to.ata.attach(unit, from.ata.disk(unit));
}

std::vector<Device*> devices_of(Machine& m) {
  return {&m.pic, &m.pit, &m.uart, &m.rtc, &m.vga, &m.kbc, &m.ata, &m.debugcon, &m.debug_exit, &m.lapic, &m.ioapic};
}

// After the state changed under the CPU: drop every cache built from the
// old state.
void forget_caches(Machine& m) {
  // The nested MMU's host tables only map guest RAM that exists in both
  // machines alike, so they stay valid; the shadow tables do not.
  m.shadow.reset();
  m.cpu.flush_tlb();
  m.cpu.block_cache().clear();
}

}  // namespace

StateFiles save_state_files(const Machine& cm) {
  Machine& m = const_cast<Machine&>(cm);  // Device::save is const; the device list is not
  StateFiles files;
  std::ostringstream cfg;
  cfg << "ram_bytes = " << m.config.ram_bytes << "\n"
      << "ns_per_insn = " << m.config.ns_per_insn << "\n"
      << "rtc_epoch = " << m.config.rtc_epoch << "\n"
      << "paging = " << paging_mode_name(m.config.paging) << "\n";
  std::string text = cfg.str();
  files["config"].assign(text.begin(), text.end());

  std::vector<uint8_t>& cpu = files["cpu.bin"];
  cpu.resize(8 + sizeof(cpu::CpuState));
  uint32_t magic = kCpuMagic, size = sizeof(cpu::CpuState);
  std::memcpy(cpu.data(), &magic, 4);
  std::memcpy(cpu.data() + 4, &size, 4);
  std::memcpy(cpu.data() + 8, &m.cpu.s, sizeof(cpu::CpuState));

  MachineBlob blob{m.idle_ns(), m.exits};
  files["machine.bin"].resize(sizeof blob);
  std::memcpy(files["machine.bin"].data(), &blob, sizeof blob);

  for (Device* d : devices_of(m)) files["devices/" + std::string(d->name()) + ".bin"] = d->save();
  for (int unit = 0; unit < 2; unit++)
    if (m.ata.present(unit)) files[fmt::format("disk{}.img", unit)] = m.ata.disk(unit);
  if (m.rom.mapped()) files["rom.bin"] = m.rom.image;
  return files;
}

MachineConfig config_from_state_files(const StateFiles& files, const std::string& where) {
  const std::string path = where + "config";
  auto it = files.find("config");
  if (it == files.end()) throw SnapshotError(fmt::format("{}: missing from the snapshot", path));
  std::istringstream cfg(std::string(it->second.begin(), it->second.end()));
  std::map<std::string, std::string> kv;
  std::string line;
  int lineno = 0;
  while (std::getline(cfg, line)) {
    lineno++;
    if (line.empty()) continue;
    size_t eq = line.find(" = ");
    if (eq == std::string::npos) throw SnapshotError(fmt::format("{}:{}: expected 'key = value'", path, lineno));
    kv[line.substr(0, eq)] = line.substr(eq + 3);
  }
  MachineConfig config;
  try {
    config.ram_bytes = std::stoull(kv.at("ram_bytes"));
    config.ns_per_insn = std::stoull(kv.at("ns_per_insn"));
    config.rtc_epoch = std::stoll(kv.at("rtc_epoch"));
  } catch (const std::exception&) {
    throw SnapshotError(fmt::format("{}: needs ram_bytes, ns_per_insn and rtc_epoch as numbers", path));
  }
  const std::string paging = kv.count("paging") ? kv["paging"] : "shadow";
  bool known = false;
  for (size_t k = 0; k < kPagingModeNames.size(); k++)
    if (paging == kPagingModeNames[k]) {
      config.paging = PagingMode(k);
      known = true;
    }
  if (!known) throw SnapshotError(fmt::format("{}: paging '{}' is not shadow, nested or direct", path, paging));
  if (config.ram_bytes < (1u << 20) || config.ram_bytes > (3ull << 30) || config.ns_per_insn == 0)
    throw SnapshotError(fmt::format("{}: ram_bytes or ns_per_insn out of range", path));
  return config;
}

void restore_state_files(Machine& m, const StateFiles& files, const std::string& where) {
  auto need = [&](const std::string& name) -> const std::vector<uint8_t>& {
    auto it = files.find(name);
    if (it == files.end()) throw SnapshotError(fmt::format("{}{}: missing from the snapshot", where, name));
    return it->second;
  };
  const std::vector<uint8_t>& cpu = need("cpu.bin");
  uint32_t magic = 0, size = 0;
  if (cpu.size() >= 8) {
    std::memcpy(&magic, cpu.data(), 4);
    std::memcpy(&size, cpu.data() + 4, 4);
  }
  if (magic != kCpuMagic || size != sizeof(cpu::CpuState) || cpu.size() != 8 + sizeof(cpu::CpuState))
    throw SnapshotError(fmt::format("{}cpu.bin: not a CPU state of this isolab version", where));
  std::memcpy(&m.cpu.s, cpu.data() + 8, sizeof(cpu::CpuState));

  const std::vector<uint8_t>& mb = need("machine.bin");
  if (mb.size() != sizeof(MachineBlob)) throw SnapshotError(fmt::format("{}machine.bin: wrong size", where));
  MachineBlob blob;
  std::memcpy(&blob, mb.data(), sizeof blob);
  m.set_idle_ns(blob.idle_ns);
  m.exits = blob.exits;

  for (int unit = 0; unit < 2; unit++)
    if (auto it = files.find(fmt::format("disk{}.img", unit)); it != files.end()) m.ata.attach(unit, it->second);
  if (auto it = files.find("rom.bin"); it != files.end()) {
    m.rom.image = it->second;
    if (auto problem = check_rom_image(where + "rom.bin", m.rom.image.size())) throw SnapshotError(*problem);
  }
  for (Device* d : devices_of(m)) {
    const std::string name = "devices/" + std::string(d->name()) + ".bin";
    if (!d->restore(need(name))) throw SnapshotError(fmt::format("{}{}: does not fit the {} device", where, name, d->name()));
  }
  forget_caches(m);
}

void save_snapshot(const Machine& cm, const std::string& folder) {
  Machine& m = const_cast<Machine&>(cm);
  fs::path dir(folder);
  std::error_code ec;
  fs::create_directories(dir / "devices", ec);
  if (ec) throw SnapshotError(fmt::format("{}: cannot create: {}", (dir / "devices").string(), ec.message()));
  write_file(dir / "ram.bin", m.ram(), m.config.ram_bytes);
  StateFiles files = save_state_files(m);
  for (const auto& [name, bytes] : files) write_file(dir / name, bytes.data(), bytes.size());
  // A folder saved over an older snapshot loses the disks and ROM this VM lacks.
  for (const char* optional : {"disk0.img", "disk1.img", "rom.bin"})
    if (!files.count(optional)) fs::remove(dir / optional, ec);
}

std::unique_ptr<Machine> restore_snapshot(const std::string& folder) {
  fs::path dir(folder);
  if (!fs::is_directory(dir)) throw SnapshotError(fmt::format("{}: not a snapshot folder", folder));
  const std::string where = (dir / "").string();
  StateFiles files;
  files["config"] = read_all(dir / "config");
  MachineConfig config = config_from_state_files(files, where);
  auto m = std::make_unique<Machine>(config);
  std::vector<uint8_t> ram = read_all(dir / "ram.bin");
  if (ram.size() != config.ram_bytes)
    throw SnapshotError(fmt::format("{}: {} bytes, config says {}", (dir / "ram.bin").string(), ram.size(), config.ram_bytes));
  std::memcpy(m->ram(), ram.data(), ram.size());
  // Every state file the folder holds (a missing required one is named by
  // restore_state_files).
  for (const char* name : {"cpu.bin", "machine.bin", "disk0.img", "disk1.img", "rom.bin"})
    if (fs::exists(dir / name)) files[name] = read_all(dir / name);
  for (Device* d : devices_of(*m)) {
    const std::string name = "devices/" + std::string(d->name()) + ".bin";
    if (fs::exists(dir / name)) files[name] = read_all(dir / name);
  }
  restore_state_files(*m, files, where);
  return m;
}

std::unique_ptr<Machine> clone_machine(const Machine& cm) {
  Machine& src = const_cast<Machine&>(cm);
  auto m = std::make_unique<Machine>(src.config);
  copy_state(src, *m);
  std::vector<Device*> from = devices_of(src), to = devices_of(*m);
  for (size_t k = 0; k < from.size(); k++) to[k]->restore(from[k]->save());
  forget_caches(*m);
  return m;
}

}  // namespace isolab::emulator
