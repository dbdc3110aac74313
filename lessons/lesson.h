// Lessons (DESIGN.md section 8): Markdown files, readable as plain text on
// any forge, that act on the lab, explain what happens and check it.
//
//   # Title                        the first level-1 heading
//   Intro prose ...
//   ## Step 1: What to do          each `## Step` heading starts a step
//   Prose ...
//   ```isolab                      console commands (lab/console.h), one a line,
//   vm create a                    run in order when the step runs
//   ```
//   ```check                       checks, one a line: EXPR  # message
//   vm.a.exits.HLT > 0  # the guest never halted: did it boot?
//   ```
//   ```hint                        optional: shown when a check fails
//   What to look at, not which command to type.
//   ```
//
// A check is an expression over probes (lab/expr.h, lab/probes.h), then `#`
// and the message shown when it does not hold; the `#` is the first one
// outside a quoted string. Blank lines and lines starting with `#` inside
// a block are ignored. Any other fenced block (```sh, ```text) is prose.
//
// The parser checks everything it can before anything runs: every command
// and expression is parsed, every probe name checked for shape, every fence
// closed; errors name the file's line.
#pragma once
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "lab/console.h"
#include "lab/expr.h"

namespace isolab::lessons {

struct Action {
  size_t line = 0;    // in the lesson file, from 1
  std::string text;   // the command as written
  lab::Command command;
};

struct Check {
  size_t line = 0;
  std::string expr_text;
  std::string message;  // shown when the check does not hold
  std::shared_ptr<const lab::Expr> expr;
};

// A step's blocks in file order: its actions run, then the checks that
// follow them are evaluated, in the order written.
struct Item {
  std::optional<Action> action;
  std::optional<Check> check;
};

struct Step {
  size_t line = 0;  // of its `## Step` heading
  int number = 0;   // from 1
  std::string title;  // the heading after `## Step N:`
  std::string prose;
  std::vector<Item> items;
  std::vector<std::string> hints;
};

struct Lesson {
  std::string file;
  std::string title;
  std::string intro;
  std::vector<Step> steps;
};

struct ParsedLesson {
  std::optional<Lesson> lesson;
  std::string error;  // "FILE:LINE: what"
};
ParsedLesson parse_lesson(const std::string& text, const std::string& file);
// Read and parse `path`; an unreadable file is an error naming it.
ParsedLesson load_lesson(const std::string& path);

// Where the lessons of this source tree are.
std::string default_lessons_dir();

}  // namespace isolab::lessons
