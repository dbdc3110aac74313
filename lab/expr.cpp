// Expressions: a tokenizer and a recursive-descent parser, one function a
// precedence level, and a tree walker (expr.h).
#include "lab/expr.h"

#include <cctype>
#include <cmath>
#include <cstdio>

namespace isolab::lab {

std::string format_value(const Value& v) {
  switch (v.kind) {
    case Value::Kind::Bool: return v.boolean ? "true" : "false";
    case Value::Kind::Number: {
      char buf[64];
      if (std::floor(v.number) == v.number && std::fabs(v.number) < 1e18)
        std::snprintf(buf, sizeof buf, "%lld", (long long)v.number);
      else
        std::snprintf(buf, sizeof buf, "%.6g", v.number);
      return buf;
    }
    case Value::Kind::String: {
      std::string out = "\"";
      for (unsigned char c : v.string) {
        if (c == '"' || c == '\\') out += '\\', out += char(c);
        else if (c == '\n') out += "\\n";
        else if (c == '\r') out += "\\r";
        else if (c == '\t') out += "\\t";
        else if (c < 0x20 || c >= 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\x%02x", c);
          out += buf;
        } else out += char(c);
      }
      return out + "\"";
    }
  }
  return "?";
}

std::string format_seen(const std::vector<std::pair<std::string, std::string>>& seen) {
  std::string out;
  for (const auto& [name, value] : seen) {
    if (!out.empty()) out += ", ";
    // Long strings (a VM's console) are cut to their last 60 characters.
    std::string v = value.size() > 64 ? "\"..." + value.substr(value.size() - 60) : value;
    out += name + " = " + v;
  }
  return out;
}

namespace {

struct Token {
  enum class Kind { Number, String, Name, Op, LParen, RParen, End } kind;
  std::string text;   // the name, the operator, the string's contents
  double number = 0;
  size_t column = 0;  // from 1
};

bool is_name_start(char c) { return std::isalpha(uint8_t(c)) || c == '_'; }
bool is_name_char(char c) { return std::isalnum(uint8_t(c)) || c == '_' || c == '.'; }

// Split `text` into tokens; on error fills `error` and returns what it has.
std::vector<Token> tokenize(const std::string& text, std::string& error) {
  std::vector<Token> out;
  size_t i = 0;
  auto fail = [&](size_t at, const std::string& what) {
    error = "column " + std::to_string(at + 1) + ": " + what;
  };
  while (i < text.size()) {
    char c = text[i];
    if (std::isspace(uint8_t(c))) {
      i++;
      continue;
    }
    size_t start = i;
    if (std::isdigit(uint8_t(c))) {
      size_t used = 0;
      double v = std::stod(text.substr(i), &used);
      i += used;
      if (i < text.size() && is_name_start(text[i])) {
        fail(start, "'" + text.substr(start, i + 1 - start) + "' is not a number");
        return out;
      }
      out.push_back({Token::Kind::Number, text.substr(start, i - start), v, start + 1});
    } else if (c == '"' || c == '\'') {
      std::string s;
      i++;
      while (i < text.size() && text[i] != c) {
        if (text[i] == '\\' && i + 1 < text.size()) {
          char e = text[++i];
          s += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e;
        } else {
          s += text[i];
        }
        i++;
      }
      if (i >= text.size()) {
        fail(start, "unterminated string");
        return out;
      }
      i++;
      out.push_back({Token::Kind::String, s, 0, start + 1});
    } else if (is_name_start(c)) {
      while (i < text.size() && is_name_char(text[i])) i++;
      out.push_back({Token::Kind::Name, text.substr(start, i - start), 0, start + 1});
    } else if (c == '(' || c == ')') {
      i++;
      out.push_back({c == '(' ? Token::Kind::LParen : Token::Kind::RParen, std::string(1, c), 0, start + 1});
    } else {
      static const char* const kOps[] = {"==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", "*", "/"};
      bool found = false;
      for (const char* op : kOps) {
        std::string o = op;
        if (text.compare(i, o.size(), o) == 0) {
          out.push_back({Token::Kind::Op, o, 0, start + 1});
          i += o.size();
          found = true;
          break;
        }
      }
      if (!found) {
        if (c == '=') fail(start, "'=' is not an operator: write '==' to compare");
        else fail(start, std::string("unexpected character '") + c + "'");
        return out;
      }
    }
  }
  out.push_back({Token::Kind::End, "", 0, text.size() + 1});
  return out;
}

class Parser {
 public:
  Parser(std::vector<Token> tokens, const std::function<std::optional<std::string>(const std::string&)>& check)
      : t_(std::move(tokens)), check_(check) {}

  std::unique_ptr<Expr> parse(std::string& error) {
    auto e = parse_or();
    if (e && peek().kind != Token::Kind::End) fail(peek(), "unexpected '" + peek().text + "' after the expression");
    error = error_;
    return error_.empty() ? std::move(e) : nullptr;
  }

 private:
  const Token& peek() const { return t_[pos_]; }
  bool is_op(const char* op) const { return peek().kind == Token::Kind::Op && peek().text == op; }
  bool is_word(const char* w) const { return peek().kind == Token::Kind::Name && peek().text == w; }
  void fail(const Token& t, const std::string& what) {
    if (error_.empty()) error_ = "column " + std::to_string(t.column) + ": " + what;
  }
  static std::unique_ptr<Expr> node(Expr::Op op, size_t column, std::unique_ptr<Expr> l = nullptr,
                                    std::unique_ptr<Expr> r = nullptr) {
    auto e = std::make_unique<Expr>();
    e->op = op;
    e->column = column;
    e->lhs = std::move(l);
    e->rhs = std::move(r);
    return e;
  }

  std::unique_ptr<Expr> parse_or() {
    auto l = parse_and();
    while (l && is_op("||")) {
      size_t col = t_[pos_++].column;
      auto r = parse_and();
      if (!r) return nullptr;
      l = node(Expr::Op::Or, col, std::move(l), std::move(r));
    }
    return l;
  }
  std::unique_ptr<Expr> parse_and() {
    auto l = parse_compare();
    while (l && is_op("&&")) {
      size_t col = t_[pos_++].column;
      auto r = parse_compare();
      if (!r) return nullptr;
      l = node(Expr::Op::And, col, std::move(l), std::move(r));
    }
    return l;
  }
  std::unique_ptr<Expr> parse_compare() {
    static const struct {
      const char* text;
      Expr::Op op;
    } kCompare[] = {{"==", Expr::Op::Eq}, {"!=", Expr::Op::Ne}, {"<", Expr::Op::Lt},
                    {"<=", Expr::Op::Le}, {">", Expr::Op::Gt},  {">=", Expr::Op::Ge}};
    auto l = parse_sum();
    if (!l) return nullptr;
    for (const auto& c : kCompare)
      if (is_op(c.text)) {
        size_t col = t_[pos_++].column;
        auto r = parse_sum();
        return r ? node(c.op, col, std::move(l), std::move(r)) : nullptr;
      }
    if (is_word("contains")) {
      size_t col = t_[pos_++].column;
      auto r = parse_sum();
      return r ? node(Expr::Op::Contains, col, std::move(l), std::move(r)) : nullptr;
    }
    return l;
  }
  std::unique_ptr<Expr> parse_sum() {
    auto l = parse_product();
    while (l && (is_op("+") || is_op("-"))) {
      Expr::Op op = peek().text == "+" ? Expr::Op::Add : Expr::Op::Sub;
      size_t col = t_[pos_++].column;
      auto r = parse_product();
      if (!r) return nullptr;
      l = node(op, col, std::move(l), std::move(r));
    }
    return l;
  }
  std::unique_ptr<Expr> parse_product() {
    auto l = parse_unary();
    while (l && (is_op("*") || is_op("/"))) {
      Expr::Op op = peek().text == "*" ? Expr::Op::Mul : Expr::Op::Div;
      size_t col = t_[pos_++].column;
      auto r = parse_unary();
      if (!r) return nullptr;
      l = node(op, col, std::move(l), std::move(r));
    }
    return l;
  }
  std::unique_ptr<Expr> parse_unary() {
    if (is_op("!") || is_op("-")) {
      Expr::Op op = peek().text == "!" ? Expr::Op::Not : Expr::Op::Neg;
      size_t col = t_[pos_++].column;
      auto operand = parse_unary();
      return operand ? node(op, col, std::move(operand)) : nullptr;
    }
    return parse_primary();
  }
  std::unique_ptr<Expr> parse_primary() {
    const Token& t = peek();
    switch (t.kind) {
      case Token::Kind::Number: {
        pos_++;
        auto e = node(Expr::Op::Literal, t.column);
        e->literal = Value::of(t.number);
        return e;
      }
      case Token::Kind::String: {
        pos_++;
        auto e = node(Expr::Op::Literal, t.column);
        e->literal = Value::of(t.text);
        return e;
      }
      case Token::Kind::Name: {
        pos_++;
        auto e = node(Expr::Op::Literal, t.column);
        if (t.text == "true" || t.text == "false") {
          e->literal = Value::truth(t.text == "true");
          return e;
        }
        if (t.text == "contains") {
          fail(t, "'contains' needs a string on its left");
          return nullptr;
        }
        if (check_) {
          if (auto problem = check_(t.text)) {
            fail(t, *problem);
            return nullptr;
          }
        }
        e->op = Expr::Op::Probe;
        e->probe = t.text;
        return e;
      }
      case Token::Kind::LParen: {
        pos_++;
        auto e = parse_or();
        if (!e) return nullptr;
        if (peek().kind != Token::Kind::RParen) {
          fail(peek(), "expected ')' to close the '(' at column " + std::to_string(t.column));
          return nullptr;
        }
        pos_++;
        return e;
      }
      case Token::Kind::End: fail(t, "the expression ends where a value was expected"); return nullptr;
      default: fail(t, "expected a value (a probe, a number or a string), not '" + t.text + "'"); return nullptr;
    }
  }

  std::vector<Token> t_;
  size_t pos_ = 0;
  std::string error_;
  const std::function<std::optional<std::string>(const std::string&)>& check_;
};

const char* kind_name(Value::Kind k) {
  switch (k) {
    case Value::Kind::Number: return "a number";
    case Value::Kind::String: return "a string";
    case Value::Kind::Bool: return "true/false";
  }
  return "?";
}

class Evaluator {
 public:
  Evaluator(const ProbeReader& read, EvalResult& out) : read_(read), out_(out) {}

  std::optional<Value> eval(const Expr& e) {
    switch (e.op) {
      case Expr::Op::Literal: return e.literal;
      case Expr::Op::Probe: {
        std::string why;
        std::optional<Value> v = read_(e.probe, why);
        if (!v) return fail(e, why.empty() ? "unknown probe '" + e.probe + "'" : why);
        out_.seen.emplace_back(e.probe, format_value(*v));
        return v;
      }
      case Expr::Op::Not: {
        auto v = eval(*e.lhs);
        if (!v || !want(e, *v, Value::Kind::Bool, "'!'")) return std::nullopt;
        return Value::truth(!v->boolean);
      }
      case Expr::Op::Neg: {
        auto v = eval(*e.lhs);
        if (!v || !want(e, *v, Value::Kind::Number, "'-'")) return std::nullopt;
        return Value::of(-v->number);
      }
      case Expr::Op::Or:
      case Expr::Op::And: {
        // Short-circuit, as in C: `vm.a.state == "running" && vm.a.insns > 0`.
        const char* name = e.op == Expr::Op::Or ? "'||'" : "'&&'";
        auto l = eval(*e.lhs);
        if (!l || !want(e, *l, Value::Kind::Bool, name)) return std::nullopt;
        if (l->boolean == (e.op == Expr::Op::Or)) return l;
        auto r = eval(*e.rhs);
        if (!r || !want(e, *r, Value::Kind::Bool, name)) return std::nullopt;
        return r;
      }
      default: break;
    }
    auto l = eval(*e.lhs);
    if (!l) return std::nullopt;
    auto r = eval(*e.rhs);
    if (!r) return std::nullopt;
    switch (e.op) {
      case Expr::Op::Contains:
        if (!want(e, *l, Value::Kind::String, "'contains'") || !want(e, *r, Value::Kind::String, "'contains'"))
          return std::nullopt;
        return Value::truth(l->string.find(r->string) != std::string::npos);
      case Expr::Op::Add:
        // Joining text: "" + vm.a.mem / 1024 is the number as the guest
        // prints it, for `vm.a.console contains " " + vm.a.mem / 1024`.
        if (l->kind == Value::Kind::String || r->kind == Value::Kind::String) {
          auto text = [](const Value& v) { return v.kind == Value::Kind::String ? v.string : format_value(v); };
          return Value::of(text(*l) + text(*r));
        }
        [[fallthrough]];
      case Expr::Op::Sub:
      case Expr::Op::Mul:
      case Expr::Op::Div: {
        if (!want(e, *l, Value::Kind::Number, "arithmetic") || !want(e, *r, Value::Kind::Number, "arithmetic"))
          return std::nullopt;
        double a = l->number, b = r->number;
        if (e.op == Expr::Op::Div && b == 0) return fail(e, "division by zero");
        return Value::of(e.op == Expr::Op::Add ? a + b : e.op == Expr::Op::Sub ? a - b : e.op == Expr::Op::Mul ? a * b : a / b);
      }
      default: break;
    }
    // A comparison: both sides of one kind; < and friends on numbers and strings.
    if (l->kind != r->kind)
      return fail(e, std::string("cannot compare ") + kind_name(l->kind) + " (" + format_value(*l) + ") with " +
                         kind_name(r->kind) + " (" + format_value(*r) + ")");
    int cmp = 0;
    if (l->kind == Value::Kind::Number) cmp = l->number < r->number ? -1 : l->number > r->number ? 1 : 0;
    else if (l->kind == Value::Kind::String) cmp = l->string.compare(r->string);
    else {
      if (e.op != Expr::Op::Eq && e.op != Expr::Op::Ne) return fail(e, "true/false can only be compared with == and !=");
      cmp = int(l->boolean) - int(r->boolean);
    }
    switch (e.op) {
      case Expr::Op::Eq: return Value::truth(cmp == 0);
      case Expr::Op::Ne: return Value::truth(cmp != 0);
      case Expr::Op::Lt: return Value::truth(cmp < 0);
      case Expr::Op::Le: return Value::truth(cmp <= 0);
      case Expr::Op::Gt: return Value::truth(cmp > 0);
      case Expr::Op::Ge: return Value::truth(cmp >= 0);
      default: return fail(e, "unknown operator");
    }
  }

 private:
  std::nullopt_t fail(const Expr& e, const std::string& what) {
    if (out_.error.empty()) out_.error = "column " + std::to_string(e.column) + ": " + what;
    return std::nullopt;
  }
  bool want(const Expr& e, const Value& v, Value::Kind k, const char* who) {
    if (v.kind == k) return true;
    fail(e, std::string(who) + " needs " + kind_name(k) + ", got " + format_value(v));
    return false;
  }

  const ProbeReader& read_;
  EvalResult& out_;
};

}  // namespace

ParseResult parse_expr(const std::string& text,
                       const std::function<std::optional<std::string>(const std::string&)>& check_name) {
  ParseResult r;
  std::vector<Token> tokens = tokenize(text, r.error);
  if (!r.error.empty()) return r;
  Parser p(std::move(tokens), check_name);
  r.expr = p.parse(r.error);
  return r;
}

EvalResult eval_expr(const Expr& e, const ProbeReader& read) {
  EvalResult r;
  Evaluator ev(read, r);
  r.value = ev.eval(e);
  if (!r.value && r.error.empty()) r.error = "could not evaluate";
  return r;
}

CheckResult check_expr(const Expr& e, const ProbeReader& read) {
  EvalResult r = eval_expr(e, read);
  CheckResult c;
  c.seen = std::move(r.seen);
  if (!r.value) c.error = r.error;
  else if (r.value->kind != Value::Kind::Bool)
    c.error = "the expression gives " + format_value(*r.value) + ", not true or false";
  else c.holds = r.value->boolean;
  return c;
}

}  // namespace isolab::lab
