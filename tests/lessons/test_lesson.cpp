// The lesson parser and runner (lessons/lesson.h, runner.h).
#include <doctest/doctest.h>

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

TEST_CASE("lesson: with every action run every check holds; with none, every check fails") {
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
