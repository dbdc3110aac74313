// Expressions of the lab console and of lessons' checks (DESIGN.md section
// 7): probes and literals compared with == != < <= > >=, joined with && and
// ||, grouped with parentheses. Also + - * / on numbers (for ratios such as
// `vm.a.insns > 2 * vm.b.insns`), `contains` on strings
// (`vm.a.console contains "$ "`) and + with a string on either side, which
// joins text, a number written as format_value writes it
// (`vm.a.console contains "" + vm.a.mem / 1024`).
//
// An expression is parsed once into a tree (Expr) and evaluated against a
// probe reader as often as the caller likes: `wait until` evaluates the same
// tree after every round of the lab's scheduler. Parse errors and
// evaluation errors are values that say what is wrong and where (the
// column in the expression text).
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace isolab::lab {

// A value a probe or a literal gives: a number, a string or a truth value.
struct Value {
  enum class Kind { Number, String, Bool } kind = Kind::Number;
  double number = 0;
  std::string string;
  bool boolean = false;

  static Value of(double n) { return {Kind::Number, n, {}, false}; }
  static Value of(std::string s) { return {Kind::String, 0, std::move(s), false}; }
  static Value truth(bool b) { return {Kind::Bool, 0, {}, b}; }
};
// How a value is shown: integers without a fraction, strings quoted with
// escapes, truth values as true/false.
std::string format_value(const Value& v);

// Reads a probe by its dotted name. Returns the value, or nullopt with
// `error` saying why (no such VM, no such counter).
using ProbeReader = std::function<std::optional<Value>(const std::string& name, std::string& error)>;

struct Expr {
  enum class Op { Literal, Probe, Not, Neg, Or, And, Eq, Ne, Lt, Le, Gt, Ge, Contains, Add, Sub, Mul, Div } op;
  Value literal;               // Literal
  std::string probe;           // Probe: the dotted name
  std::unique_ptr<Expr> lhs, rhs;  // operands (Not and Neg use lhs)
  size_t column = 0;           // where it starts in the text, from 1
};

struct ParseResult {
  std::unique_ptr<Expr> expr;  // null on error
  std::string error;           // "column N: what"
};
// Parse `text` as one expression. Probe names are checked for shape only
// (lab/probes.h's check_probe_name, via `check_name` when given), not for
// whether the VM or container exists: that is only known when evaluated.
ParseResult parse_expr(const std::string& text,
                       const std::function<std::optional<std::string>(const std::string&)>& check_name = {});

struct EvalResult {
  std::optional<Value> value;  // nullopt on error
  std::string error;
  // Every probe read while evaluating, with what it gave (for reports and
  // failure messages: "the values seen").
  std::vector<std::pair<std::string, std::string>> seen;
};
EvalResult eval_expr(const Expr& e, const ProbeReader& read);

// Evaluate and require a truth value: true/false, or an error (also when
// the expression gives a number or a string).
struct CheckResult {
  bool holds = false;
  std::string error;  // not empty: the expression could not be evaluated
  std::vector<std::pair<std::string, std::string>> seen;
};
CheckResult check_expr(const Expr& e, const ProbeReader& read);

// "vm.a.exits.HLT = 303, vm.a.state = "running"": the values seen, for messages.
std::string format_seen(const std::vector<std::pair<std::string, std::string>>& seen);

}  // namespace isolab::lab
