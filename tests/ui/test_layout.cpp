// The panels' layout (ui/layout.h): every panel has a place at a laptop's
// 1600x900 and at a projector's 1280x720 with --scale 1.5, tiled panels
// cover the display without overlapping, tabbed ones are reachable through
// their group's tabs; and `isolab gui --size 1280x720 --scale 1.5` draws
// one panel of each group, readable, with the others behind their tabs.
#include <doctest/doctest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <string>

#include "ui/layout.h"

using namespace isolab::ui;

namespace {

bool overlap(const PanelPlace& a, const PanelPlace& b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

// The places of the panels (or groups) shown at once, one each.
std::vector<PanelPlace> distinct_places(const Layout& l) {
  std::vector<PanelPlace> out;
  std::set<int> groups;
  for (size_t k = 0; k < kPanelCount; k++) {
    if (l.group[k] >= 0 && !groups.insert(l.group[k]).second) continue;
    out.push_back(l.place[k]);
  }
  return out;
}

// The places tile the display: no two overlap, and their areas add up to it.
void check_tiles(const Layout& l, float w, float h) {
  const std::vector<PanelPlace> places = distinct_places(l);
  double area = 0;
  for (size_t a = 0; a < places.size(); a++) {
    const PanelPlace& p = places[a];
    CHECK(p.w >= 200);  // not a sliver
    CHECK(p.h >= 100);
    CHECK(p.x >= 0);
    CHECK(p.y >= 0);
    CHECK(p.x + p.w <= w);
    CHECK(p.y + p.h <= h);
    area += double(p.w) * double(p.h);
    for (size_t b = a + 1; b < places.size(); b++) CHECK_FALSE(overlap(p, places[b]));
  }
  CHECK(area == doctest::Approx(double(w) * double(h)));
}

int gui(const std::string& args) {
  const int rc = std::system((std::string(ISOLAB_GUI_DRIVER) + " gui " + args).c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

}  // namespace

TEST_CASE("layout: at 1600x900 every panel is on screen, tiled, and the Console holds 80 columns") {
  const Layout l = layout_for(1600, 900, 1.0f);
  CHECK(std::string(l.name) == "tiled");
  CHECK(l.groups.empty());
  for (size_t k = 0; k < kPanelCount; k++) CHECK(l.group[k] == -1);
  check_tiles(l, 1600, 900);
  for (size_t k = 0; k < kPanelCount; k++)
    if (std::string(kPanels[k].title) == "Console") CHECK(l.place[k].w >= 80 * 7 + 16);
}

TEST_CASE("layout: a projector's 1280x720 at scale 1.5 groups the panels in tabs, each panel in one group") {
  for (auto [w, h, scale] : {std::tuple{1280.0f, 720.0f, 1.5f}, std::tuple{1600.0f, 900.0f, 1.5f},
                             std::tuple{1280.0f, 720.0f, 1.0f}, std::tuple{1024.0f, 600.0f, 1.0f}}) {
    INFO(w << "x" << h << " at " << scale);
    const Layout l = layout_for(w, h, scale);
    CHECK(std::string(l.name).rfind("tabbed", 0) == 0);
    std::multiset<size_t> in_groups;
    for (const auto& g : l.groups) {
      CHECK_FALSE(g.empty());
      for (size_t k : g) in_groups.insert(k);
    }
    for (size_t k = 0; k < kPanelCount; k++) {
      CHECK(in_groups.count(k) == 1);
      REQUIRE(l.group[k] >= 0);
      // A group's panels share its place.
      const size_t first = l.groups[size_t(l.group[k])].front();
      CHECK(l.place[k].x == l.place[first].x);
      CHECK(l.place[k].w == l.place[first].w);
    }
    check_tiles(l, w, h);
  }
}

TEST_CASE("layout: a tab picked in a group stays picked while the layout stays, and the first one shows at a new layout") {
  use_layout(layout_for(1280, 720, 1.5f));
  LayoutState& st = layout_state();
  CHECK(st.moved);
  REQUIRE(st.layout.groups.size() >= 2);
  const std::vector<size_t>& g = st.layout.groups[0];
  REQUIRE(g.size() >= 2);
  CHECK(panel_shown(g[0]));
  CHECK_FALSE(panel_shown(g[1]));
  st.selected[0] = g[1];  // what a click on its tab does
  use_layout(layout_for(1280, 720, 1.5f));
  CHECK_FALSE(st.moved);
  CHECK(panel_shown(g[1]));
  CHECK_FALSE(panel_shown(g[0]));
  use_layout(layout_for(1600, 900, 1.0f));  // Ctrl - back to the laptop's scale: everything tiled
  CHECK(st.moved);
  for (size_t k = 0; k < kPanelCount; k++) CHECK(panel_shown(k));
}

TEST_CASE("layout: `isolab gui --size 1280x720 --scale 1.5` shows one panel of each group") {
  const std::string tag = std::to_string(getpid());
  const std::string png = std::string(ISOLAB_UI_TEST_DIR) + "/projector-" + tag + ".png";
  const std::string list = std::string(ISOLAB_UI_TEST_DIR) + "/projector-" + tag + ".windows";
  REQUIRE(gui("--screenshot " + png + " --frames 20 --size 1280x720 --scale 1.5 --list-windows " + list) == 0);
  std::set<std::string> drawn;
  std::ifstream f(list);
  for (std::string line; std::getline(f, line);) drawn.insert(line);
  const Layout l = layout_for(1280, 720, 1.5f);
  CHECK(drawn.size() == l.groups.size());
  for (const auto& g : l.groups) CHECK(drawn.count(kPanels[g.front()].title) == 1);
  CHECK(drawn.count("Controls") == 1);  // the debugger's buttons stay in view
  CHECK(drawn.count("Console") == 1);
  CHECK(gui("--screenshot " + png + " --size 1280by720") == 2);
}
