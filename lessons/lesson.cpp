// The lesson parser (lesson.h): one pass over the lines, a fence at a time.
#include "lessons/lesson.h"

#include <cctype>
#include <fstream>
#include <sstream>

#include "lab/probes.h"

namespace isolab::lessons {

namespace {

std::string trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// The position of the `#` that starts a check's message: the first one
// outside a "quoted" or 'quoted' string; npos if none.
size_t message_start(const std::string& line) {
  char quote = 0;
  for (size_t i = 0; i < line.size(); i++) {
    char c = line[i];
    if (quote) {
      if (c == '\\') i++;
      else if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
    } else if (c == '#') {
      return i;
    }
  }
  return std::string::npos;
}

}  // namespace

ParsedLesson parse_lesson(const std::string& text, const std::string& file) {
  Lesson lesson;
  lesson.file = file;
  auto fail = [&](size_t line, const std::string& what) { return ParsedLesson{std::nullopt, file + ":" + std::to_string(line) + ": " + what}; };

  std::istringstream in(text);
  std::string raw;
  size_t n = 0;
  std::string fence;       // the open fence's info string ("isolab", "check", "hint", other)
  size_t fence_line = 0;
  std::string block;       // a hint's text so far
  Step* step = nullptr;
  while (std::getline(in, raw)) {
    n++;
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    std::string line = trim(raw);
    bool is_fence = line.rfind("```", 0) == 0;
    if (fence_line) {
      if (is_fence && trim(line.substr(3)).empty()) {
        if (fence == "hint") step->hints.push_back(block);
        else if (step && fence != "isolab" && fence != "check") step->prose += raw + "\n";
        else if (!step && fence != "isolab" && fence != "check") lesson.intro += raw + "\n";
        fence_line = 0;
        continue;
      }
      if (fence == "isolab") {
        lab::ParsedCommand p = lab::parse_command(raw);
        if (!p.command) return fail(n, p.error);
        if (p.command->verb != lab::Verb::Nothing) step->items.push_back({Action{n, line, std::move(*p.command)}, std::nullopt});
      } else if (fence == "check") {
        if (line.empty() || line[0] == '#') continue;
        size_t hash = message_start(line);
        if (hash == std::string::npos) return fail(n, "check '" + line + "' has no message: write `EXPR  # message`");
        Check c;
        c.line = n;
        c.expr_text = trim(line.substr(0, hash));
        c.message = trim(line.substr(hash + 1));
        if (c.expr_text.empty()) return fail(n, "check has a message but no expression");
        if (c.message.empty()) return fail(n, "check '" + c.expr_text + "' has an empty message after '#'");
        lab::ParseResult p = lab::parse_expr(c.expr_text, lab::check_probe_name);
        if (!p.expr) return fail(n, "check '" + c.expr_text + "': " + p.error);
        c.expr = std::move(p.expr);
        step->items.push_back({std::nullopt, std::move(c)});
      } else if (fence == "hint") {
        block += raw + "\n";
      } else if (step) {
        step->prose += raw + "\n";
      } else {
        lesson.intro += raw + "\n";
      }
      continue;
    }
    if (is_fence) {
      fence = trim(line.substr(3));
      fence_line = n;
      block.clear();
      if ((fence == "isolab" || fence == "check" || fence == "hint") && !step)
        return fail(n, "a ```" + fence + " block before the first `## Step`");
      if (fence != "isolab" && fence != "check" && fence != "hint") (step ? step->prose : lesson.intro) += raw + "\n";
      continue;
    }
    if (line.rfind("# ", 0) == 0 && lesson.title.empty() && !step) {
      lesson.title = trim(line.substr(2));
      continue;
    }
    if (line.rfind("## Step", 0) == 0) {
      if (lesson.title.empty()) return fail(n, "the lesson needs a `# Title` line before its first step");
      Step s;
      s.line = n;
      s.number = int(lesson.steps.size()) + 1;
      // "## Step 2: Boot miniOS" -> "Boot miniOS"
      std::string h = trim(line.substr(7));
      size_t k = 0;
      while (k < h.size() && std::isdigit(uint8_t(h[k]))) k++;
      if (k < h.size() && (h[k] == ':' || h[k] == '.')) k++;
      s.title = trim(h.substr(k));
      if (s.title.empty()) s.title = "Step " + std::to_string(s.number);
      lesson.steps.push_back(std::move(s));
      step = &lesson.steps.back();
      continue;
    }
    if (step) step->prose += raw + "\n";
    else if (!lesson.title.empty()) lesson.intro += raw + "\n";
    else if (!line.empty()) return fail(n, "the lesson must start with a `# Title` line");
  }
  if (fence_line) return fail(fence_line, "the ```" + fence + " block opened here is never closed");
  if (lesson.title.empty()) return fail(n ? n : 1, "the lesson has no `# Title` line");
  if (lesson.steps.empty()) return fail(n ? n : 1, "the lesson has no `## Step` section");
  for (const Step& s : lesson.steps) {
    bool has_check = false;
    for (const Item& i : s.items) has_check |= bool(i.check);
    if (!has_check) return fail(s.line, "'" + s.title + "' has no ```check block: every step must check something");
  }
  return {std::move(lesson), ""};
}

ParsedLesson load_lesson(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return {std::nullopt, path + ": cannot read the lesson file"};
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_lesson(ss.str(), path);
}

std::string default_lessons_dir() {
#ifdef ISOLAB_LESSONS_DIR
  return ISOLAB_LESSONS_DIR;
#else
  return "lessons";
#endif
}

}  // namespace isolab::lessons
