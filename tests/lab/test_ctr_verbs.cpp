// The console's container verbs on the lab (lab/console.h, lab/lab.h):
// ctr exec, stop, kill, rm, stats, images, commit, and `host bug`, with
// their probes and their errors.
#include <doctest/doctest.h>

#include <sstream>

#include "lab/console.h"
#include "lab/lab.h"
#include "lab/probes.h"
#include "tests/lab/script_harness.h"

using namespace isolab::lab;
using isolab::lab::test::run;
using isolab::lab::test::parse_error;
using isolab::lab::test::Script;

namespace {

double probe(Lab& lab, const std::string& name) {
  std::string error;
  auto v = probe_reader(lab)(name, error);
  REQUIRE_MESSAGE(v, error);
  return v->number;
}

}  // namespace

TEST_CASE("ctr verbs: each parses with Docker's options") {
  auto p = parse_command("ctr exec c1 echo \"a b\"");
  REQUIRE(p.command);
  CHECK(p.command->verb == Verb::CtrExec);
  CHECK(p.command->name == "c1");
  CHECK(p.command->cmd == std::vector<std::string>{"echo", "a b"});
  p = parse_command("ctr stop -t 2 c1");
  REQUIRE(p.command);
  CHECK(p.command->verb == Verb::CtrStop);
  CHECK(p.command->duration_ns == 2'000'000'000ull);
  p = parse_command("ctr kill -s TERM c1");
  REQUIRE(p.command);
  CHECK(p.command->signal == 15);
  CHECK(parse_command("ctr kill c1").command->signal == 9);
  CHECK(parse_command("ctr rm -f c1").command->force);
  CHECK(!parse_command("ctr rm c1").command->force);
  CHECK(parse_command("ctr stats").command->verb == Verb::CtrStats);
  CHECK(parse_command("ctr images").command->verb == Verb::CtrImages);
  p = parse_command("ctr commit c1 notes:v1");
  REQUIRE(p.command);
  CHECK(p.command->arg == "notes:v1");
  CHECK(parse_command("host bug cow on").command->verb == Verb::HostBug);
  CHECK(parse_command("host bug oops").command->arg == "oops");
}

TEST_CASE("ctr verbs: bad arguments say what is wrong") {
  CHECK(parse_error("ctr exec c1") == "ctr exec: expected `ctr exec NAME CMD [ARG...]`");
  CHECK(parse_error("ctr stop -t soon c1") == "ctr stop: -t 'soon': expected seconds from 0 to 3600");
  CHECK(parse_error("ctr stop") == "ctr stop: expected `ctr stop [-t SECONDS] NAME`");
  CHECK(parse_error("ctr kill -s NOPE c1") == "ctr kill: -s 'NOPE': expected a signal such as KILL, TERM or 15");
  CHECK(parse_error("ctr rm a b") == "ctr rm: expected `ctr rm [-f] NAME`");
  CHECK(parse_error("ctr images x") == "ctr images: takes no arguments");
  CHECK(parse_error("ctr commit c1") == "ctr commit: expected `ctr commit NAME IMAGE[:TAG]`");
  CHECK(parse_error("host bug cow maybe") == "host bug: expected `host bug cow on|off` or `host bug oops`");
  CHECK(parse_error("ctr fly") == "ctr: unknown verb 'fly' (ctr run, exec, ps, stop, kill, rm, logs, stats, images, commit, step, break)");
}

TEST_CASE("ctr verbs: a verb on no such container exits 2 naming it") {
  Lab lab;
  for (const char* line : {"ctr exec web ps", "ctr stop web", "ctr kill web", "ctr rm web", "ctr stats web",
                           "ctr commit web x:1"}) {
    Script s = run(lab, std::string(line) + "\n");
    CHECK(s.rc == 2);
    CHECK_MESSAGE(s.err.find("no container named 'web'") != std::string::npos, s.err);
  }
}

TEST_CASE("ctr exec runs a program in a running container, its output is in the container's logs") {
  Lab lab;
  Script s = run(lab,
                 "ctr run --name c1 --hostname box minios sleep 100\n"
                 "wait 1ms\n"
                 "ctr exec c1 hostname\n"
                 "wait until ctr.c1.logs contains \"box\" --timeout 1s\n"
                 "expect ctr.c1.state == \"running\"\n");
  CHECK_MESSAGE(s.rc == 0, s.err);
  // A program the image lacks, and a container that has exited.
  s = run(lab, "ctr exec c1 nosuchprogram\n");
  CHECK(s.rc == 2);
  CHECK(s.err == "s.isolab:1: ctr exec: nosuchprogram: not found in the container's PATH (/bin:/usr/bin:/sbin:/usr/sbin)\n");
  s = run(lab, "ctr run --name done minios true\nwait until ctr.done.state == \"exited\" --timeout 1s\nctr exec done ps\n");
  CHECK(s.rc == 2);
  CHECK(s.err == "s.isolab:3: ctr exec: container done is not running\n");
}

TEST_CASE("ctr kill, stop and rm end and remove containers") {
  Lab lab;
  Script s = run(lab,
                 "ctr run --name k minios sleep 100\n"
                 "ctr run --name s minios sleep 100\n"
                 "wait 1ms\n"
                 "ctr kill k\n"
                 "wait until ctr.k.state == \"exited\" --timeout 1s\n"
                 "expect ctr.k.exit_code == 137\n"
                 "ctr stop -t 1 s\n"
                 "expect ctr.s.state == \"exited\"\n"
                 "expect host.containers.running == 0\n");
  CHECK_MESSAGE(s.rc == 0, s.err);
  // kill of an exited container is an error; stop of one is not (as Docker).
  s = run(lab, "ctr kill k\n");
  CHECK(s.err == "s.isolab:1: ctr kill: container k is not running\n");
  CHECK(run(lab, "ctr stop k\n").rc == 0);
  double cgroups = probe(lab, "host.cgroups");
  s = run(lab, "ctr rm k\nexpect host.containers == 1\n");
  CHECK_MESSAGE(s.rc == 0, s.err);
  CHECK(probe(lab, "host.cgroups") == cgroups - 1);  // its cgroup went with it
  // A running container is removed only with -f.
  s = run(lab, "ctr run --name r minios sleep 100\nwait 1ms\nctr rm r\n");
  CHECK(s.rc == 2);
  CHECK(s.err == "s.isolab:3: ctr rm: cannot remove the running container r: stop it first, or rm -f\n");
  s = run(lab, "ctr rm -f r\nexpect host.containers == 1\nctr run --name r minios true\n");
  CHECK_MESSAGE(s.rc == 0, s.err);
}

TEST_CASE("ctr images, stats and commit: layers stored once, copy-up, a committed image") {
  Lab lab;
  Script s = run(lab, "ctr run --name a minios sleep 100\nwait 1ms\n");
  REQUIRE_MESSAGE(s.rc == 0, s.err);
  const double one = probe(lab, "host.layers.bytes");
  CHECK(one > 0);
  s = run(lab, "ctr run --name b minios sleep 100\nctr run --name c minios sleep 100\nwait 1ms\n");
  REQUIRE_MESSAGE(s.rc == 0, s.err);
  CHECK(probe(lab, "host.layers.bytes") == one);  // three containers, the layers once
  CHECK(probe(lab, "host.containers.lower_bytes") >= 3 * one - 3 * 4096);
  CHECK(probe(lab, "ctr.a.upper_bytes") == 0);

  s = run(lab,
          "ctr run --name w --input \"echo hi >> /bin/true\\necho layered > /bin/note\\n\" minios sh\n"
          "wait until ctr.w.state == \"exited\" --timeout 2s\n"
          "ctr stats\n");
  REQUIRE_MESSAGE(s.rc == 0, s.err);
  CHECK(probe(lab, "ctr.w.copy_ups") >= 1);
  CHECK(probe(lab, "ctr.w.upper_bytes") > 1000);  // the whole of /bin/true was copied up
  CHECK(probe(lab, "ctr.b.upper_bytes") == 0);
  CHECK(probe(lab, "host.layers.bytes") == one);
  CHECK(s.out.find("UPPER-BYTES") != std::string::npos);

  s = run(lab,
          "ctr commit w notes:v1\n"
          "ctr run --name n notes:v1 cat /bin/note\n"
          "wait until ctr.n.state == \"exited\" --timeout 1s\n"
          "expect ctr.n.logs == \"layered\\n\" && ctr.n.upper_bytes == 0\n"
          "expect host.images == 2\n"
          "ctr images\n");
  CHECK_MESSAGE(s.rc == 0, s.err);
  CHECK(probe(lab, "host.layers.bytes") > one);  // the new layer, stored once
  CHECK(s.out.find("notes:v1") != std::string::npos);
  CHECK(s.out.find("commit w") != std::string::npos);
  s = run(lab, "ctr commit w Bad:Name\n");
  CHECK(s.rc == 2);
  CHECK(s.err.find("ctr commit: invalid reference format: 'Bad:Name'") != std::string::npos);
}

TEST_CASE("host bug oops takes every container down, VMs are not on that kernel") {
  Lab lab;
  Script s = run(lab,
                 "ctr run --name c1 minios sleep 100\n"
                 "ctr run --name c2 minios sleep 100\n"
                 "wait 1ms\n"
                 "expect host.kernel.dead == 0 && host.containers.running == 2\n"
                 "host bug oops\n"
                 "wait 1ms\n"
                 "expect host.kernel.dead == 1 && host.kernel.tainted == 1\n"
                 "expect host.containers.running == 0 && ctr.c2.state == \"exited\"\n");
  CHECK_MESSAGE(s.rc == 0, s.err);
  s = run(lab, "host bug oops\n");
  CHECK(s.err == "s.isolab:1: host bug oops: the container kernel is dead already\n");
  s = run(lab, "ctr run --name c3 minios true\n");
  CHECK(s.rc == 2);  // nothing starts on a dead kernel
  CHECK(s.err == "s.isolab:1: ctr run: the container kernel is dead (BUG: injected kernel oops): nothing starts on it any more\n");
}

TEST_CASE("host bug cow on|off switches the container kernel's COW bug") {
  Lab lab;
  Script s = run(lab, "host bug cow on\nexpect host.kernel.cow_bug == 1\nhost bug cow off\nexpect host.kernel.cow_bug == 0\n");
  CHECK_MESSAGE(s.rc == 0, s.err);
}
