// Running a lesson (DESIGN.md section 8): every step's actions on a fresh
// lab, then its checks, in file order. `isolab lesson check` runs it
// headless and ends with the plain line `N passed, N failed`; `isolab
// lesson run` prints the lesson as it goes. A lesson tests itself: with
// every action run every check holds, and with no action run (no_actions)
// the checks that depend on actions fail, so a check that cannot fail is
// caught.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "lessons/lesson.h"

namespace isolab::lessons {

struct RunOptions {
  bool no_actions = false;  // evaluate the checks without running any action
  bool verbose = false;     // print prose, commands, their output and every check (lesson run)
  // Where a student's answers to ```ask questions come from, a line each
  // (lesson run: standard input); null: questions are not asked, their
  // answers only computed (lesson check).
  std::istream* answers = nullptr;
};

// What happened, for the failure lines and the JSON report.
struct CheckOutcome {
  size_t line = 0;
  std::string expr, message;
  bool holds = false;
  std::string error;  // the expression could not be evaluated (no such VM, ...)
  std::vector<std::pair<std::string, std::string>> seen;
  uint64_t lab_time_ns = 0;  // the lab's clock when it was evaluated
  // An ```ask block: its question, the answer the lab computed, what the
  // student gave (answered: whether anything was read) and whether it was right.
  bool is_ask = false;
  std::string question, answer, given;
  bool answered = false, correct = false;
};
struct ActionOutcome {
  size_t line = 0;
  std::string command;
  int status = 0;       // lab::Status
  std::string message;  // on failure
  uint64_t lab_time_ns = 0;
};
struct StepOutcome {
  int number = 0;
  size_t line = 0;
  std::string title;
  std::vector<ActionOutcome> actions;
  std::vector<CheckOutcome> checks;
  bool done = false;  // every action succeeded and every check held
};
struct LessonOutcome {
  std::vector<StepOutcome> steps;
  int passed = 0, failed = 0;  // checks; a failed action counts as a failed check
  double wall_ms = 0;
};

// Run `lesson`. Failures are reported on `err` as
// "FILE:LINE: step N (TITLE): ..." with the expression and the values seen;
// `out` gets the verbose transcript, if asked for, and the final
// `N passed, N failed` line.
LessonOutcome run_lesson(const Lesson& lesson, const RunOptions& options, std::ostream& out, std::ostream& err);

// The outcome as JSON: every step, action, check, value seen and time.
std::string report_json(const Lesson& lesson, const RunOptions& options, const LessonOutcome& o);

}  // namespace isolab::lessons
