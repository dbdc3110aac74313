// miniOS's user programs, the first container image, run on the
// simulated kernel: the same binaries that run in a miniOS VM.
#include <doctest/doctest.h>

#include "tests/containers/harness.h"

using namespace isolab::containers;
using namespace isolab::containers::test;

#ifdef ISOLAB_HAVE_MINIOS

TEST_CASE("minios: echo prints its arguments") {
  auto r = run({"echo", "hi", "there"});
  CHECK(r.out == "hi there\n");
  CHECK(r.exit_code == 0);
}

TEST_CASE("minios: cat copies a file and reports a missing one") {
  auto r = run({"cat", "/etc/hostname", "/nope"});
  CHECK(r.out == "test\n");
  CHECK(r.err.find("/nope") != std::string::npos);
  CHECK(r.exit_code == 1);
}

TEST_CASE("minios: ls lists the image's /bin and the root") {
  auto r = run({"ls", "/bin"});
  CHECK(r.out.find("echo\n") != std::string::npos);
  CHECK(r.out.find("probe\n") != std::string::npos);
  auto root = run({"ls", "/"});
  CHECK(root.out.find("bin/\n") != std::string::npos);
  CHECK(root.out.find("proc/\n") != std::string::npos);
}

TEST_CASE("minios: uname -a shows Linux and the container's host name") {
  auto r = run({"uname", "-a"}, "ctr1");
  CHECK(r.out.rfind("Linux ctr1 6.1.0-isolab", 0) == 0);
  CHECK(run({"hostname"}, "ctr2").out == "ctr2\n");
}

TEST_CASE("minios: ps in a container sees only its own processes, from PID 1") {
  auto r = run({"ps"});
  CHECK(r.out.find("PID") != std::string::npos);
  CHECK(r.out.find("    1     0 R ") != std::string::npos);
  CHECK(r.out.find(" ps\n") != std::string::npos);
  // Exactly one process line under the header.
  CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 2);
}

TEST_CASE("minios: free reads /proc/meminfo") {
  auto r = run({"free"});
  CHECK(r.out.find("Mem:") != std::string::npos);
  CHECK(r.exit_code == 0);
}

TEST_CASE("minios: the shell runs a pipeline of miniOS programs") {
  Kernel k;
  RunOutput r;
  auto streams = std::make_shared<vfs::HostStreams>();
  std::string input = "echo one two | wc\nexit 3\n";
  streams->read = [&input](char* buf, size_t n) -> long {
    size_t k2 = std::min(n, input.size());
    std::memcpy(buf, input.data(), k2);
    input.erase(0, k2);
    return long(k2);
  };
  streams->write = [&r](int, const char* d, size_t n) { r.out.append(d, n); };
  ContainerSpec spec;
  spec.cmd = {"sh"};
  spec.streams = streams;
  auto c = start_container(k, test_image(), spec);
  REQUIRE(c.ok());
  wait_container(k, *c, 2'000'000'000ull);
  CHECK(c->exited);
  CHECK(r.out.find("1 2") != std::string::npos);
}

#endif
