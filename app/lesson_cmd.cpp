// isolab lesson (lesson_cmd.h).
#include "app/lesson_cmd.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "lessons/lesson.h"
#include "lessons/runner.h"

namespace isolab::app {

namespace {

int usage(const std::string& what) {
  std::fprintf(stderr, "isolab lesson: %s (usage: isolab lesson list [DIR] | run FILE [--report FILE.json] | "
                       "check FILE [--report FILE.json] [--no-actions])\n", what.c_str());
  return 2;
}

int list(const std::string& dir) {
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ".md" && e.path().filename().string() != "README.md") files.push_back(e.path());
  if (ec) return usage(dir + ": " + ec.message());
  std::sort(files.begin(), files.end());
  int width = 0;
  for (const auto& f : files) width = std::max(width, int(f.filename().string().size()));
  int rc = 0;
  for (const auto& f : files) {
    lessons::ParsedLesson p = lessons::load_lesson(f.string());
    if (!p.lesson) {
      std::fprintf(stderr, "%s\n", p.error.c_str());
      rc = 2;
      continue;
    }
    std::printf("%-*s  %s (%zu steps)\n", width, f.filename().string().c_str(), p.lesson->title.c_str(), p.lesson->steps.size());
  }
  return rc;
}

}  // namespace

int lesson_main(const std::vector<std::string>& args) {
  if (args.empty()) return usage("missing list, run or check");
  const std::string& verb = args[0];
  if (verb == "list") {
    if (args.size() > 2) return usage("list takes at most one DIR");
    return list(args.size() == 2 ? args[1] : lessons::default_lessons_dir());
  }
  if (verb != "run" && verb != "check") return usage("unknown verb '" + verb + "'");
  std::string file, report;
  lessons::RunOptions options;
  options.verbose = verb == "run";
  // lesson run asks its ```ask questions on the terminal (standard input).
  if (verb == "run") options.answers = &std::cin;
  for (size_t i = 1; i < args.size(); i++) {
    if (args[i] == "--report") {
      if (i + 1 >= args.size()) return usage("--report needs a FILE.json");
      report = args[++i];
    } else if (args[i] == "--no-actions" && verb == "check") {
      options.no_actions = true;
    } else if (args[i].rfind("--", 0) == 0 || !file.empty()) {
      return usage("unexpected '" + args[i] + "'");
    } else {
      file = args[i];
    }
  }
  if (file.empty()) return usage(verb + " needs a lesson FILE");
  lessons::ParsedLesson p = lessons::load_lesson(file);
  if (!p.lesson) {
    std::fprintf(stderr, "%s\n", p.error.c_str());
    return 2;
  }
  lessons::LessonOutcome o = lessons::run_lesson(*p.lesson, options, std::cout, std::cerr);
  std::cout.flush();
  if (!report.empty()) {
    std::ofstream f(report, std::ios::binary);
    f << lessons::report_json(*p.lesson, options, o);
    if (!f) {
      std::fprintf(stderr, "isolab lesson: %s: cannot write the report\n", report.c_str());
      return 2;
    }
  }
  return o.failed == 0 ? 0 : 1;
}

}  // namespace isolab::app
