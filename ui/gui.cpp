// The visualizer's window and frame loop: SDL2 for the window and input,
// SDL_Renderer's software renderer to draw, Dear ImGui for the panels
// (DESIGN.md section 9 on why this pair runs headless). See gui.h.
//
// Interactive, the lab runs on the session's worker thread (session.h); a
// frame handles input, freezes the lab between two slices while the panels
// build their draw lists, lets it go, then rasterizes and presents. With
// --screenshot the window lives on SDL's offscreen video driver, there is
// no worker: each frame runs a fixed number of rounds first, time per frame
// is fixed and there is no mouse, so the same command draws the same
// picture every time; the last frame's pixels are read back as a PNG.
#include "ui/gui.h"

#include <SDL.h>
#include <imgui.h>
#include <imgui_impl_sdl.h>
#include <imgui_impl_sdlrenderer.h>
#include <imgui_internal.h>  // the window list, to report what was drawn
#include <stb_image_write.h>

#include <algorithm>
#include <cfloat>
#include <chrono>
#include <thread>

#include <time.h>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "ui/layout.h"
#include "ui/panels.h"
#include "ui/redraw.h"
#include "ui/session.h"

namespace isolab::ui {

namespace {

// Host rounds per frame when a run must repeat: 10 rounds of 100 us of
// guest time per unit of weight.
constexpr uint64_t kFixedRoundsPerFrame = 10;
// An interactive frame's period: about 60 frames a second.
constexpr double kFrameMs = 16.0;

struct SdlWindowDeleter {
  void operator()(SDL_Window* w) const { SDL_DestroyWindow(w); }
};
struct SdlRendererDeleter {
  void operator()(SDL_Renderer* r) const { SDL_DestroyRenderer(r); }
};

// SDL, ImGui and its two backends, brought up in order and torn down in
// reverse.
class Frontend {
 public:
  ~Frontend() {
    if (renderer_backend_) ImGui_ImplSDLRenderer_Shutdown();
    if (platform_backend_) ImGui_ImplSDL2_Shutdown();
    if (imgui_) ImGui::DestroyContext();
    renderer.reset();
    window.reset();
    if (sdl_) SDL_Quit();
  }

  // Returns an error message, empty on success.
  std::string open(const GuiOptions& o, bool headless) {
    if (SDL_Init(SDL_INIT_VIDEO | SDL_INIT_TIMER) != 0) return std::string("SDL_Init: ") + SDL_GetError();
    sdl_ = true;
    // The software renderer draws into the window's surface; show that
    // surface as it is (X11: a shared-memory image), rather than through a
    // second, OpenGL renderer that SDL would otherwise put behind it: on a
    // machine without a GPU that renderer is Mesa's llvmpipe, which
    // costs more CPU per frame than drawing the panels did.
    SDL_SetHint(SDL_HINT_FRAMEBUFFER_ACCELERATION, "0");
    const Uint32 flags = headless ? SDL_WINDOW_HIDDEN : SDL_WINDOW_SHOWN;
    window.reset(SDL_CreateWindow("isolab", SDL_WINDOWPOS_CENTERED, SDL_WINDOWPOS_CENTERED, o.width, o.height, flags));
    if (!window) return std::string("SDL_CreateWindow: ") + SDL_GetError();
    renderer.reset(SDL_CreateRenderer(window.get(), -1, SDL_RENDERER_SOFTWARE));
    if (!renderer) return std::string("SDL_CreateRenderer (software): ") + SDL_GetError();
    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    imgui_ = true;
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = nullptr;  // no imgui.ini: every run starts from the same layout
    io.LogFilename = nullptr;
    ImGui::StyleColorsDark();
    platform_backend_ = ImGui_ImplSDL2_InitForSDLRenderer(window.get());
    if (!platform_backend_) return "ImGui_ImplSDL2_InitForSDLRenderer failed";
    renderer_backend_ = ImGui_ImplSDLRenderer_Init(renderer.get());
    if (!renderer_backend_) return "ImGui_ImplSDLRenderer_Init failed";
    return "";
  }

  std::unique_ptr<SDL_Window, SdlWindowDeleter> window;
  std::unique_ptr<SDL_Renderer, SdlRendererDeleter> renderer;

 private:
  bool sdl_ = false, imgui_ = false, platform_backend_ = false, renderer_backend_ = false;
};

// The UI thread's CPU time so far, in milliseconds (what a frame costs
// this thread, whatever else the host runs).
double thread_cpu_ms() {
  timespec t;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

// Where a frame's CPU time goes, summed over the frames of `isolab bench ui`.
struct FrameCosts {
  double panel_ms[kPanelCount] = {};
  double wait_ms = 0, input_ms = 0, imgui_ms = 0, raster_ms = 0, present_ms = 0;
};

// The panels, where the layout for this display and font scale puts them
// (layout.h); a tabbed panel only when its tab is the one shown.
void draw_panels(Session& s, float w, float h, FrameCosts* costs) {
  use_layout(layout_for(w, h, ImGui::GetIO().FontGlobalScale));
  for (size_t k = 0; k < kPanelCount; k++) {
    if (!panel_shown(k)) continue;
    const double t0 = costs ? thread_cpu_ms() : 0;
    kPanels[k].draw(s, layout_state().layout.place[k]);
    if (costs) costs->panel_ms[k] += thread_cpu_ms() - t0;
  }
}

// The help overlay (F1): the keys and what the panels show.
void draw_help(bool& open) {
  if (!open) return;
  const ImVec2 size = ImGui::GetIO().DisplaySize;
  ImGui::SetNextWindowPos(ImVec2(size.x * 0.5f, size.y * 0.5f), ImGuiCond_Always, ImVec2(0.5f, 0.5f));
  ImGui::SetNextWindowBgAlpha(0.95f);
  if (ImGui::Begin("Help (F1)", &open, ImGuiWindowFlags_AlwaysAutoResize | ImGuiWindowFlags_NoCollapse)) {
    static const char* const kKeys[][2] = {
        {"F1", "this help"},
        {"F5", "run / pause the lab"},
        {"F10", "step the selected VM one instruction"},
        {"F11", "step the selected VM to its next VM exit"},
        {"Ctrl + / Ctrl -", "larger / smaller text (also --scale)"},
        {"click a VM", "the per-VM panels show it"},
        {"click a disassembly line", "toggle a breakpoint at that address"},
        {"click the VGA screen", "type on the VM's terminal (Escape lets go)"},
        {"click a call in the Syscall log", "break on it in that container"},
        {"Escape", "close this help"},
    };
    if (ImGui::BeginTable("keys", 2, ImGuiTableFlags_SizingFixedFit)) {
      for (const auto& k : kKeys) {
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(k[0]);
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(k[1]);
      }
      ImGui::EndTable();
    }
    ImGui::Separator();
    ImGui::TextUnformatted("The console line takes the lab's commands: vm step NAME --to exit|syscall|insn|break,\n"
                           "vm break NAME exit REASON|syscall NR|addr 0xADDR, ctr step NAME [--to break],\n"
                           "ctr break NAME syscall NR|NAME|clear, ctr run, show EXPR ...");
  }
  ImGui::End();
}

// The titles of the top-level windows ImGui drew this frame, as ImGui
// itself records them (not as the panels believe they drew them).
std::vector<std::string> windows_drawn() {
  std::vector<std::string> titles;
  const ImGuiContext& g = *ImGui::GetCurrentContext();
  for (const ImGuiWindow* win : g.Windows) {
    if (!win->Active || win->Hidden || win->Collapsed) continue;
    if (win->Flags & (ImGuiWindowFlags_ChildWindow | ImGuiWindowFlags_Tooltip | ImGuiWindowFlags_Popup)) continue;
    if (win->IsFallbackWindow) continue;  // ImGui's implicit "Debug##Default"
    titles.emplace_back(win->Name);
  }
  return titles;
}

bool write_lines(const std::string& path, const std::vector<std::string>& lines) {
  std::ofstream f(path);
  for (const std::string& l : lines) f << l << '\n';
  return bool(f);
}

// The renderer's pixels as a PNG at `path`. Returns an error, empty on success.
std::string write_png(SDL_Renderer* r, const std::string& path) {
  int w = 0, h = 0;
  if (SDL_GetRendererOutputSize(r, &w, &h) != 0) return std::string("SDL_GetRendererOutputSize: ") + SDL_GetError();
  std::vector<uint8_t> rgb(size_t(w) * size_t(h) * 3);
  if (SDL_RenderReadPixels(r, nullptr, SDL_PIXELFORMAT_RGB24, rgb.data(), w * 3) != 0)
    return std::string("SDL_RenderReadPixels: ") + SDL_GetError();
  if (!stbi_write_png(path.c_str(), w, h, 3, rgb.data(), w * 3)) return path + ": cannot write the PNG";
  return "";
}

// Input: the keys of the help overlay and of a debugger. Returns true when
// the window was closed.
bool handle_events(Session& s, bool& help) {
  ImGuiIO& io = ImGui::GetIO();
  bool quit = false;
  SDL_Event ev;
  while (SDL_PollEvent(&ev)) {
    ImGui_ImplSDL2_ProcessEvent(&ev);
    if (ev.type == SDL_QUIT) quit = true;
    if (ev.type != SDL_KEYDOWN || ev.key.repeat) continue;
    const bool ctrl = ev.key.keysym.mod & KMOD_CTRL;
    switch (ev.key.keysym.scancode) {
      case SDL_SCANCODE_F1: help = !help; break;
      case SDL_SCANCODE_ESCAPE: help = false; break;
      case SDL_SCANCODE_F5: s.toggle_run(); break;
      case SDL_SCANCODE_PAUSE: s.pause_all(); break;
      case SDL_SCANCODE_F10: s.step_instruction(); break;
      case SDL_SCANCODE_F11: s.step_to_exit(); break;
      case SDL_SCANCODE_EQUALS: case SDL_SCANCODE_KP_PLUS:
        if (ctrl) io.FontGlobalScale = std::min(3.0f, io.FontGlobalScale + 0.1f);
        break;
      case SDL_SCANCODE_MINUS: case SDL_SCANCODE_KP_MINUS:
        if (ctrl) io.FontGlobalScale = std::max(0.5f, io.FontGlobalScale - 0.1f);
        break;
      default: break;
    }
  }
  return quit;
}

// Build one frame's draw lists from the session (frozen by the caller).
void draw_frame(Session& s, const GuiOptions& o, bool headless, bool& help, FrameCosts* costs = nullptr) {
  ImGuiIO& io = ImGui::GetIO();
  s.sync_slots();
  s.frames++;
  ImGui_ImplSDLRenderer_NewFrame();
  ImGui_ImplSDL2_NewFrame();
  io.DisplaySize = ImVec2(float(o.width), float(o.height));
  io.DisplayFramebufferScale = ImVec2(1, 1);
  if (headless) {  // the same time step and no pointer, so runs repeat
    io.DeltaTime = 1.0f / 60.0f;
    io.MousePos = ImVec2(-FLT_MAX, -FLT_MAX);
    for (bool& down : io.MouseDown) down = false;
  }
  ImGui::NewFrame();
  draw_panels(s, io.DisplaySize.x, io.DisplaySize.y, costs);
  draw_help(help);
  const double t0 = costs ? thread_cpu_ms() : 0;
  ImGui::Render();
  if (costs) costs->imgui_ms += thread_cpu_ms() - t0;
}

// Rasterize the frame's draw lists (the lab is no longer needed): only the
// windows that changed, unless `full` (redraw.h).
Redraw::Stats render(SDL_Renderer* r, Redraw& redraw, bool full) {
  return redraw.draw(r, ImGui::GetDrawData(), SDL_Color{24, 24, 28, 255}, full);
}

bool has_display() {
  return std::getenv("DISPLAY") || std::getenv("WAYLAND_DISPLAY") || std::getenv("SDL_VIDEODRIVER");
}

}  // namespace

int run_gui(const GuiOptions& o) {
  const Scenario* scenario = find_scenario(o.scenario);
  if (!scenario) {
    std::string known;
    for (const Scenario& s : scenarios()) known += std::string(known.empty() ? "" : ", ") + s.name;
    std::fprintf(stderr, "isolab gui: --scenario '%s': unknown (known: %s)\n", o.scenario.c_str(), known.c_str());
    return 2;
  }
  const bool headless = !o.screenshot.empty();
  if (headless && o.frames < 1) {
    std::fprintf(stderr, "isolab gui: --frames %d: expected at least 1\n", o.frames);
    return 2;
  }
  if (!(o.scale >= 0.5f && o.scale <= 4.0f)) {
    std::fprintf(stderr, "isolab gui: --scale %g: expected 0.5 to 4\n", double(o.scale));
    return 2;
  }
  if (o.width < 320 || o.height < 200 || o.width > 8192 || o.height > 8192) {
    std::fprintf(stderr, "isolab gui: window size %dx%d: expected 320x200 to 8192x8192\n", o.width, o.height);
    return 2;
  }
  // Headless rendering needs no display: SDL's offscreen video driver keeps
  // the window in memory (unless the caller chose a driver).
  if (headless) setenv("SDL_VIDEODRIVER", "offscreen", /*overwrite=*/0);
  else if (!has_display()) {
    std::fprintf(stderr, "isolab gui: no display (DISPLAY is not set); --screenshot FILE.png renders without one\n");
    return 2;
  }

  std::string error;
  std::unique_ptr<Session> session = Session::create(*scenario, error);
  if (!session) {
    std::fprintf(stderr, "isolab gui: %s\n", error.c_str());
    return 2;
  }
  Frontend fe;
  if (std::string e = fe.open(o, headless); !e.empty()) {
    std::fprintf(stderr, "isolab gui: %s\n", e.c_str());
    return 1;
  }
  ImGuiIO& io = ImGui::GetIO();
  io.FontGlobalScale = o.scale;
  // Interactive: the lab runs on its own thread while the window draws.
  // Headless: a fixed number of rounds a frame, on this thread, so the
  // same command draws the same picture.
  if (!headless) session->start_worker();
  bool quit = false, help = false;
  Redraw redraw;
  uint64_t windows_redrawn = 0, windows_on_screen = 0;
  for (int frame = 0; !quit && (!headless || frame < o.frames); frame++) {
    const Uint64 frame_start = SDL_GetTicks64();
    if (headless) session->advance_frame(kFixedRoundsPerFrame);
    const bool last = headless && frame + 1 == o.frames;
    {
      // Input and the panels both read the session (the selected VM, its
      // slots): with the lab frozen.
      std::unique_lock<std::mutex> frozen = session->freeze();
      if (!headless) quit = handle_events(*session, help);
      draw_frame(*session, o, headless, help);
      if ((last || quit) && !o.list_windows.empty() && !write_lines(o.list_windows, windows_drawn())) {
        std::fprintf(stderr, "isolab gui: %s: cannot write the window list\n", o.list_windows.c_str());
        return 1;
      }
    }
    const Redraw::Stats drawn = render(fe.renderer.get(), redraw, headless && !o.redraw_changed_only);
    windows_redrawn += uint64_t(drawn.redrawn);
    windows_on_screen += uint64_t(drawn.windows);
    if (last) {
      if (std::string e = write_png(fe.renderer.get(), o.screenshot); !e.empty()) {
        std::fprintf(stderr, "isolab gui: %s\n", e.c_str());
        return 1;
      }
    }
    SDL_RenderPresent(fe.renderer.get());
    if (!headless) {  // about 60 frames a second
      const Uint64 spent = SDL_GetTicks64() - frame_start;
      const double pause = double(spent) < kFrameMs ? kFrameMs - double(spent) : 0;
      session->next_freeze_at(std::chrono::steady_clock::now() + std::chrono::duration_cast<std::chrono::nanoseconds>(
                                                                     std::chrono::duration<double, std::milli>(pause)));
      if (pause > 0) SDL_Delay(Uint32(pause));
    }
  }
  session->stop_worker();
  if (headless && o.redraw_changed_only)
    std::printf("isolab gui: rasterized %llu of %llu windows in %d frames (only the changed ones)\n",
                (unsigned long long)windows_redrawn, (unsigned long long)windows_on_screen, o.frames);
  return 0;
}

std::string bench_ui(double seconds, UiBenchFigures& out) {
  using Clock = std::chrono::steady_clock;
  std::string error;
  std::unique_ptr<Session> session = Session::create(*find_scenario("spin"), error);
  if (!session) return error;
  // Boot both VMs and let them reach their spin loops first.
  for (int k = 0; k < 2000; k++) {
    session->advance_frame(10);
    bool spinning = true;
    for (const auto& vm : session->lab.host.vms()) spinning &= session->lab.extra(vm->name).pending_input.empty();
    if (spinning && k > 20) break;
  }
  auto insns = [&] {
    auto frozen = session->freeze();
    uint64_t n = 0;
    for (const auto& vm : session->lab.host.vms()) n += vm->machine->cpu.s.insns;
    return n;
  };
  auto seconds_since = [](Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); };
  session->start_worker();
  // Without the UI: the worker alone.
  uint64_t i0 = insns();
  Clock::time_point t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
  out.mips_without_ui = double(insns() - i0) / seconds_since(t0) / 1e6;

  // With the UI drawing flat out on the offscreen driver.
  setenv("SDL_VIDEODRIVER", "offscreen", 0);
  GuiOptions o;
  Frontend fe;
  if (std::string e = fe.open(o, /*headless=*/true); !e.empty()) return e;
  bool help = false;
  std::vector<double> frame_ms;
  i0 = insns();
  t0 = Clock::now();
  std::vector<double> frame_cpu_ms;
  FrameCosts costs;
  double wait_wall_ms = 0;
  Redraw redraw;
  uint64_t windows_redrawn = 0, windows_on_screen = 0;
  while (seconds_since(t0) < seconds) {
    const Clock::time_point f0 = Clock::now();
    const double c0 = thread_cpu_ms();
    {
      std::unique_lock<std::mutex> frozen = session->freeze();
      const double c1 = thread_cpu_ms();
      costs.wait_ms += c1 - c0;
      wait_wall_ms += std::chrono::duration<double, std::milli>(Clock::now() - f0).count();
      handle_events(*session, help);
      costs.input_ms += thread_cpu_ms() - c1;
      draw_frame(*session, o, /*headless=*/false, help, &costs);
    }
    const double c2 = thread_cpu_ms();
    const Redraw::Stats drawn = render(fe.renderer.get(), redraw, /*full=*/false);
    windows_redrawn += drawn.redrawn;
    windows_on_screen += drawn.windows;
    const double c3 = thread_cpu_ms();
    SDL_RenderPresent(fe.renderer.get());
    costs.raster_ms += c3 - c2;
    costs.present_ms += thread_cpu_ms() - c3;
    frame_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - f0).count());
    frame_cpu_ms.push_back(thread_cpu_ms() - c0);
    // Paced as the window is (about 60 frames a second), so the guests get
    // what is left, as they do when a student watches.
    const double spent = std::chrono::duration<double, std::milli>(Clock::now() - f0).count();
    const auto pause = std::chrono::duration<double, std::milli>(spent < kFrameMs ? kFrameMs - spent : 0);
    session->next_freeze_at(Clock::now() + std::chrono::duration_cast<std::chrono::nanoseconds>(pause));
    if (spent < kFrameMs) std::this_thread::sleep_for(pause);
  }
  const double wall = seconds_since(t0);
  out.mips_with_ui = double(insns() - i0) / wall / 1e6;
  session->stop_worker();
  out.frames = frame_ms.size();
  out.fps = double(frame_ms.size()) / wall;
  double sum = 0;
  for (double f : frame_ms) sum += f;
  out.frame_ms_mean = frame_ms.empty() ? 0 : sum / double(frame_ms.size());
  double cpu = 0;
  for (double f : frame_cpu_ms) cpu += f;
  out.frame_cpu_ms_mean = frame_cpu_ms.empty() ? 0 : cpu / double(frame_cpu_ms.size());
  const double n = double(std::max<size_t>(1, frame_ms.size()));
  out.freeze_wait_ms_mean = wait_wall_ms / n;
  out.windows_redrawn = windows_on_screen ? double(windows_redrawn) / double(windows_on_screen) : 0;
  out.breakdown.clear();
  for (size_t k = 0; k < kPanelCount; k++) out.breakdown.push_back({kPanels[k].title, costs.panel_ms[k] / n});
  out.breakdown.push_back({"(freeze)", costs.wait_ms / n});
  out.breakdown.push_back({"(input)", costs.input_ms / n});
  out.breakdown.push_back({"(imgui render)", costs.imgui_ms / n});
  out.breakdown.push_back({"(rasterize)", costs.raster_ms / n});
  out.breakdown.push_back({"(present)", costs.present_ms / n});
  std::sort(frame_ms.begin(), frame_ms.end());
  out.frame_ms_p99 = frame_ms.empty() ? 0 : frame_ms[std::min(frame_ms.size() - 1, frame_ms.size() * 99 / 100)];
  return "";
}

}  // namespace isolab::ui
