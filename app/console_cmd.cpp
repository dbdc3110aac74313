// isolab console (console_cmd.h).
#include "app/console_cmd.h"

#include <fstream>
#include <iostream>
#include <sstream>

#include "lab/console.h"
#include "lab/lab.h"

namespace isolab::app {

int console_main(const std::string& script) {
  std::stringstream text;
  std::string name = script;
  if (script.empty() || script == "-") {
    name = "<stdin>";
    text << std::cin.rdbuf();
  } else {
    std::ifstream f(script, std::ios::binary);
    if (!f) {
      std::cerr << "isolab console: " << script << ": cannot read the script\n";
      return 2;
    }
    text << f.rdbuf();
  }
  lab::Lab lab;
  int rc = lab::run_script(lab, text.str(), name, std::cout, std::cerr);
  std::cout.flush();
  return rc;
}

}  // namespace isolab::app
