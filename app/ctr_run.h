// `isolab ctr run [--name N] [--hostname H] [--memory SIZE] [--pids-limit N]
// [--cpus N] [--cpu-weight N] [--network bridge|none|host] IMAGE [CMD...]` (DESIGN.md
// section 7): one container on a fresh host kernel, its stdout and stderr
// passed through, exiting with the status of the container's init.
#pragma once

namespace isolab::app {

// argv holds what follows "ctr run". Exit codes: the init's exit status
// (128 + signal if killed), 2 for bad usage or input, with one line on stderr.
int ctr_run(int argc, char** argv);
// `isolab ctr images`: the images this build has, with their layers (id,
// bytes, what made them) and the layer store's total.
int ctr_images(int argc, char** argv);
// argv holds what follows "ctr": run, images, or a console-only verb (exit 2).
int ctr_main(int argc, char** argv);

}  // namespace isolab::app
