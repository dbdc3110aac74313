// Running a lesson and reporting on it (runner.h).
#include "lessons/runner.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <istream>
#include <ostream>
#include <sstream>

#include "lab/lab.h"
#include "lab/probes.h"

namespace isolab::lessons {

namespace {

std::string where(const Lesson& l, size_t line, const Step& s) {
  return l.file + ":" + std::to_string(line) + ": step " + std::to_string(s.number) + " (" + s.title + ")";
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += char(c);
    else if (c == '\n') out += "\\n";
    else if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", c);
      out += buf;
    } else out += char(c);
  }
  return out + "\"";
}

// Prose without the runs of blank lines the removed blocks leave behind.
std::string squeeze_blank_lines(const std::string& text) {
  std::string out;
  size_t blank = 0;
  size_t at = 0;
  while (at < text.size()) {
    size_t nl = text.find('\n', at);
    std::string line = text.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    at = nl == std::string::npos ? text.size() : nl + 1;
    bool is_blank = line.find_first_not_of(" \t") == std::string::npos;
    blank = is_blank ? blank + 1 : 0;
    if (blank <= 1) out += line + "\n";
  }
  return out;
}

// The computed answer as the student should see it: integers also in hex
// (4096 and up: addresses, sizes), strings without quotes.
std::string show_answer(const lab::Value& v) {
  if (v.kind == lab::Value::Kind::String) return v.string;
  std::string text = lab::format_value(v);
  if (v.kind == lab::Value::Kind::Number && v.number >= 4096 && v.number < 18446744073709551616.0 &&
      std::floor(v.number) == v.number) {
    char hex[32];
    std::snprintf(hex, sizeof hex, " (0x%llx)", (unsigned long long)v.number);
    text += hex;
  }
  return text;
}

// Compute an ask's answer; with options.answers, ask the question first
// and compare what the student types.
CheckOutcome ask_question(const Ask& a, const lab::ProbeReader& read, const RunOptions& options, std::ostream& out) {
  CheckOutcome co;
  co.is_ask = true;
  co.line = a.line;
  co.expr = a.expr_text;
  co.message = a.question;
  co.question = a.question;
  lab::EvalResult r = lab::eval_expr(*a.expr, read);
  co.seen = r.seen;
  if (!r.value) co.error = r.error;
  else if (r.value->kind == lab::Value::Kind::Bool) co.error = "the answer is true/false, not a number or a string";
  if (co.error.empty()) co.answer = show_answer(*r.value);
  co.holds = co.error.empty();
  if (!options.answers) return co;
  out << "question: " << a.question << "\nanswer> " << std::flush;
  std::string given;
  if (!std::getline(*options.answers, given)) {
    out << "\n(no answer) the lab computed: " << (co.error.empty() ? co.answer : "nothing: " + co.error) << "\n";
    return co;
  }
  if (!given.empty() && given.back() == '\r') given.pop_back();
  co.answered = true;
  co.given = given;
  if (!co.error.empty()) {
    out << "the lab cannot compute the answer: " << co.error << "\n";
    return co;
  }
  co.correct = answer_matches(a, *r.value, given);
  co.holds = co.correct;
  out << (co.correct ? "right" : "wrong") << ": the lab computed " << co.answer << "\n";
  return co;
}

}  // namespace

LessonOutcome run_lesson(const Lesson& lesson, const RunOptions& options, std::ostream& out, std::ostream& err) {
  auto started = std::chrono::steady_clock::now();
  LessonOutcome o;
  lab::Lab lab;
  lab::ProbeReader read = lab::probe_reader(lab);
  std::ostringstream discard;  // command output nobody asked to see
  std::ostream& shown = options.verbose ? out : discard;
  if (options.verbose) out << "# " << lesson.title << "\n" << squeeze_blank_lines(lesson.intro);
  for (const Step& s : lesson.steps) {
    StepOutcome so;
    so.number = s.number;
    so.line = s.line;
    so.title = s.title;
    so.done = true;
    if (options.verbose) out << "## Step " << s.number << ": " << s.title << "\n" << squeeze_blank_lines(s.prose);
    for (const Item& item : s.items) {
      if (item.action) {
        if (options.no_actions) continue;
        if (options.verbose) out << "isolab> " << item.action->text << "\n";
        lab::Outcome r = lab::run_command(lab, item.action->command, shown);
        so.actions.push_back({item.action->line, item.action->text, int(r.status), r.message, lab.now_ns()});
        if (r.status != lab::Status::Ok) {
          err << where(lesson, item.action->line, s) << ": the command failed: " << r.message << "\n";
          so.done = false;
          o.failed++;
        }
        continue;
      }
      if (item.ask) {
        CheckOutcome co = ask_question(*item.ask, read, options, out);
        co.lab_time_ns = lab.now_ns();
        bool ok = co.error.empty() && (!co.answered || co.correct);
        if (ok) {
          o.passed++;
        } else {
          o.failed++;
          so.done = false;
          std::string why = !co.error.empty() ? "the answer cannot be computed: " + co.error
                                              : "wrong answer " + co.given + " (the lab computed " + co.answer + ")";
          err << where(lesson, item.ask->line, s) << ": ask failed: " << item.ask->expr_text << ": " << why << "\n";
        }
        so.checks.push_back(std::move(co));
        continue;
      }
      const Check& c = *item.check;
      lab::CheckResult r = lab::check_expr(*c.expr, read);
      CheckOutcome co;
      co.line = c.line;
      co.expr = c.expr_text;
      co.message = c.message;
      co.holds = r.holds;
      co.error = r.error;
      co.seen = r.seen;
      co.lab_time_ns = lab.now_ns();
      if (r.holds) {
        o.passed++;
        if (options.verbose) out << "[ok]   " << c.expr_text << "  (" << lab::format_seen(r.seen) << ")\n";
      } else {
        o.failed++;
        so.done = false;
        std::string why = r.error.empty() ? "false (" + lab::format_seen(r.seen) + ")" : r.error;
        if (options.verbose) out << "[FAIL] " << c.expr_text << ": " << c.message << "\n";
        err << where(lesson, c.line, s) << ": check failed: " << c.expr_text << ": " << why << ": " << c.message << "\n";
      }
      so.checks.push_back(std::move(co));
    }
    if (!so.done && options.verbose)
      for (const std::string& h : s.hints) out << "hint: " << h;
    if (options.verbose) out << "\n";
    o.steps.push_back(std::move(so));
  }
  o.wall_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  out << o.passed << " passed, " << o.failed << " failed\n";
  return o;
}

std::string report_json(const Lesson& lesson, const RunOptions& options, const LessonOutcome& o) {
  std::ostringstream j;
  j << "{\n  \"lesson\": " << json_string(lesson.file) << ",\n  \"title\": " << json_string(lesson.title)
    << ",\n  \"no_actions\": " << (options.no_actions ? "true" : "false") << ",\n  \"passed\": " << o.passed
    << ",\n  \"failed\": " << o.failed << ",\n  \"wall_ms\": " << o.wall_ms << ",\n  \"steps\": [";
  for (size_t i = 0; i < o.steps.size(); i++) {
    const StepOutcome& s = o.steps[i];
    j << (i ? "," : "") << "\n    {\"number\": " << s.number << ", \"line\": " << s.line << ", \"title\": " << json_string(s.title)
      << ", \"done\": " << (s.done ? "true" : "false") << ",\n     \"actions\": [";
    for (size_t k = 0; k < s.actions.size(); k++) {
      const ActionOutcome& a = s.actions[k];
      j << (k ? ", " : "") << "\n       {\"line\": " << a.line << ", \"command\": " << json_string(a.command)
        << ", \"status\": " << a.status << ", \"message\": " << json_string(a.message) << ", \"lab_time_ns\": " << a.lab_time_ns << "}";
    }
    j << "],\n     \"checks\": [";
    for (size_t k = 0; k < s.checks.size(); k++) {
      const CheckOutcome& c = s.checks[k];
      j << (k ? ", " : "") << "\n       {\"line\": " << c.line << ", \"expr\": " << json_string(c.expr)
        << ", \"message\": " << json_string(c.message) << ", \"holds\": " << (c.holds ? "true" : "false")
        << ", \"error\": " << json_string(c.error) << ", \"lab_time_ns\": " << c.lab_time_ns;
      if (c.is_ask)
        j << ", \"ask\": {\"question\": " << json_string(c.question) << ", \"answer\": " << json_string(c.answer)
          << ", \"answered\": " << (c.answered ? "true" : "false") << ", \"given\": " << json_string(c.given)
          << ", \"correct\": " << (c.correct ? "true" : "false") << "}";
      j << ", \"seen\": {";
      for (size_t v = 0; v < c.seen.size(); v++)
        j << (v ? ", " : "") << json_string(c.seen[v].first) << ": " << json_string(c.seen[v].second);
      j << "}}";
    }
    j << "]}";
  }
  j << "\n  ]\n}\n";
  return j.str();
}

}  // namespace isolab::lessons
