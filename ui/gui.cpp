// The visualizer's window and frame loop: SDL2 for the window and input,
// SDL_Renderer's software renderer to draw, Dear ImGui for the panels
// (DESIGN.md section 9 on why this pair runs headless). See gui.h.
//
// A frame: handle input, run the host for a slice (session.h), draw every
// panel, render. With --screenshot the window lives on SDL's offscreen video
// driver, time per frame and the emulation per frame are fixed and there is
// no mouse, so the same command draws the same picture every time; the
// last frame's pixels are read back and written as a PNG.
#include "ui/gui.h"

#include <SDL.h>
#include <imgui.h>
#include <imgui_impl_sdl.h>
#include <imgui_impl_sdlrenderer.h>
#include <imgui_internal.h>  // the window list, to report what was drawn
#include <stb_image_write.h>

#include <cfloat>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "ui/panels.h"
#include "ui/session.h"

namespace isolab::ui {

namespace {

// Host rounds per frame when a run must repeat: 10 rounds of 100 us of
// guest time per unit of weight.
constexpr uint64_t kFixedRoundsPerFrame = 10;
// Wall time the emulation may take of an interactive frame.
constexpr double kEmulationBudgetMs = 10.0;

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

// Three columns: the host (VMs, Controls, VM exits), the CPU (Registers,
// Disassembly) and the guest's view (Console, Page tables).
void draw_panels(Session& s, float w, float h) {
  const float a = w * 0.25f, b = w * 0.31f, c = w - a - b;
  draw_vm_list(s, {0, 0, a, h * 0.20f});
  draw_controls(s, {0, h * 0.20f, a, h * 0.17f});
  draw_exits(s, {0, h * 0.37f, a, h * 0.63f});
  draw_registers(s, {a, 0, b, h * 0.50f});
  draw_disassembly(s, {a, h * 0.50f, b, h * 0.50f});
  draw_console(s, {a + b, 0, c, h * 0.60f});
  draw_page_tables(s, {a + b, h * 0.60f, c, h * 0.40f});
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
  bool quit = false;
  for (int frame = 0; !quit && (!headless || frame < o.frames); frame++) {
    const Uint64 frame_start = SDL_GetTicks64();
    SDL_Event ev;
    while (SDL_PollEvent(&ev)) {
      ImGui_ImplSDL2_ProcessEvent(&ev);
      if (ev.type == SDL_QUIT) quit = true;
      if (ev.type == SDL_KEYDOWN && !ev.key.repeat) {
        switch (ev.key.keysym.scancode) {
          case SDL_SCANCODE_F5: session->any_running() ? session->pause_all() : session->run_all(); break;
          case SDL_SCANCODE_F10: session->step_instruction(session->current()); break;
          case SDL_SCANCODE_F11: session->step_to_exit(session->current()); break;
          default: break;
        }
      }
    }
    session->advance_frame(headless ? kFixedRoundsPerFrame : 0, kEmulationBudgetMs);

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
    draw_panels(*session, io.DisplaySize.x, io.DisplaySize.y);
    ImGui::Render();

    SDL_SetRenderDrawColor(fe.renderer.get(), 24, 24, 28, 255);
    SDL_RenderClear(fe.renderer.get());
    ImGui_ImplSDLRenderer_RenderDrawData(ImGui::GetDrawData());
    const bool last = headless && frame + 1 == o.frames;
    if (last) {
      if (std::string e = write_png(fe.renderer.get(), o.screenshot); !e.empty()) {
        std::fprintf(stderr, "isolab gui: %s\n", e.c_str());
        return 1;
      }
    }
    if ((last || quit) && !o.list_windows.empty() && !write_lines(o.list_windows, windows_drawn())) {
      std::fprintf(stderr, "isolab gui: %s: cannot write the window list\n", o.list_windows.c_str());
      return 1;
    }
    SDL_RenderPresent(fe.renderer.get());
    if (!headless) {  // about 60 frames a second, leaving the rest of the CPU to the guests
      const Uint64 spent = SDL_GetTicks64() - frame_start;
      if (spent < 16) SDL_Delay(Uint32(16 - spent));
    }
  }
  return 0;
}

}  // namespace isolab::ui
