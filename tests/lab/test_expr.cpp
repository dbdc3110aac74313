// Expressions (lab/expr.h): parsing, evaluation, and the errors of both.
#include <doctest/doctest.h>

#include <map>

#include "lab/expr.h"
#include "lab/probes.h"

using namespace isolab::lab;

namespace {

// A probe reader over a fixed table.
ProbeReader table(std::map<std::string, Value> values) {
  return [values](const std::string& name, std::string& error) -> std::optional<Value> {
    auto it = values.find(name);
    if (it == values.end()) {
      error = "no probe " + name;
      return std::nullopt;
    }
    return it->second;
  };
}

CheckResult check(const std::string& text, const ProbeReader& read) {
  ParseResult p = parse_expr(text);
  REQUIRE_MESSAGE(p.expr, p.error);
  return check_expr(*p.expr, read);
}

}  // namespace

TEST_CASE("expr: comparisons of numbers and strings") {
  auto read = table({{"vm.a.insns", Value::of(1000.0)}, {"vm.a.state", Value::of(std::string("running"))}});
  CHECK(check("vm.a.insns == 1000", read).holds);
  CHECK(check("vm.a.insns != 999", read).holds);
  CHECK(check("vm.a.insns < 1001 && vm.a.insns <= 1000 && vm.a.insns > 999 && vm.a.insns >= 1000", read).holds);
  CHECK(check("vm.a.state == \"running\"", read).holds);
  CHECK(check("vm.a.state == 'running'", read).holds);
  CHECK_FALSE(check("vm.a.state == \"paused\"", read).holds);
  CHECK(check("vm.a.state contains \"unn\"", read).holds);
}

TEST_CASE("expr: && binds tighter than ||, parentheses group, ! negates") {
  auto read = table({});
  CHECK(check("1 == 1 || 1 == 2 && 1 == 2", read).holds);
  CHECK_FALSE(check("(1 == 1 || 1 == 2) && 1 == 2", read).holds);
  CHECK(check("!(1 == 2)", read).holds);
  CHECK(check("true && !false", read).holds);
}

TEST_CASE("expr: arithmetic for ratios") {
  auto read = table({{"vm.a.insns", Value::of(300.0)}, {"vm.b.insns", Value::of(100.0)}});
  CHECK(check("vm.a.insns > 2 * vm.b.insns", read).holds);
  CHECK(check("vm.a.insns / vm.b.insns == 3", read).holds);
  CHECK(check("vm.a.insns - vm.b.insns == 200 && -1 < 0 && 1 + 2 * 3 == 7", read).holds);
  CHECK(check("1.5 * 2 == 3", read).holds);
}

TEST_CASE("expr: || short-circuits past a probe that cannot be read") {
  auto read = table({});
  CheckResult r = check("1 == 1 || vm.gone.insns > 0", read);
  CHECK(r.holds);
  CHECK(r.error.empty());
}

TEST_CASE("expr: the values seen are recorded") {
  auto read = table({{"vm.a.exits.HLT", Value::of(3.0)}});
  CheckResult r = check("vm.a.exits.HLT > 5", read);
  CHECK_FALSE(r.holds);
  REQUIRE(r.seen.size() == 1);
  CHECK(format_seen(r.seen) == "vm.a.exits.HLT = 3");
}

TEST_CASE("expr: syntax errors say what and at which column") {
  CHECK(parse_expr("vm.a.insns = 0").error == "column 12: '=' is not an operator: write '==' to compare");
  CHECK(parse_expr("(1 == 1").error == "column 8: expected ')' to close the '(' at column 1");
  CHECK(parse_expr("1 ==").error == "column 5: the expression ends where a value was expected");
  CHECK(parse_expr("1 == 1 2").error == "column 8: unexpected '2' after the expression");
  CHECK(parse_expr("\"abc").error == "column 1: unterminated string");
  CHECK(parse_expr("1 @ 2").error == "column 3: unexpected character '@'");
  CHECK(parse_expr("64M > 1").error == "column 1: '64M' is not a number");
}

TEST_CASE("expr: probe names are checked for shape when parsed") {
  CHECK(parse_expr("vm.a.exits.HLT > 0", check_probe_name).expr);
  CHECK(parse_expr("vm.a.mmu.pf_fixed > 0 && ctr.c.state == \"running\" && host.vms.running == 1", check_probe_name).expr);
  ParseResult p = parse_expr("vm.a.exits.HTL > 0", check_probe_name);
  CHECK_FALSE(p.expr);
  CHECK(p.error.find("column 1: unknown exit reason 'HTL'") == 0);
  CHECK(parse_expr("vm.a.mmu.pf_fixd > 0", check_probe_name).error.find("unknown MMU counter 'pf_fixd'") != std::string::npos);
  CHECK(parse_expr("1 < vm.a.instructions", check_probe_name).error.find("column 5: unknown probe 'vm.a.instructions'") == 0);
  CHECK(parse_expr("vm > 1", check_probe_name).error.find("unknown probe 'vm'") != std::string::npos);
}

TEST_CASE("expr: evaluation errors name the problem") {
  auto read = table({{"vm.a.state", Value::of(std::string("running"))}, {"vm.a.insns", Value::of(5.0)}});
  CHECK(check("vm.a.state > 3", read).error == "column 12: cannot compare a string (\"running\") with a number (3)");
  CHECK(check("vm.b.insns > 3", read).error == "column 1: no probe vm.b.insns");
  CHECK(check("vm.a.insns / 0 > 1", read).error == "column 12: division by zero");
  CHECK(check("vm.a.insns", read).error == "the expression gives 5, not true or false");
  CHECK(check("vm.a.insns && true", read).error == "column 12: '&&' needs true/false, got 5");
}

TEST_CASE("expr: values print as a student would write them") {
  CHECK(format_value(Value::of(42.0)) == "42");
  CHECK(format_value(Value::of(1.5)) == "1.5");
  CHECK(format_value(Value::of(std::string("a\"b\n"))) == "\"a\\\"b\\n\"");
  CHECK(format_value(Value::truth(true)) == "true");
}

TEST_CASE("expr: + with a string joins text, numbers written as format_value writes them") {
  auto read = table({{"vm.a.mem", Value::of(16777216.0)}, {"vm.a.console", Value::of(std::string("memory: 16384 KiB usable"))}});
  CHECK(check("vm.a.console contains \"memory: \" + vm.a.mem / 1024 + \" KiB\"", read).holds);
  CHECK_FALSE(check("vm.a.console contains \"memory: \" + vm.a.mem / 512 + \" KiB\"", read).holds);
  CHECK(check("\"a\" + 1.5 == \"a1.5\" && 1 + \"b\" == \"1b\"", read).holds);
  CHECK(check("1 + 2 == 3", read).holds);  // numbers still add
  CHECK(check("\"a\" - 1 == 0", read).error == "column 5: arithmetic needs a number, got \"a\"");
}
