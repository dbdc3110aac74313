// `isolab gui --screenshot`: the default scenario rendered headless is a
// real picture with every panel on it, the same every time, and bad usage
// exits 2 (DESIGN.md sections 7 and 9).
#include <doctest/doctest.h>
#include <unistd.h>
#include <stb_image.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

namespace {

const std::string kDir = ISOLAB_UI_TEST_DIR;

// The panels the visualizer must show (ui/panels.h), by window title.
const std::vector<std::string> kRequiredWindows = {
    "VMs",     "Controls",     "VM exits", "Host overview", "Registers",  "Disassembly", "Memory",
    "Console", "Page tables", "Syscall log", "Lesson",     "Containers", "Comparison"};

// Run the gui command with `args`; returns its exit status. stderr goes to
// `err_file` when given.
int gui(const std::string& args, const std::string& env = "", const std::string& err_file = "") {
  std::string cmd = env + " " + ISOLAB_GUI_DRIVER + " gui " + args;
  if (!err_file.empty()) cmd += " 2>" + err_file;
  int rc = std::system(cmd.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

std::string read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

struct Shot {
  int status = -1;
  std::string png, windows;
};

// The default scenario's screenshot, taken once for the cases that check it.
const Shot& default_shot() {
  static Shot shot = [] {
    Shot s;
    // ctest runs each case in its own process, two at a time: each process
    // gets its own files.
    const std::string tag = std::to_string(getpid());
    s.png = kDir + "/default-" + tag + ".png";
    s.windows = kDir + "/default-" + tag + ".windows";
    std::remove(s.png.c_str());
    std::remove(s.windows.c_str());
    s.status = gui("--screenshot " + s.png + " --frames 30 --list-windows " + s.windows);
    return s;
  }();
  return shot;
}

}  // namespace

TEST_CASE("gui: the default scenario renders headless to a PNG of the window's size that is not blank") {
  const Shot& shot = default_shot();
  REQUIRE(shot.status == 0);
  int w = 0, h = 0, channels = 0;
  unsigned char* px = stbi_load(shot.png.c_str(), &w, &h, &channels, 3);
  REQUIRE(px != nullptr);
  CHECK(w == 1600);
  CHECK(h == 900);
  // Not blank: the luminance varies, and there are many colours.
  double sum = 0, sum2 = 0;
  std::set<uint32_t> colours;
  const size_t n = size_t(w) * size_t(h);
  for (size_t k = 0; k < n; k++) {
    const unsigned char* p = px + 3 * k;
    const double y = 0.299 * p[0] + 0.587 * p[1] + 0.114 * p[2];
    sum += y;
    sum2 += y * y;
    if (colours.size() < 1000) colours.insert(uint32_t(p[0]) << 16 | uint32_t(p[1]) << 8 | p[2]);
  }
  stbi_image_free(px);
  const double mean = sum / double(n), variance = sum2 / double(n) - mean * mean;
  CHECK(variance > 100.0);
  CHECK(colours.size() > 16);
}

TEST_CASE("gui: every panel's window is drawn in the last frame, as ImGui records it") {
  const Shot& shot = default_shot();
  REQUIRE(shot.status == 0);
  std::set<std::string> drawn;
  std::ifstream f(shot.windows);
  for (std::string line; std::getline(f, line);) drawn.insert(line);
  for (const std::string& title : kRequiredWindows) {
    INFO("window: " << title);
    CHECK(drawn.count(title) == 1);
  }
}

TEST_CASE("gui: the same command draws the same picture") {
  const Shot& shot = default_shot();
  REQUIRE(shot.status == 0);
  const std::string again = kDir + "/default-again-" + std::to_string(getpid()) + ".png";
  REQUIRE(gui("--screenshot " + again + " --frames 30") == 0);
  CHECK(read_text(again) == read_text(shot.png));
}

TEST_CASE("gui: rasterizing only the windows that changed draws the same picture as redrawing all of them") {
  const Shot& shot = default_shot();
  REQUIRE(shot.status == 0);
  const std::string tag = std::to_string(getpid());
  const std::string png = kDir + "/default-changed-" + tag + ".png", out = kDir + "/default-changed-" + tag + ".out";
  REQUIRE(gui("--screenshot " + png + " --frames 30 --redraw-changed-only >" + out) == 0);
  CHECK(read_text(png) == read_text(shot.png));
  // And it did skip windows: "rasterized N of M windows in 30 frames ...", N < M.
  unsigned long long n = 0, m = 0;
  REQUIRE(std::sscanf(read_text(out).c_str(), "isolab gui: rasterized %llu of %llu windows", &n, &m) == 2);
  CHECK(m == 30 * 13);
  CHECK(n > 13);  // the first frame draws everything, later ones what changed
  CHECK(n < m);
}

TEST_CASE("gui: bad usage exits 2 with one line on stderr") {
  const std::string err = kDir + "/usage.err";
  const std::string x = kDir + "/x-" + std::to_string(getpid()) + ".png";
  CHECK(gui("--scenario nosuch --screenshot " + x, "", err) == 2);
  CHECK(read_text(err).find("nosuch") != std::string::npos);
  CHECK(gui("--frames 3", "", err) == 2);  // --frames needs --screenshot
  CHECK(gui("--screenshot " + x + " --frames 0", "", err) == 2);
  CHECK(gui("--screenshot " + x + " --scale 9", "", err) == 2);
  CHECK(read_text(err) == "isolab gui: --scale 9: expected 0.5 to 4\n");
  // No display and no --screenshot: nothing to draw on.
  CHECK(gui("", "env -u DISPLAY -u WAYLAND_DISPLAY -u SDL_VIDEODRIVER", err) == 2);
  CHECK(read_text(err).find("no display") != std::string::npos);
}
