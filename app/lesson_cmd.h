// `isolab lesson list|run|check`: lessons (lessons/lesson.h) from the
// command line.
//   isolab lesson list [DIR]                    every NN-*.md lesson, its title and steps
//   isolab lesson run FILE [--report FILE.json] the lesson as a transcript: prose, commands, output, checks
//   isolab lesson check FILE [--report FILE.json] [--no-actions]
//                                               headless; ends with `N passed, N failed`
#pragma once
#include <string>
#include <vector>

namespace isolab::app {

// `args` are the words after `lesson`. Exit status: 0 when every check
// holds, 1 when one does not, 2 on bad usage or a malformed lesson (one line
// on stderr naming the file and line).
int lesson_main(const std::vector<std::string>& args);

}  // namespace isolab::app
