// Fault injection (containers/fault.h): the shared-kernel COW bug lets a
// write in one container reach every container mapping the same file page;
// with it off, the write is copied. A kernel oops takes every container down.
#include <doctest/doctest.h>

#include "containers/fault.h"
#include "containers/linux_abi.h"
#include "tests/containers/workload.h"
#include "trace/trace.h"

using namespace isolab::containers;
using namespace isolab::containers::test;
using namespace isolab::containers::linux_abi;

namespace {

struct Pair {
  std::string reader, writer;
};

// Container B maps FILE and waits 5 ms; meanwhile container A maps it,
// makes it writable and writes TEXT at 0; then B prints what it sees.
Pair write_while_mapped(Kernel& k, const Image& img, const std::string& file, const std::string& text,
                        const char* how = "map-write") {
  Started b = start(k, img, "b", {"workload", "map-read", file, "0", std::to_string(text.size()), "5"});
  Started a = start(k, img, "a", {"workload", how, file, "0", text});
  wait_container(k, a.c);
  wait_container(k, b.c);
  return {*b.out, *a.out};
}

}  // namespace

TEST_CASE("fault: with the COW bug on, a write in container A is seen through container B's mapping") {
  Kernel k;
  isolab::trace::Trace t;
  k.trace = &t;
  std::vector<std::string> events;
  t.add_sink([&](const isolab::trace::Event& e) {
    if (e.kind == isolab::trace::Kind::Exception) events.push_back(e.what);
  });
  Image img = workload_image();
  auto stored = img.layers.back()->root->entries["srv"]->entries["page.txt"]->data;
  vfs::Bytes original = *stored;
  fault_set_cow_bug(k, true);
  CHECK(events == std::vector<std::string>{"fault: COW bug on"});
  Pair r = write_while_mapped(k, img, "/srv/page.txt", "PWNED");
  CHECK(r.writer == "wrote=50574e4544\n");
  // B's mapping shows A's bytes; read(2) of the file does not: the bug
  // changed the shared page-cache frame, not the image layer's bytes.
  CHECK(r.reader == "mapped=50574e4544\nfile=7468652069\n");
  CHECK(*stored == original);
  // The same when the writer's first touch of the page is the write.
  Pair cold = write_while_mapped(k, img, "/srv/page.txt", "COLD!", "map-write-cold");
  CHECK(cold.reader == "mapped=434f4c4421\nfile=7468652069\n");
  CHECK(*stored == original);
}

TEST_CASE("fault: with the COW bug on, a program's read-only page changes for every container") {
  Kernel k;
  Image img = workload_image();
  fault_set_cow_bug(k, true);
  Pair r = write_while_mapped(k, img, "/bin/workload", "HACK");
  CHECK(r.reader == "mapped=4841434b\nfile=7f454c46\n");  // its ELF header, as B's mapping now shows it
}

TEST_CASE("fault: with the COW bug off, the write is copied and B sees the file's bytes") {
  Kernel k;
  Image img = workload_image();
  fault_set_cow_bug(k, true);
  fault_set_cow_bug(k, false);
  Pair r = write_while_mapped(k, img, "/srv/page.txt", "PWNED");
  CHECK(r.writer == "wrote=50574e4544\n");
  CHECK(r.reader == "mapped=7468652069\nfile=7468652069\n");
  Pair p = write_while_mapped(k, img, "/bin/workload", "HACK");
  CHECK(p.reader == "mapped=7f454c46\nfile=7f454c46\n");
  Pair cold = write_while_mapped(k, img, "/srv/page.txt", "COLD!", "map-write-cold");
  CHECK(cold.writer == "wrote=434f4c4421\n");
  CHECK(cold.reader == "mapped=7468652069\nfile=7468652069\n");
}

TEST_CASE("fault: a kernel oops takes every container down and the dead kernel refuses new ones") {
  Kernel k;
  isolab::trace::Trace t;
  k.trace = &t;
  int killed = 0, oops = 0;
  t.add_sink([&](const isolab::trace::Event& e) {
    if (e.kind == isolab::trace::Kind::Container && std::string(e.what) == "killed") killed++;
    if (e.kind == isolab::trace::Kind::Exception && std::string(e.what) == "kernel oops") oops++;
  });
  Image img = workload_image();
  Started a = start(k, img, "a", {"workload", "spin"});
  Started b = start(k, img, "b", {"workload", "sleep", "100000"});
  Started c = start(k, img, "c", {"workload", "spin"});
  k.run(1'000'000);
  CHECK(fault_oops(k) == 3);
  CHECK(k.faults.dead);
  CHECK(k.faults.tainted);
  CHECK(oops == 1);
  CHECK(killed == 3);
  for (Started* s : {&a, &b, &c}) {
    CHECK(wait_container(k, s->c, 1'000'000) == RunResult::Done);
    CHECK(s->c.exit_code == 128 + LINUX_SIGKILL);
  }
  CHECK(k.run(1'000'000) == RunResult::Idle);
  Started d = start(k, img, "d", {"workload", "spin"});
  CHECK(d.out->find("start failed: the host kernel is dead") == 0);
  CHECK(fault_oops(k) == 0);  // it only dies once
}
