// `isolab console` and `isolab lesson` without the rest of the isolab
// command: the same entry points (app/console_cmd.h, app/lesson_cmd.h),
// so the tests here run exactly what the command runs.
#include <string>
#include <vector>

#include "app/console_cmd.h"
#include "app/lesson_cmd.h"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "console") return isolab::app::console_main(args.size() > 1 ? args[1] : "");
  if (!args.empty() && args[0] == "lesson") return isolab::app::lesson_main({args.begin() + 1, args.end()});
  return 2;
}
