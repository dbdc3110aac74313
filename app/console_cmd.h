// `isolab console [SCRIPT]`: the lab console (lab/console.h) reading
// commands from SCRIPT, or from stdin when SCRIPT is empty or "-".
#pragma once
#include <string>

namespace isolab::app {

// Exit status: 0 when every command succeeded, 1 when an expect or a wait
// failed, 2 on a bad line or a command that could not be carried out, with
// "SCRIPT:LINE: message" on stderr.
int console_main(const std::string& script);

}  // namespace isolab::app
