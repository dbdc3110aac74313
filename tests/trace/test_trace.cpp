// The trace ring and its JSON-lines export.
#include <doctest/doctest.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <unistd.h>

#include "trace/trace.h"

using namespace isolab::trace;

TEST_CASE("trace: the ring keeps the newest events in order and numbers them") {
  Trace t(4);
  for (uint32_t i = 0; i < 10; i++) {
    Event e;
    e.code = i;
    e.what = "HLT";
    t.record(e);
  }
  CHECK(t.total() == 10);
  auto r = t.recent();
  REQUIRE(r.size() == 4);
  CHECK(r.front().code == 6);
  CHECK(r.back().code == 9);
  CHECK(r.back().seq == 9);
}

TEST_CASE("trace: sinks see every event as it is recorded") {
  Trace t(2);
  int seen = 0;
  t.add_sink([&](const Event& e) { seen += int(e.code); });
  for (uint32_t i = 1; i <= 5; i++) {
    Event e;
    e.code = i;
    t.record(e);
  }
  CHECK(seen == 15);
}

TEST_CASE("trace: an event with guest state is one line of JSON with escaped strings") {
  Event e;
  e.kind = Kind::VmExit;
  e.set_source("vm\"1");
  e.what = "IO_INSTRUCTION";
  e.detail[0] = 0x3F8;
  e.has_state = true;
  e.state.eip = 0x1234;
  std::string j = to_json(e);
  CHECK(j.find('\n') == std::string::npos);
  CHECK(j.find("\"kind\":\"vm_exit\"") != std::string::npos);
  CHECK(j.find("\"source\":\"vm\\\"1\"") != std::string::npos);
  CHECK(j.find("\"detail\":[1016,0,0,0]") != std::string::npos);
  CHECK(j.find("\"eip\":4660") != std::string::npos);
}

TEST_CASE("trace: the JSON-lines writer writes one line per event and refuses a bad path") {
  char tmpl[] = "/tmp/isolab-trace-XXXXXX";
  int fd = mkstemp(tmpl);
  REQUIRE(fd >= 0);
  close(fd);
  std::string path = tmpl;
  {
    JsonLinesWriter w(path);
    Trace t;
    t.add_sink([&](const Event& e) { w.write(e); });
    t.record(Event{});
    t.record(Event{});
  }
  std::ifstream f(path);
  std::string line;
  int lines = 0;
  while (std::getline(f, line)) lines++;
  CHECK(lines == 2);
  std::remove(path.c_str());
  CHECK_THROWS_AS(JsonLinesWriter("/nonexistent-dir/x.jsonl"), std::runtime_error);
}
