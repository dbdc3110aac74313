// `isolab ctr run [--name N] [--hostname H] IMAGE [CMD...]` (DESIGN.md
// section 7): one container on a fresh host kernel, its stdout and stderr
// passed through, exiting with the status of the container's init.
#pragma once

namespace isolab::app {

// argv holds what follows "ctr run". Exit codes: the init's exit status
// (128 + signal if killed), 2 for bad usage or input, with one line on stderr.
int ctr_run(int argc, char** argv);

}  // namespace isolab::app
