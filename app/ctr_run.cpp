// isolab ctr run|images: one container on a fresh simulated host kernel,
// through the container runtime (ctr_run.h).
#include "app/ctr_run.h"

#include <CLI/CLI.hpp>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <unistd.h>
#include <vector>

#include "containers/container.h"
#include "containers/image.h"
#include "containers/kernel.h"
#include "containers/linux_abi.h"
#include "containers/runtime.h"

#if __has_include("minios_paths.h")
#include "minios_paths.h"
#endif

namespace isolab::app {

namespace {

// IMAGE is "minios" (the miniOS user programs), "busybox" (Debian's
// busybox-static:i386 from scripts/fetch-busybox) or a host directory
// holding a root file system.
containers::ErrorOr<containers::Image> find_image(const std::string& name) {
#ifdef ISOLAB_MINIOS_BIN_DIR
  if (name == "minios") return containers::image_from_bin_dir("minios", ISOLAB_MINIOS_BIN_DIR);
#endif
  if (name == "busybox") return containers::image_busybox(containers::busybox_cache_dir());
  if (name.find('/') != std::string::npos || name == ".") {
    std::string base = std::filesystem::path(name).lexically_normal().filename().string();
    if (base.empty()) base = std::filesystem::path(name).lexically_normal().parent_path().filename().string();
    return containers::image_from_rootfs(base.empty() ? "rootfs" : base, name);
  }
  return containers::make_error(2, "unknown image '" + name + "' (known: minios, busybox, or a directory holding a root file system)");
}

// Docker's memory sizes (go-units RAMInBytes): a number with an optional
// b, k, m or g unit, case-insensitive, the unit optionally followed by "b".
bool parse_memory(const std::string& text, uint64_t& bytes) {
  size_t i = 0;
  uint64_t v = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    if (v > (UINT64_MAX - 9) / 10) return false;
    v = v * 10 + uint64_t(text[i++] - '0');
  }
  if (i == 0) return false;
  std::string unit = text.substr(i);
  for (char& ch : unit) ch = char(std::tolower(static_cast<unsigned char>(ch)));
  int shift = 0;
  if (unit == "" || unit == "b") shift = 0;
  else if (unit == "k" || unit == "kb") shift = 10;
  else if (unit == "m" || unit == "mb") shift = 20;
  else if (unit == "g" || unit == "gb") shift = 30;
  else return false;
  if (v > (UINT64_MAX >> shift)) return false;
  bytes = v << shift;
  return true;
}

}  // namespace

int ctr_run(int argc, char** argv) {
  CLI::App app{"run one container on a fresh host kernel", "isolab ctr run"};
  std::string name, hostname;
  app.add_option("--name", name, "the container's name (default: the image's)");
  app.add_option("--hostname", hostname, "its host name, in its own UTS namespace (default: the name)");
  std::string memory;
  int64_t pids_limit = -1;
  app.add_option("--memory,-m", memory, "memory limit (memory.max of its cgroup), e.g. 8m, 512k, 1g");
  app.add_option("--pids-limit", pids_limit, "most processes at once (pids.max of its cgroup); -1: unlimited");
  double cpus = 0;
  uint32_t cpu_weight = 0;
  std::string network = "bridge";
  app.add_option("--cpus", cpus, "CPUs it may use (cpu.max of its cgroup), e.g. 0.5")->check(CLI::Range(0.001, 64.0));
  app.add_option("--cpu-weight", cpu_weight, "its CPU share (cpu.weight of its cgroup, 1..10000)")->check(CLI::Range(1, 10000));
  app.add_option("--network", network, "bridge (docker0, 172.17.0.N; the default), none (lo only) or host (the host's network namespace)")
      ->check(CLI::IsMember({"bridge", "none", "host"}));
  app.prefix_command();  // IMAGE and CMD... (and their options) are not ours to parse
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 0; i--) args.push_back(argv[i]);
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    std::printf("%s\n  IMAGE [--] [CMD...]  minios, busybox, or a directory holding a root file system; CMD defaults to sh\n",
                app.help().c_str());
    return 0;
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "isolab ctr run: %s\n", e.what());
    return 2;
  }
  std::vector<std::string> rest = app.remaining();
  if (!rest.empty() && rest.front() == "--") rest.erase(rest.begin());
  if (rest.empty()) {
    std::fprintf(stderr,
                 "isolab ctr run: missing IMAGE (usage: isolab ctr run [--name N] [--hostname H] [--memory SIZE] "
                 "[--pids-limit N] [--cpus N] [--cpu-weight N] [--network bridge|none|host] IMAGE [CMD...])\n");
    return 2;
  }
  uint64_t memory_max = 0;
  if (!memory.empty() && (!parse_memory(memory, memory_max) || memory_max < 4096)) {
    std::fprintf(stderr, "isolab ctr run: --memory '%s': expected a size of at least 4k such as 8m, 512k or 1g\n",
                 memory.c_str());
    return 2;
  }
  std::string image_name = rest.front();
  if (image_name.size() > 1 && image_name[0] == '-') {
    std::fprintf(stderr, "isolab ctr run: unknown option '%s' (see isolab ctr run --help)\n", image_name.c_str());
    return 2;
  }
  rest.erase(rest.begin());
  if (!rest.empty() && rest.front() == "--") rest.erase(rest.begin());

  auto image = find_image(image_name);
  if (!image) {
    std::fprintf(stderr, "isolab ctr run: %s\n", image.error().message.c_str());
    return 2;
  }
  containers::Kernel kernel;
  containers::Runtime runtime(kernel);
  std::string image_ref = image->name;
  runtime.add_image(std::move(*image));
  containers::ContainerSpec spec;
  spec.name = name;
  spec.hostname = hostname;
  spec.cmd = rest;
  spec.memory_max = memory_max;
  spec.pids_max = pids_limit > 0 ? pids_limit : -1;
  spec.cpus = cpus;
  spec.cpu_weight = cpu_weight;
  spec.network = network;
  containers::RunOptions options;
  options.attach = true;
  options.on_output = [](int stream, const std::string& text) {
    std::FILE* out = stream == 2 ? stderr : stdout;
    std::fwrite(text.data(), 1, text.size(), out);
    std::fflush(out);
  };
  options.stdin_read = [](char* buf, size_t len) -> long { return long(::read(0, buf, len)); };
  auto c = runtime.run(image_ref, spec, options);
  if (!c) {
    std::fprintf(stderr, "isolab ctr run: %s\n", c.error().message.c_str());
    return 2;
  }
  // The kernel refused to execute the program ("exec format error: ...").
  if ((*c)->state == containers::ContainerState::Failed) {
    std::fprintf(stderr, "isolab ctr run: %s\n", (*c)->error.c_str());
    return 2;
  }
  if ((*c)->state != containers::ContainerState::Exited) {
    std::fprintf(stderr, "isolab ctr run: %s: the container's processes are all blocked (deadlock)\n", (*c)->c.name.c_str());
    return 1;
  }
  return (*c)->c.exit_code;
}

int ctr_images(int argc, char**) {
  if (argc > 0) {
    std::fprintf(stderr, "isolab ctr images: takes no arguments\n");
    return 2;
  }
  containers::Kernel kernel;
  containers::Runtime runtime(kernel);
  std::vector<std::string> missing;
  for (const char* name : {"minios", "busybox"}) {
    auto image = find_image(name);
    if (image) runtime.add_image(std::move(*image));
    else missing.push_back(std::string(name) + ": " + image.error().message);
  }
  std::printf("%-12s %-19s %10s  %s\n", "IMAGE", "LAYER", "SIZE", "CREATED BY");
  for (const containers::ImageInfo& info : runtime.images()) {
    std::printf("%-12s %-19s %10llu  %zu layer%s\n", info.name.c_str(), "", (unsigned long long)info.bytes,
                info.layers.size(), info.layers.size() == 1 ? "" : "s");
    for (const containers::LayerPtr& l : info.layers)
      std::printf("%-12s %-19s %10llu  %s\n", "", l->id.substr(0, 19).c_str(), (unsigned long long)l->bytes,
                  l->created_by.c_str());
  }
  std::printf("layer store: %zu layers, %llu bytes\n", kernel.layers.layers().size(),
              (unsigned long long)runtime.layers_bytes());
  for (const std::string& m : missing) std::printf("(not available: %s)\n", m.c_str());
  return 0;
}

int ctr_main(int argc, char** argv) {
  std::string verb = argc > 0 ? argv[0] : "";
  if (verb == "run") return ctr_run(argc - 1, argv + 1);
  if (verb == "images") return ctr_images(argc - 1, argv + 1);
  if (verb == "-h" || verb == "--help") {
    std::printf("isolab ctr run [flags] IMAGE [CMD...]   one container on a fresh host kernel\n"
                "isolab ctr images                       the images and their layers\n"
                "The other verbs (exec ps stop kill rm logs stats commit) act on running\n"
                "containers: use them in `isolab console` as `ctr VERB ...`.\n");
    return 0;
  }
  for (const char* console_verb : {"exec", "ps", "stop", "kill", "rm", "logs", "stats", "commit"})
    if (verb == console_verb) {
      std::fprintf(stderr,
                   "isolab ctr %s: a one-shot command has no running containers; use `ctr %s` in isolab console\n",
                   verb.c_str(), verb.c_str());
      return 2;
    }
  std::fprintf(stderr, "isolab ctr: %s (expected run or images; see isolab ctr --help)\n",
               verb.empty() ? "missing verb" : ("unknown verb '" + verb + "'").c_str());
  return 2;
}

}  // namespace isolab::app
