// The page cache (containers/pagecache.h): file pages shared by every
// process of every container that maps them, copy-on-write for private
// mappings, charged once to the first toucher, freed with the last mapping,
// and shown by /proc as Linux shows it (RssFile, Cached).
#include <doctest/doctest.h>

#include "containers/linux_abi.h"
#include "tests/containers/workload.h"

using namespace isolab::containers;
using namespace isolab::containers::test;
using namespace isolab::containers::linux_abi;

namespace {

// The first executable area's start: the program's text.
uint32_t text_va(const Process& p) {
  for (const Vma& v : p.mm->areas())
    if (v.prot & LINUX_PROT_EXEC) return v.start;
  return 0;
}

bool both_asleep(Kernel& k, const Started& a, const Started& b) {
  Process* pa = a.init(k);
  Process* pb = b.init(k);
  return pa && pb && pa->state == ProcState::Sleeping && pb->state == ProcState::Sleeping;
}

long long meminfo_kib(const std::string& text, const std::string& key) {
  size_t at = text.find(key + ":");
  return at == std::string::npos ? -1 : std::stoll(text.substr(at + key.size() + 1));
}

}  // namespace

TEST_CASE("pagecache: two containers running one program map its text from one frame") {
  Kernel k;
  Image img = workload_image();
  Started a = start(k, img, "a", {"workload", "sleep", "50"});
  Started b = start(k, img, "b", {"workload", "sleep", "50"});
  REQUIRE(k.run(10'000'000, [&] { return both_asleep(k, a, b); }) == RunResult::Done);
  Process& pa = *a.init(k);
  Process& pb = *b.init(k);
  uint32_t va = text_va(pa);
  REQUIRE(va);
  uint32_t fa = pa.mm->translate(va), fb = pb.mm->translate(va);
  REQUIRE(fa);
  CHECK(fa == fb);
  CHECK(k.frames.is_file_page(fa));
  CHECK(k.frames.refs(fa) == 2);
  CHECK(k.page_cache.pages() > 0);
  CHECK(k.page_cache.hits > 0);
  // The stacks are each their own.
  uint32_t sa = pa.mm->translate(pa.ctx.reg[isolab::cpu::ESP]), sb = pb.mm->translate(pb.ctx.reg[isolab::cpu::ESP]);
  CHECK(sa != sb);
  CHECK(!k.frames.is_file_page(sa));
  AddressSpace::Rss r = pa.mm->rss();
  CHECK(r.file == k.page_cache.pages());
  CHECK(r.anon > 0);
  CHECK(r.file + r.anon == pa.mm->resident_pages());
}

TEST_CASE("pagecache: a page is charged once, to the cgroup that touched it first") {
  Kernel k;
  Image img = workload_image();
  Started a = start(k, img, "a", {"workload", "sleep", "50"});
  REQUIRE(k.run(10'000'000, [&] { return a.init(k)->state == ProcState::Sleeping; }) == RunResult::Done);
  Started b = start(k, img, "b", {"workload", "sleep", "50"});
  REQUIRE(k.run(10'000'000, [&] { return both_asleep(k, a, b); }) == RunResult::Done);
  auto current = [&](const Started& s) { return std::stoll(cg_read(k, *s.c.cgroup, "memory.current")); };
  INFO("a " << current(a) << " b " << current(b) << " cached " << k.page_cache.pages());
  CHECK(k.page_cache.pages() > 0);
  CHECK(current(a) == current(b) + 4096ll * k.page_cache.pages());
}

TEST_CASE("pagecache: pages are freed when the last process mapping them is gone") {
  Kernel k;
  Image img = workload_image();
  uint32_t free_before = k.frames.free_frames();
  Started a = start(k, img, "a", {"workload", "sleep", "1"});
  Started b = start(k, img, "b", {"workload", "map-read", "/srv/page.txt", "0", "4", "1"});
  CHECK(wait_container(k, a.c) == RunResult::Done);
  CHECK(wait_container(k, b.c) == RunResult::Done);
  CHECK(b.c.exit_code == 0);
  k.run(1000);  // lets the kernel drop the address spaces it kept while the CPU used them
  CHECK(k.page_cache.pages() == 0);
  CHECK(k.frames.free_frames() == free_before);
}

TEST_CASE("pagecache: a write to a private file mapping gets a copy and the shared page is unchanged") {
  Kernel k;
  Image img = workload_image();
  Started reader = start(k, img, "reader", {"workload", "map-read", "/srv/page.txt", "0", "5", "5"});
  Started writer = start(k, img, "writer", {"workload", "map-write", "/srv/page.txt", "0", "WROTE"});
  CHECK(wait_container(k, writer.c) == RunResult::Done);
  CHECK(wait_container(k, reader.c) == RunResult::Done);
  CHECK(*writer.out == "wrote=57524f5445\n");   // "WROTE" in its own copy
  CHECK(*reader.out == "mapped=7468652069\nfile=7468652069\n");  // still "the i"
}

TEST_CASE("pagecache: /proc/<pid>/status splits VmRSS into RssFile and RssAnon, /proc/meminfo shows Cached") {
  Kernel k;
  Image img = workload_image();
  Started other = start(k, img, "other", {"workload", "sleep", "5"});
  Started cat = start(k, img, "cat", {"workload", "cat", "/proc/self/status"});
  Started mem = start(k, img, "mem", {"workload", "cat", "/proc/meminfo"});
  CHECK(wait_container(k, cat.c) == RunResult::Done);
  CHECK(wait_container(k, mem.c) == RunResult::Done);
  const std::string& st = *cat.out;
  INFO(st);
  long long rss = meminfo_kib(st, "VmRSS"), file = meminfo_kib(st, "RssFile"), anon = meminfo_kib(st, "RssAnon");
  CHECK(file > 0);
  CHECK(anon > 0);
  CHECK(rss == file + anon);
  CHECK(meminfo_kib(*mem.out, "Cached") > 0);
  CHECK(meminfo_kib(*mem.out, "Cached") % 4 == 0);
}

TEST_CASE("pagecache: with the page cache off every process has its own copy") {
  KernelConfig cfg;
  cfg.page_cache = false;
  Kernel k(cfg);
  Image img = workload_image();
  Started a = start(k, img, "a", {"workload", "sleep", "50"});
  Started b = start(k, img, "b", {"workload", "sleep", "50"});
  REQUIRE(k.run(10'000'000, [&] { return both_asleep(k, a, b); }) == RunResult::Done);
  uint32_t va = text_va(*a.init(k));
  CHECK(a.init(k)->mm->translate(va) != b.init(k)->mm->translate(va));
  CHECK(k.page_cache.pages() == 0);
  CHECK(a.init(k)->mm->rss().file == 0);
}
