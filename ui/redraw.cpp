// Redraw only the windows that changed (redraw.h).
#include "ui/redraw.h"

#include <imgui_impl_sdlrenderer.h>
#include <imgui_internal.h>  // which window owns which draw list

#include <cmath>
#include <cstring>
#include <unordered_map>

namespace isolab::ui {

namespace {

// A 64-bit hash of `n` bytes, eight at a time (a multiply-xorshift mix):
// fast enough for the megabyte or two of vertices a frame has.
uint64_t mix(uint64_t h, const void* data, size_t n) {
  const auto* p = static_cast<const uint8_t*>(data);
  constexpr uint64_t kMul = 0x9E3779B97F4A7C15ull;
  size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    uint64_t w;
    std::memcpy(&w, p + k, 8);
    h = (h ^ w) * kMul;
    h ^= h >> 29;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p + k, n - k);
  h = (h ^ tail ^ n) * kMul;
  return h ^ (h >> 32);
}

uint64_t hash_list(uint64_t h, const ImDrawList* l) {
  h = mix(h, l->VtxBuffer.Data, size_t(l->VtxBuffer.Size) * sizeof(ImDrawVert));
  h = mix(h, l->IdxBuffer.Data, size_t(l->IdxBuffer.Size) * sizeof(ImDrawIdx));
  for (const ImDrawCmd& c : l->CmdBuffer) {
    const struct {
      ImVec4 clip;
      const void* texture;
      const void* callback;
      unsigned vtx, idx, count;
    } key{c.ClipRect, c.TextureId, reinterpret_cast<const void*>(c.UserCallback), c.VtxOffset, c.IdxOffset, c.ElemCount};
    h = mix(h, &key, sizeof key);
  }
  return h;
}

bool overlap(const SDL_Rect& a, const SDL_Rect& b) {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

// Rasterize `lists` as ImGui's renderer backend draws a frame.
void rasterize(const ImDrawData* frame, std::vector<ImDrawList*>& lists) {
  ImDrawData part = *frame;
  part.CmdLists = lists.data();
  part.CmdListsCount = int(lists.size());
  part.TotalVtxCount = part.TotalIdxCount = 0;
  for (const ImDrawList* l : lists) {
    part.TotalVtxCount += l->VtxBuffer.Size;
    part.TotalIdxCount += l->IdxBuffer.Size;
  }
  ImGui_ImplSDLRenderer_RenderDrawData(&part);
}

// The frame's draw lists grouped by the top-level window that owns them, in
// drawing order. False when a list has no window, or a window is a popup or
// tooltip (they overlap what is under them).
bool group_by_window(const ImDrawData* data, std::vector<std::string>& names, std::vector<ImGuiWindow*>& roots,
                     std::vector<std::vector<ImDrawList*>>& lists) {
  std::unordered_map<const ImDrawList*, ImGuiWindow*> owner;
  for (ImGuiWindow* w : ImGui::GetCurrentContext()->Windows)
    if (w->Active && !w->Hidden) owner[w->DrawList] = w->RootWindow;
  for (int k = 0; k < data->CmdListsCount; k++) {
    ImDrawList* l = data->CmdLists[k];
    auto it = owner.find(l);
    if (it == owner.end()) return false;
    ImGuiWindow* root = it->second;
    if (root->Flags & (ImGuiWindowFlags_Popup | ImGuiWindowFlags_Tooltip | ImGuiWindowFlags_ChildWindow)) return false;
    if (roots.empty() || roots.back() != root) {
      roots.push_back(root);
      names.emplace_back(root->Name);
      lists.emplace_back();
    }
    lists.back().push_back(l);
  }
  return true;
}

}  // namespace

Redraw::Stats Redraw::draw(SDL_Renderer* r, ImDrawData* data, SDL_Color background, bool force_full) {
  Stats st;
  std::vector<std::string> names;
  std::vector<ImGuiWindow*> roots;
  std::vector<std::vector<ImDrawList*>> lists;
  bool trackable = group_by_window(data, names, roots, lists);
  std::vector<Region> now;
  for (size_t k = 0; trackable && k < roots.size(); k++) {
    Region reg;
    reg.name = names[k];
    const ImVec2 pos = roots[k]->Pos, size = roots[k]->Size;
    const int x0 = int(std::floor(pos.x)), y0 = int(std::floor(pos.y));
    reg.rect = {x0, y0, int(std::ceil(pos.x + size.x)) - x0, int(std::ceil(pos.y + size.y)) - y0};
    reg.hash = 0x243F6A8885A308D3ull;
    for (const ImDrawList* l : lists[k]) reg.hash = hash_list(reg.hash, l);
    reg.lists = std::move(lists[k]);
    for (const Region& other : now) trackable &= !overlap(other.rect, reg.rect);
    now.push_back(std::move(reg));
  }
  // The same windows in the same places as on screen?
  bool same_layout = trackable && !force_full && now.size() == last_.size();
  for (size_t k = 0; same_layout && k < now.size(); k++) {
    const SDL_Rect &a = now[k].rect, &b = last_[k].rect;
    same_layout = now[k].name == last_[k].name && a.x == b.x && a.y == b.y && a.w == b.w && a.h == b.h;
  }
  st.windows = int(now.size());
  SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
  SDL_SetRenderDrawColor(r, background.r, background.g, background.b, background.a);
  if (!same_layout) {
    st.full = true;
    st.redrawn = int(now.size());
    SDL_RenderSetClipRect(r, nullptr);
    SDL_RenderClear(r);
    ImGui_ImplSDLRenderer_RenderDrawData(data);
  } else {
    for (size_t k = 0; k < now.size(); k++) {
      if (now[k].hash == last_[k].hash) continue;
      st.redrawn++;
      // What a full redraw puts under the window first: the background.
      SDL_RenderSetClipRect(r, nullptr);
      SDL_SetRenderDrawBlendMode(r, SDL_BLENDMODE_NONE);
      SDL_SetRenderDrawColor(r, background.r, background.g, background.b, background.a);
      SDL_RenderFillRect(r, &now[k].rect);
      rasterize(data, now[k].lists);
    }
  }
  for (Region& reg : now) reg.lists.clear();
  last_ = trackable ? std::move(now) : std::vector<Region>{};
  return st;
}

}  // namespace isolab::ui
