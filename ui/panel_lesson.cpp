// The Lesson panel: the open lesson beside the panels it talks about
// (DESIGN.md section 8). Each step shows its prose, the console commands of
// its ```isolab blocks with a Run button (the "Do it for me" of lab
// platforms: it runs them on this lab, between slices, as `isolab lesson
// run` would), and its checks re-evaluated every frame against the live
// lab, green when they hold, with the message and the values seen when
// not; hints open under the step.
#include <imgui.h>

#include <cctype>
#include <string>

#include "lab/probes.h"
#include "ui/panels.h"

namespace isolab::ui {

namespace {

// Markdown prose as the panel wraps it: lines of a paragraph joined, blank
// lines kept, and the few non-ASCII characters lessons use spelled in ASCII
// (the default font has only ASCII).
std::string reflow(const std::string& md) {
  std::string out;
  size_t i = 0;
  while (i < md.size() && std::isspace(uint8_t(md[i]))) i++;
  for (; i < md.size(); i++) {
    if (md[i] == '\n') {
      const bool para = i + 1 < md.size() && md[i + 1] == '\n';
      const bool list = i + 2 < md.size() && (md[i + 1] == '-' || md[i + 1] == '*' || std::isdigit(uint8_t(md[i + 1])));
      out += para || list ? '\n' : ' ';
      if (para) {
        out += '\n';
        while (i + 1 < md.size() && md[i + 1] == '\n') i++;
      }
    } else if (md.compare(i, 3, "\xe2\x80\x94") == 0) {  // em dash
      out += "--";
      i += 2;
    } else if (md.compare(i, 3, "\xe2\x86\x92") == 0) {  // rightwards arrow
      out += "->";
      i += 2;
    } else {
      out += md[i];
    }
  }
  return out;
}

const ImVec4 kHolds(0.4f, 0.9f, 0.4f, 1.0f), kFails(1.0f, 0.45f, 0.4f, 1.0f);

void draw_step(Session& s, size_t index, const lessons::Step& step, lab::ProbeReader& read) {
  LessonView& v = *s.lesson;
  int holding = 0, checks = 0;
  for (const lessons::Item& item : step.items)
    if (item.check) {
      checks++;
      holding += lab::check_expr(*item.check->expr, read).holds;
    }
  char header[256];
  std::snprintf(header, sizeof header, "Step %d: %s  [%d/%d]%s###step%zu", step.number, step.title.c_str(), holding,
                checks, holding == checks ? " done" : "", index);
  if (!ImGui::CollapsingHeader(header, index == 0 ? ImGuiTreeNodeFlags_DefaultOpen : 0)) return;
  ImGui::PushID(int(index));
  ImGui::TextWrapped("%s", reflow(step.prose).c_str());
  bool has_actions = false;
  for (const lessons::Item& item : step.items)
    if (item.action) {
      has_actions = true;
      ImGui::TextColored(ImVec4(0.6f, 0.8f, 1.0f, 1.0f), "  %s", item.action->text.c_str());
    }
  if (has_actions && ImGui::Button(v.step_ran[index] ? "Run again" : "Run")) s.run_lesson_step(index);
  if (!v.action_output[index].empty()) ImGui::TextDisabled("%s", v.action_output[index].c_str());
  for (const lessons::Item& item : step.items) {
    if (!item.check) continue;
    lab::CheckResult r = lab::check_expr(*item.check->expr, read);
    ImGui::TextColored(r.holds ? kHolds : kFails, "%s %s", r.holds ? "[ok]" : "[  ]", item.check->expr_text.c_str());
    if (!r.holds) {
      const std::string why = r.error.empty() ? lab::format_seen(r.seen) : r.error;
      ImGui::TextWrapped("      %s (%s)", item.check->message.c_str(), why.c_str());
    }
  }
  if (!step.hints.empty() && holding < checks && ImGui::TreeNode("hint")) {
    for (const std::string& h : step.hints) ImGui::TextWrapped("%s", reflow(h).c_str());
    ImGui::TreePop();
  }
  ImGui::PopID();
}

}  // namespace

void draw_lesson(Session& s, PanelPlace p) {
  if (begin_panel("Lesson", p)) {
    if (!s.lesson) {
      ImGui::TextUnformatted("No lesson open (isolab gui --scenario lesson-NN opens one).");
    } else {
      const lessons::Lesson& l = s.lesson->lesson;
      ImGui::TextColored(ImVec4(1.0f, 0.85f, 0.4f, 1.0f), "%s", l.title.c_str());
      ImGui::TextWrapped("%s", reflow(l.intro).c_str());
      lab::ProbeReader read = lab::probe_reader(s.lab);
      for (size_t k = 0; k < l.steps.size(); k++) draw_step(s, k, l.steps[k], read);
    }
  }
  ImGui::End();
}

}  // namespace isolab::ui
