// The lesson parser (lesson.h): one pass over the lines, a fence at a time.
#include "lessons/lesson.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
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

// The fenced blocks the runner reads; any other fence is prose.
bool is_block(const std::string& fence) {
  return fence == "isolab" || fence == "check" || fence == "hint" || fence == "ask";
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

// Parse an ```ask block's lines (the fence's contents, the first at file
// line `first`). Returns the error, or "" with `ask` filled.
std::string parse_ask(const std::vector<std::string>& lines, size_t first, Ask& ask, size_t& error_line) {
  bool have_answer = false;
  for (size_t i = 0; i < lines.size(); i++) {
    std::string line = trim(lines[i]);
    error_line = first + i;
    if (line.rfind("answer:", 0) == 0) {
      if (have_answer) return "the ```ask block has a second `answer:` line";
      have_answer = true;
      ask.line = error_line;
      ask.expr_text = trim(line.substr(7));
      if (ask.expr_text.empty()) return "`answer:` needs an expression that computes the answer";
      lab::ParseResult p = lab::parse_expr(ask.expr_text, lab::check_probe_name);
      if (!p.expr) return "answer '" + ask.expr_text + "': " + p.error;
      ask.expr = std::move(p.expr);
    } else if (line.rfind("compare:", 0) == 0) {
      std::string how = trim(line.substr(8));
      if (how == "exact") {
        ask.compare = Ask::Compare::Exact;
        continue;
      }
      if (how.rfind("within ", 0) != 0) return "compare: '" + how + "': expected exact, within N or within N%";
      std::string n = trim(how.substr(7));
      bool percent = !n.empty() && n.back() == '%';
      if (percent) n.pop_back();
      char* end = nullptr;
      double v = std::strtod(n.c_str(), &end);
      if (n.empty() || *end || !(v >= 0) || v > 1e15) return "compare: '" + how + "': expected exact, within N or within N%";
      ask.compare = percent ? Ask::Compare::WithinPercent : Ask::Compare::Within;
      ask.tolerance = v;
    } else if (!line.empty()) {
      ask.question += (ask.question.empty() ? "" : "\n") + line;
    }
  }
  error_line = first == 0 ? 0 : first - 1;
  if (!have_answer) return "the ```ask block has no `answer: EXPR` line";
  if (ask.question.empty()) return "the ```ask block has no question";
  return "";
}

}  // namespace

bool answer_matches(const Ask& ask, const lab::Value& computed, const std::string& given) {
  std::string g = trim(given);
  if (computed.kind == lab::Value::Kind::String || computed.kind == lab::Value::Kind::Bool) {
    std::string want = computed.kind == lab::Value::Kind::Bool ? (computed.boolean ? "true" : "false") : trim(computed.string);
    if (want.size() != g.size()) return false;
    for (size_t i = 0; i < g.size(); i++)
      if (std::tolower(uint8_t(g[i])) != std::tolower(uint8_t(want[i]))) return false;
    return true;
  }
  if (g.empty()) return false;
  char* end = nullptr;
  double v;
  if (g.rfind("0x", 0) == 0 || g.rfind("0X", 0) == 0) v = double(std::strtoull(g.c_str() + 2, &end, 16));
  else v = std::strtod(g.c_str(), &end);
  if (!end || *end || end == g.c_str()) return false;
  double diff = std::fabs(v - computed.number);
  switch (ask.compare) {
    case Ask::Compare::Exact: return diff == 0;
    case Ask::Compare::Within: return diff <= ask.tolerance;
    case Ask::Compare::WithinPercent: return diff <= std::fabs(computed.number) * ask.tolerance / 100;
  }
  return false;
}

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
  std::vector<std::string> ask_lines;  // an ask block's lines so far
  Step* step = nullptr;
  while (std::getline(in, raw)) {
    n++;
    if (!raw.empty() && raw.back() == '\r') raw.pop_back();
    std::string line = trim(raw);
    bool is_fence = line.rfind("```", 0) == 0;
    if (fence_line) {
      if (is_fence && trim(line.substr(3)).empty()) {
        if (fence == "hint") step->hints.push_back(block);
        else if (fence == "ask") {
          Ask ask;
          size_t where = 0;
          std::string problem = parse_ask(ask_lines, fence_line + 1, ask, where);
          if (!problem.empty()) return fail(where ? where : fence_line, problem);
          step->items.push_back({std::nullopt, std::nullopt, std::move(ask)});
        }
        else if (step && !is_block(fence)) step->prose += raw + "\n";
        else if (!step && !is_block(fence)) lesson.intro += raw + "\n";
        fence_line = 0;
        continue;
      }
      if (fence == "isolab") {
        lab::ParsedCommand p = lab::parse_command(raw);
        if (!p.command) return fail(n, p.error);
        if (p.command->verb != lab::Verb::Nothing) step->items.push_back({Action{n, line, std::move(*p.command)}, std::nullopt, std::nullopt});
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
        step->items.push_back({std::nullopt, std::move(c), std::nullopt});
      } else if (fence == "hint") {
        block += raw + "\n";
      } else if (fence == "ask") {
        ask_lines.push_back(raw);
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
      ask_lines.clear();
      if (is_block(fence) && !step) return fail(n, "a ```" + fence + " block before the first `## Step`");
      if (!is_block(fence)) (step ? step->prose : lesson.intro) += raw + "\n";
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
    for (const Item& i : s.items) has_check |= bool(i.check) || bool(i.ask);
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
