// The lesson parser and runner (lessons/lesson.h, runner.h).
#include <doctest/doctest.h>

#include <cctype>
#include <filesystem>
#include <sstream>

#include "lessons/lesson.h"
#include "lessons/runner.h"

using namespace isolab::lessons;

namespace {

const char* const kLesson = R"(# Counting

Intro text.

## Step 1: Create

Prose with `code`.

```isolab
vm create a --mem 16M
```

```check
vm.a.state == "created"  # the VM should exist
vm.a.insns == 0          # nothing "#" should have run
```

```hint
Look at the state.
```

## Step 2: Run

```sh
not run: prose
```

```isolab
vm start a
wait 10ms
```

```check
vm.a.insns > 0  # the VM should have run
```
)";

std::string error_of(const std::string& text) { return parse_lesson(text, "l.md").error; }

}  // namespace

TEST_CASE("lesson: title, intro, steps, actions, checks and hints") {
  ParsedLesson p = parse_lesson(kLesson, "l.md");
  REQUIRE_MESSAGE(p.lesson, p.error);
  const Lesson& l = *p.lesson;
  CHECK(l.title == "Counting");
  CHECK(l.intro.find("Intro text.") != std::string::npos);
  REQUIRE(l.steps.size() == 2);
  CHECK(l.steps[0].title == "Create");
  CHECK(l.steps[0].line == 5);
  REQUIRE(l.steps[0].items.size() == 3);
  CHECK(l.steps[0].items[0].action->line == 10);
  CHECK(l.steps[0].items[1].check->expr_text == "vm.a.state == \"created\"");
  CHECK(l.steps[0].items[1].check->message == "the VM should exist");
  CHECK(l.steps[0].items[2].check->message == "nothing \"#\" should have run");
  CHECK(l.steps[0].hints == std::vector<std::string>{"Look at the state.\n"});
  CHECK(l.steps[1].prose.find("not run: prose") != std::string::npos);
  CHECK(l.steps[1].items.size() == 3);
}

TEST_CASE("lesson: malformed lessons name the line") {
  CHECK(error_of("no title\n") == "l.md:1: the lesson must start with a `# Title` line");
  CHECK(error_of("# T\n") == "l.md:1: the lesson has no `## Step` section");
  CHECK(error_of("# T\n```check\n1 == 1 # m\n```\n") == "l.md:2: a ```check block before the first `## Step`");
  CHECK(error_of("# T\n## Step 1\n```isolab\nvm create a\n") == "l.md:3: the ```isolab block opened here is never closed");
  CHECK(error_of("# T\n## Step 1\n```isolab\nvm fly a\n```\n").find("l.md:4: vm: unknown verb 'fly'") == 0);
  CHECK(error_of("# T\n## Step 1\n```check\nvm.a.insns > 0\n```\n") ==
        "l.md:4: check 'vm.a.insns > 0' has no message: write `EXPR  # message`");
  CHECK(error_of("# T\n## Step 1\n```check\nvm.a.insns >> 0 # m\n```\n").find("l.md:4: check 'vm.a.insns >> 0': column 13:") == 0);
  CHECK(error_of("# T\n## Step 1\n```check\nvm.a.exits.HTL > 0 # m\n```\n").find("l.md:4: check 'vm.a.exits.HTL > 0': column 1: unknown exit reason 'HTL'") == 0);
  CHECK(error_of("# T\n## Step 1\nprose only\n") == "l.md:2: 'Step 1' has no ```check block: every step must check something");
}

TEST_CASE("lesson: with every action run every check holds, with none, every check fails") {
  ParsedLesson p = parse_lesson(kLesson, "l.md");
  REQUIRE(p.lesson);
  std::ostringstream out, err;
  LessonOutcome o = run_lesson(*p.lesson, {}, out, err);
  CHECK_MESSAGE(o.failed == 0, err.str());
  CHECK(o.passed == 3);
  CHECK(out.str() == "3 passed, 0 failed\n");

  std::ostringstream out2, err2;
  RunOptions none;
  none.no_actions = true;
  o = run_lesson(*p.lesson, none, out2, err2);
  CHECK(o.passed == 0);
  CHECK(o.failed == 3);
  CHECK(out2.str() == "0 passed, 3 failed\n");
  CHECK(err2.str().find("l.md:14: step 1 (Create): check failed: vm.a.state == \"created\": column 1: no VM named 'a'") == 0);
}

TEST_CASE("lesson: the report holds every step, check and value seen") {
  ParsedLesson p = parse_lesson(kLesson, "l.md");
  REQUIRE(p.lesson);
  std::ostringstream out, err;
  LessonOutcome o = run_lesson(*p.lesson, {}, out, err);
  std::string json = report_json(*p.lesson, {}, o);
  CHECK(json.find("\"passed\": 3") != std::string::npos);
  CHECK(json.find("\"seen\": {\"vm.a.state\": \"\\\"created\\\"\"}") != std::string::npos);
  CHECK(json.find("\"command\": \"wait 10ms\"") != std::string::npos);
}

namespace {

const char* const kAskLesson = R"(# Asking

## Step 1: Boot

```isolab
vm create a --mem 16M
vm start a
wait until vm.a.console contains "$ " --timeout 10s
```

```ask
Where is the kernel's first byte
in guest-physical memory?
answer: vm.a.translate.0xC0100000
```

```ask
How much RAM, in KiB?
answer: vm.a.mem / 1024
compare: within 1%
```

```ask
Which state is the VM in?
answer: vm.a.state
```
)";

Ask ask_of(const std::string& block) {
  ParsedLesson p = parse_lesson("# T\n## Step 1\n```ask\n" + block + "```\n", "l.md");
  REQUIRE_MESSAGE(p.lesson, p.error);
  REQUIRE(p.lesson->steps[0].items.size() == 1);
  return *p.lesson->steps[0].items[0].ask;
}

}  // namespace

TEST_CASE("lesson: ask blocks hold a question, an answer expression and a comparison") {
  ParsedLesson p = parse_lesson(kAskLesson, "l.md");
  REQUIRE_MESSAGE(p.lesson, p.error);
  const auto& items = p.lesson->steps[0].items;
  REQUIRE(items.size() == 6);
  const Ask& a = *items[3].ask;
  CHECK(a.question == "Where is the kernel's first byte\nin guest-physical memory?");
  CHECK(a.expr_text == "vm.a.translate.0xC0100000");
  CHECK(a.line == 14);
  CHECK(a.compare == Ask::Compare::Exact);
  CHECK(items[4].ask->compare == Ask::Compare::WithinPercent);
  CHECK(items[4].ask->tolerance == 1);
  CHECK(ask_of("Q?\nanswer: vm.a.insns\ncompare: within 1000\n").compare == Ask::Compare::Within);
  CHECK(ask_of("Q?\nanswer: vm.a.insns\ncompare: within 1000\n").tolerance == 1000);
}

TEST_CASE("lesson: malformed ask blocks name the line") {
  auto error = [](const std::string& block) { return error_of("# T\n## Step 1\n```ask\n" + block + "```\n"); };
  CHECK(error("Q?\n") == "l.md:3: the ```ask block has no `answer: EXPR` line");
  CHECK(error("answer: vm.a.insns\n") == "l.md:3: the ```ask block has no question");
  CHECK(error("Q?\nanswer:\n") == "l.md:5: `answer:` needs an expression that computes the answer");
  CHECK(error("Q?\nanswer: vm.a.insns\nanswer: vm.a.exits\n") == "l.md:6: the ```ask block has a second `answer:` line");
  CHECK(error("Q?\nanswer: vm.a.insns\ncompare: roughly\n") == "l.md:6: compare: 'roughly': expected exact, within N or within N%");
  CHECK(error("Q?\nanswer: vm.a.insns\ncompare: within -1\n") == "l.md:6: compare: 'within -1': expected exact, within N or within N%");
  CHECK(error("Q?\nanswer: vm.a.instructions\n").find("l.md:5: answer 'vm.a.instructions': column 1: unknown probe") == 0);
  CHECK(error_of("# T\n```ask\nQ?\nanswer: 1\n```\n") == "l.md:2: a ```ask block before the first `## Step`");
  // A step whose only test is a question is checked by it.
  CHECK(error_of("# T\n## Step 1\n```ask\nQ?\nanswer: vm.a.insns\n```\n").empty());
}

TEST_CASE("lesson: answers are compared as numbers (decimal or hex) or as text") {
  Ask exact = ask_of("Q?\nanswer: vm.a.insns\n");
  CHECK(answer_matches(exact, isolab::lab::Value::of(1048576.0), "1048576"));
  CHECK(answer_matches(exact, isolab::lab::Value::of(1048576.0), " 0x100000 "));
  CHECK(answer_matches(exact, isolab::lab::Value::of(1048576.0), "0X100000"));
  CHECK_FALSE(answer_matches(exact, isolab::lab::Value::of(1048576.0), "1048577"));
  CHECK_FALSE(answer_matches(exact, isolab::lab::Value::of(1048576.0), "a lot"));
  CHECK_FALSE(answer_matches(exact, isolab::lab::Value::of(1048576.0), ""));
  Ask within = ask_of("Q?\nanswer: vm.a.insns\ncompare: within 2\n");
  CHECK(answer_matches(within, isolab::lab::Value::of(10.0), "12"));
  CHECK_FALSE(answer_matches(within, isolab::lab::Value::of(10.0), "12.5"));
  Ask percent = ask_of("Q?\nanswer: vm.a.insns\ncompare: within 5%\n");
  CHECK(answer_matches(percent, isolab::lab::Value::of(3.0), "3.1"));
  CHECK_FALSE(answer_matches(percent, isolab::lab::Value::of(3.0), "3.2"));
  CHECK(answer_matches(exact, isolab::lab::Value::of(std::string("running")), " Running"));
  CHECK_FALSE(answer_matches(exact, isolab::lab::Value::of(std::string("running")), "run"));
}

TEST_CASE("lesson: check computes every ask's answer, run asks and counts right and wrong answers") {
  ParsedLesson p = parse_lesson(kAskLesson, "l.md");
  REQUIRE(p.lesson);
  std::ostringstream out, err;
  LessonOutcome o = run_lesson(*p.lesson, {}, out, err);
  CHECK_MESSAGE(o.failed == 0, err.str());
  CHECK(o.passed == 3);
  const CheckOutcome& first = o.steps[0].checks[0];
  CHECK(first.is_ask);
  CHECK(first.answer == "1048576 (0x100000)");
  CHECK_FALSE(first.answered);
  CHECK(o.steps[0].checks[2].answer == "running");

  // The student types two right answers and a wrong one.
  std::istringstream answers("0x100000\n16300\npaused\n");
  RunOptions asked;
  asked.answers = &answers;
  std::ostringstream out2, err2;
  o = run_lesson(*p.lesson, asked, out2, err2);
  CHECK(o.passed == 2);
  CHECK(o.failed == 1);
  CHECK(out2.str().find("question: Where is the kernel's first byte\nin guest-physical memory?\nanswer> right: the lab computed 1048576 (0x100000)\n") != std::string::npos);
  CHECK(out2.str().find("answer> wrong: the lab computed running\n") != std::string::npos);
  CHECK(err2.str() == "l.md:25: step 1 (Boot): ask failed: vm.a.state: wrong answer paused (the lab computed running)\n");
  std::string json = report_json(*p.lesson, asked, o);
  CHECK(json.find("\"ask\": {\"question\": \"Where is the kernel's first byte\\nin guest-physical memory?\", \"answer\": \"1048576 (0x100000)\", \"answered\": true, \"given\": \"0x100000\", \"correct\": true}") != std::string::npos);
  CHECK(json.find("\"given\": \"paused\", \"correct\": false") != std::string::npos);

  // Out of answers: the rest are shown and counted as check counts them.
  std::istringstream one("0x100000\n");
  asked.answers = &one;
  std::ostringstream out3, err3;
  o = run_lesson(*p.lesson, asked, out3, err3);
  CHECK(o.failed == 0);
  CHECK(out3.str().find("(no answer) the lab computed: 16384 (0x4000)\n") != std::string::npos);

  // With no action run, no answer can be computed: every ask fails.
  RunOptions none;
  none.no_actions = true;
  std::ostringstream out4, err4;
  o = run_lesson(*p.lesson, none, out4, err4);
  CHECK(o.passed == 0);
  CHECK(o.failed == 3);
  CHECK(err4.str().find("l.md:14: step 1 (Boot): ask failed: vm.a.translate.0xC0100000: the answer cannot be computed: column 1: no VM named 'a'") == 0);
}

namespace {

bool reads_a_probe(const isolab::lab::Expr& e) {
  if (e.op == isolab::lab::Expr::Op::Probe) return true;
  return (e.lhs && reads_a_probe(*e.lhs)) || (e.rhs && reads_a_probe(*e.rhs));
}

}  // namespace

TEST_CASE("lesson: every lesson of lessons/ has an intro, three steps or more, actions, hints, and checks that read probes") {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(default_lessons_dir())) {
    std::string name = e.path().filename().string();
    if (e.path().extension() == ".md" && name.size() > 3 && std::isdigit(uint8_t(name[0])) && std::isdigit(uint8_t(name[1])))
      files.push_back(e.path());
  }
  REQUIRE(files.size() >= 8);
  for (const auto& f : files) {
    INFO(f.string());
    ParsedLesson p = load_lesson(f.string());
    REQUIRE_MESSAGE(p.lesson, p.error);
    const Lesson& l = *p.lesson;
    CHECK(l.intro.find_first_not_of(" \n") != std::string::npos);
    CHECK(l.steps.size() >= 3);
    size_t hints = 0, actions = 0;
    for (const Step& s : l.steps) {
      hints += s.hints.size();
      for (const Item& i : s.items) {
        actions += bool(i.action);
        // A check that reads no probe compares literals: it cannot measure anything.
        if (i.check) CHECK_MESSAGE(reads_a_probe(*i.check->expr), i.check->expr_text);
        if (i.ask) CHECK_MESSAGE(reads_a_probe(*i.ask->expr), i.ask->expr_text);
      }
    }
    CHECK(hints >= 1);
    CHECK(actions >= l.steps.size());
  }
}
