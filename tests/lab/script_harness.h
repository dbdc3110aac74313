// Running console scripts on a lab in tests: the exit status and what the
// script printed on stdout and stderr, as `isolab console` would.
#pragma once
#include <sstream>
#include <string>

#include "lab/console.h"
#include "lab/lab.h"

namespace isolab::lab::test {

struct Script {
  int rc;
  std::string out, err;
};

// Run `text` as the script "s.isolab" (errors name it and the line).
inline Script run(Lab& lab, const std::string& text) {
  std::ostringstream out, err;
  int rc = run_script(lab, text, "s.isolab", out, err);
  return {rc, out.str(), err.str()};
}

// The error a single line parses to ("" if it parses).
inline std::string parse_error(const std::string& line) { return parse_command(line).error; }

}  // namespace isolab::lab::test
