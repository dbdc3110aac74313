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
//   ```ask                         optional: a question the student answers
//   Which guest-physical address holds the kernel's first byte (virtual 0xC0100000)?
//   answer: vm.a.translate.0xC0100000
//   compare: exact
//   ```
//
// An ask block (DESIGN.md section 8, OSTEP-style questions) is a question
// whose answer the lab computes from the running system when the block is
// reached:
//   - every line that is not a key below is the question's text;
//   - `answer: EXPR` (exactly one) is an expression over probes giving a
//     number or a string — never a number typed in as text;
//   - `compare: exact` (the default), `compare: within N` (the student's
//     number may be N away) or `compare: within N%` (N percent of the
//     computed answer away).
// `isolab lesson run` prints the question, reads the student's answer from
// its standard input (a number in decimal or 0x hex, or a string compared
// without regard to case and surrounding blanks) and says right or wrong
// with the computed answer; a right answer counts as a passed check, a
// wrong one as a failed check, and no answer (end of input) shows the
// answer and counts as `check` counts it. `isolab lesson check` evaluates
// the answer's expression: it passes when that gives a value, and fails
// when it cannot be evaluated (no such VM, an unmapped address). The
// --report JSON records each question, the computed answer and the given
// one.
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

// An ```ask block (above).
struct Ask {
  enum class Compare { Exact, Within, WithinPercent };
  size_t line = 0;       // of its `answer:` line
  std::string question;  // the text, lines joined with '\n'
  std::string expr_text;
  std::shared_ptr<const lab::Expr> expr;
  Compare compare = Compare::Exact;
  double tolerance = 0;  // Within: absolute; WithinPercent: percent
};

// A step's blocks in file order: its actions run, then the checks that
// follow them are evaluated, in the order written.
struct Item {
  std::optional<Action> action;
  std::optional<Check> check;
  std::optional<Ask> ask;
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

// Is `given` (what a student typed) the right answer to `ask`, whose
// computed answer is `computed`? Numbers are read in decimal or 0x hex.
bool answer_matches(const Ask& ask, const lab::Value& computed, const std::string& given);
// Read and parse `path`; an unreadable file is an error naming it.
ParsedLesson load_lesson(const std::string& path);

// Where the lessons of this source tree are.
std::string default_lessons_dir();

}  // namespace isolab::lessons
