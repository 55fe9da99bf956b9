#include "common/rego/parser.hpp"

#include <cstdlib>
#include <cstring>

#include "common/base/encoding.hpp"
#include "common/rego/rego_error.hpp"
#include "common/rego/value.hpp"

namespace coco::rego {
namespace {

enum class Tok { ident, string, number, punct, eof };

struct Token {
  Tok type = Tok::eof;
  std::string text;  // ident / punct text; string: decoded value; number: literal
  int row = 1;
  int col = 1;
  size_t begin = 0;
  size_t end = 0;
  bool nl_before = false;
  bool ws_before = false;
};


class Lexer {
public:
  Lexer(std::string_view text, std::shared_ptr<const std::string> file) : m_text(text), m_file(std::move(file)) {}

  std::vector<Token> run() {
    std::vector<Token> out;
    while (true) {
      bool nl = false;
      bool ws = false;
      skip_space(nl, ws);
      Token t;
      t.row = m_row;
      t.col = m_col;
      t.begin = m_pos;
      t.nl_before = nl;
      t.ws_before = ws;
      if (m_pos >= m_text.size()) {
        t.type = Tok::eof;
        t.end = m_pos;
        out.push_back(t);
        return out;
      }
      char c = m_text[m_pos];
      if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t s = m_pos;
        while (m_pos < m_text.size() &&
               (std::isalnum(static_cast<unsigned char>(m_text[m_pos])) || m_text[m_pos] == '_')) {
          advance();
        }
        t.type = Tok::ident;
        t.text = std::string(m_text.substr(s, m_pos - s));
      } else if (std::isdigit(static_cast<unsigned char>(c))) {
        size_t s = m_pos;
        while (m_pos < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[m_pos]))) {
          advance();
        }
        if (m_pos + 1 < m_text.size() && m_text[m_pos] == '.' &&
            std::isdigit(static_cast<unsigned char>(m_text[m_pos + 1]))) {
          advance();
          while (m_pos < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[m_pos]))) {
            advance();
          }
        }
        if (m_pos < m_text.size() && (m_text[m_pos] == 'e' || m_text[m_pos] == 'E')) {
          size_t save = m_pos;
          int save_col = m_col;
          advance();
          if (m_pos < m_text.size() && (m_text[m_pos] == '+' || m_text[m_pos] == '-')) {
            advance();
          }
          if (m_pos < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[m_pos]))) {
            while (m_pos < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[m_pos]))) {
              advance();
            }
          } else {
            m_pos = save;
            m_col = save_col;
          }
        }
        t.type = Tok::number;
        t.text = std::string(m_text.substr(s, m_pos - s));
      } else if (c == '"') {
        advance();
        t.type = Tok::string;
        t.text = read_string(t);
      } else if (c == '`') {
        advance();
        size_t s = m_pos;
        while (m_pos < m_text.size() && m_text[m_pos] != '`') {
          advance();
        }
        if (m_pos >= m_text.size()) {
          error(t, "non-terminated raw string");
        }
        t.type = Tok::string;
        t.text = std::string(m_text.substr(s, m_pos - s));
        advance();
      } else {
        static const char* const k_two[] = {":=", "==", "!=", "<=", ">="};
        t.type = Tok::punct;
        bool two = false;
        for (const char* op : k_two) {
          if (m_text.substr(m_pos, 2) == op) {
            t.text = op;
            advance();
            advance();
            two = true;
            break;
          }
        }
        if (!two) {
          if (c == '\0' || std::strchr("{}[]().,;:=<>+-*/%|&", c) == nullptr) {
            error(t, std::string("illegal token '") + c + "'");
          }
          t.text = std::string(1, c);
          advance();
        }
      }
      t.end = m_pos;
      out.push_back(std::move(t));
    }
  }

private:
  [[noreturn]] void error(const Token& t, const std::string& msg) {
    throw_rego("rego_parse_error", msg, Location{m_file, t.row, t.col});
  }
  void advance() {
    if (m_text[m_pos] == '\n') {
      ++m_row;
      m_col = 1;
    } else {
      ++m_col;
    }
    ++m_pos;
  }
  void skip_space(bool& nl, bool& ws) {
    while (m_pos < m_text.size()) {
      char c = m_text[m_pos];
      if (c == '\n') {
        nl = true;
        ws = true;
        advance();
      } else if (c == ' ' || c == '\t' || c == '\r') {
        ws = true;
        advance();
      } else if (c == '#') {
        while (m_pos < m_text.size() && m_text[m_pos] != '\n') {
          advance();
        }
      } else {
        return;
      }
    }
  }
  uint32_t hex4(const Token& t) {
    if (m_pos + 4 > m_text.size()) {
      error(t, "invalid unicode escape in string");
    }
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) {
      char h = m_text[m_pos];
      v <<= 4;
      if (h >= '0' && h <= '9') {
        v |= static_cast<uint32_t>(h - '0');
      } else if (h >= 'a' && h <= 'f') {
        v |= static_cast<uint32_t>(h - 'a' + 10);
      } else if (h >= 'A' && h <= 'F') {
        v |= static_cast<uint32_t>(h - 'A' + 10);
      } else {
        error(t, "invalid unicode escape in string");
      }
      advance();
    }
    return v;
  }
  std::string read_string(const Token& t) {
    std::string out;
    while (true) {
      if (m_pos >= m_text.size() || m_text[m_pos] == '\n') {
        error(t, "non-terminated string");
      }
      char c = m_text[m_pos];
      if (c == '"') {
        advance();
        return out;
      }
      if (c != '\\') {
        out += c;
        advance();
        continue;
      }
      advance();
      if (m_pos >= m_text.size()) {
        error(t, "non-terminated string");
      }
      char e = m_text[m_pos];
      advance();
      switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        uint32_t cp = hex4(t);
        if (cp >= 0xD800 && cp < 0xDC00 && m_pos + 1 < m_text.size() && m_text[m_pos] == '\\' &&
            m_text[m_pos + 1] == 'u') {
          advance();
          advance();
          uint32_t lo = hex4(t);
          if (lo >= 0xDC00 && lo < 0xE000) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          } else {
            append_utf8(out, 0xFFFD);
            cp = lo;
          }
        }
        append_utf8(out, cp);
        break;
      }
      default:
        error(t, std::string("invalid escape sequence '\\") + e + "' in string");
      }
    }
  }

  std::string_view m_text;
  std::shared_ptr<const std::string> m_file;
  size_t m_pos = 0;
  int m_row = 1;
  int m_col = 1;
};

Value number_value(const std::string& text) { return Value::number(number_from_literal(text)); }

TermPtr make_term(TermKind kind, Location loc) {
  auto t = std::make_shared<Term>();
  t->kind = kind;
  t->loc = std::move(loc);
  return t;
}

TermPtr make_call(const std::string& name, Location loc, std::vector<TermPtr> args) {
  TermPtr t = make_term(TermKind::call, std::move(loc));
  t->name = name;
  t->items = std::move(args);
  return t;
}

TermPtr make_string(const std::string& s, Location loc) {
  TermPtr t = make_term(TermKind::scalar, std::move(loc));
  t->value = Value::string(s);
  return t;
}

class Parser {
public:
  Parser(std::string_view text, const std::string& file, const ParseOptions& options)
      : m_text(text), m_file(std::make_shared<const std::string>(file)), m_v1(!options.v0) {
    m_toks = Lexer(text, m_file).run();
  }

  Module module() {
    Module m;
    m.file = *m_file;
    expect_ident("package");
    m.package = parse_path_after(next());
    while (is_ident("import")) {
      Location loc = here();
      next();
      Import imp;
      imp.loc = loc;
      imp.path = parse_path_after(next());
      if (is_ident("as")) {
        next();
        imp.alias = expect_any_ident().text;
      } else {
        imp.alias = imp.path.back();
      }
      if (imp.path.size() == 2 && imp.path[0] == "rego" && imp.path[1] == "v1") {
        m_v1 = true;
      } else if (imp.path[0] == "future") {
        if (imp.path.size() < 2 || imp.path[1] != "keywords") {
          fail(loc, "invalid import, must be `future.keywords`");
        }
      } else if (imp.path[0] != "input" && imp.path[0] != "data") {
        fail(loc, "invalid import " + join(imp.path) + ", must begin with one of: {data, future, input, rego}");
      } else {
        m.imports.push_back(imp);
      }
    }
    m.v1 = m_v1;
    while (peek().type != Tok::eof) {
      parse_rule(m);
    }
    return m;
  }

  Body query() {
    Body b = parse_literals(Tok::eof, "");
    if (b.empty()) {
      fail(here(), "empty query");
    }
    return b;
  }

private:
  static std::string join(const std::vector<std::string>& p) {
    std::string s;
    for (const auto& x : p) {
      s += (s.empty() ? "" : ".") + x;
    }
    return s;
  }
  const Token& peek(size_t k = 0) const { return m_toks[std::min(m_pos + k, m_toks.size() - 1)]; }
  const Token& next() {
    const Token& t = m_toks[m_pos];
    if (m_pos + 1 < m_toks.size()) {
      ++m_pos;
    }
    return t;
  }
  Location loc_of(const Token& t) const { return Location{m_file, t.row, t.col}; }
  Location here() const { return loc_of(peek()); }
  bool is_ident(const char* s, size_t k = 0) const { return peek(k).type == Tok::ident && peek(k).text == s; }
  bool is_punct(const char* s, size_t k = 0) const { return peek(k).type == Tok::punct && peek(k).text == s; }
  [[noreturn]] void fail(const Location& loc, const std::string& msg) { throw_rego("rego_parse_error", msg, loc); }
  std::string describe(const Token& t) const {
    switch (t.type) {
    case Tok::eof: return "EOF";
    case Tok::string: return "string";
    case Tok::number: return "number";
    case Tok::ident: return "ident " + t.text;
    default: return t.text;
    }
  }
  [[noreturn]] void unexpected(const std::string& expected) {
    fail(here(), "unexpected " + describe(peek()) + " token" + (expected.empty() ? "" : ": expected " + expected));
  }
  void expect_punct(const char* s) {
    if (!is_punct(s)) {
      unexpected(std::string("`") + s + "`");
    }
    next();
  }
  void expect_ident(const char* s) {
    if (!is_ident(s)) {
      unexpected(std::string("`") + s + "`");
    }
    next();
  }
  const Token& expect_any_ident() {
    if (peek().type != Tok::ident) {
      unexpected("identifier");
    }
    return next();
  }

  // `a.b["c"].d` after its first identifier token.
  std::vector<std::string> parse_path_after(const Token& first) {
    if (first.type != Tok::ident) {
      fail(loc_of(first), "unexpected " + describe(first) + " token: expected identifier");
    }
    std::vector<std::string> out{first.text};
    while (true) {
      if (is_punct(".") && !peek().ws_before) {
        next();
        out.push_back(expect_any_ident().text);
      } else if (is_punct("[") && !peek().ws_before) {
        next();
        if (peek().type != Tok::string) {
          unexpected("string");
        }
        out.push_back(next().text);
        expect_punct("]");
      } else {
        return out;
      }
    }
  }

  static bool is_keyword(const std::string& s) {
    return s == "package" || s == "import" || s == "not" || s == "with" || s == "as" || s == "default" ||
           s == "else" || s == "some" || s == "every";
  }

  void parse_rule(Module& m) {
    auto rule = std::make_shared<Rule>();
    rule->loc = here();
    size_t start = peek().begin;
    if (is_ident("default")) {
      next();
      rule->is_default = true;
    }
    const Token& first = expect_any_ident();
    if (is_keyword(first.text)) {
      fail(loc_of(first), "unexpected " + first.text + " keyword");
    }
    std::vector<std::string> static_path{first.text};
    std::vector<TermPtr> dyn;
    while (true) {
      if (is_punct(".") && !peek().ws_before) {
        next();
        std::string name = expect_any_ident().text;
        if (dyn.empty()) {
          static_path.push_back(name);
        } else {
          dyn.push_back(make_string(name, here()));
        }
      } else if (is_punct("[") && !peek().ws_before) {
        next();
        TermPtr k = parse_expr_term();
        expect_punct("]");
        if (dyn.empty() && k->kind == TermKind::scalar && k->value.is_string()) {
          static_path.push_back(k->value.as_string());
        } else {
          dyn.push_back(k);
        }
      } else {
        break;
      }
    }
    bool is_func = false;
    if (is_punct("(") && !peek().ws_before) {
      next();
      is_func = true;
      while (!is_punct(")")) {
        rule->args.push_back(parse_expr_term());
        if (!is_punct(")")) {
          expect_punct(",");
        }
      }
      next();
    }
    rule->path = m.package;
    rule->path.insert(rule->path.end(), static_path.begin(), static_path.end());
    rule->name = std::string(m_text.substr(start, peek().begin - start));
    while (!rule->name.empty() && std::isspace(static_cast<unsigned char>(rule->name.back()))) {
      rule->name.pop_back();
    }
    bool has_value = false;
    bool is_set = false;
    if (is_ident("contains") && !is_func && !rule->is_default) {
      next();
      is_set = true;
      rule->key = parse_expr_term();
    } else if (is_punct(":=") || is_punct("=")) {
      next();
      has_value = true;
      rule->value = parse_expr_term();
    } else if (rule->is_default) {
      unexpected("`:=` or `=` after default rule head");
    }
    if (is_func) {
      rule->kind = RuleKind::function;
      if (!dyn.empty()) {
        fail(rule->loc, "function head must be a plain name");
      }
    } else if (is_set) {
      // `a.b[x] contains y`: a multi-value rule below an object (the sets are the leaves).
      rule->kind = dyn.empty() ? RuleKind::partial_set : RuleKind::partial_object;
      rule->dyn_keys = dyn;
    } else if (!dyn.empty()) {
      if (!has_value && !m_v1 && dyn.size() == 1) {
        rule->kind = RuleKind::partial_set;
        rule->key = dyn[0];
        dyn.clear();
      } else {
        rule->kind = RuleKind::partial_object;
        rule->dyn_keys = dyn;
      }
    } else {
      rule->kind = RuleKind::complete;
    }
    if (rule->is_default) {
      m.rules.push_back(rule);
      return;
    }
    bool has_body = parse_rule_body(rule->body, rule->loc);
    if (!has_body && !has_value && (rule->kind == RuleKind::complete || rule->kind == RuleKind::function)) {
      if (rule->kind == RuleKind::function) {
        fail(rule->loc, "function rule needs a body or a value");
      }
      fail(here(), "unexpected " + describe(peek()) + " token: rule needs a body or a value");
    }
    while (is_ident("else")) {
      ElseClause e;
      e.loc = here();
      next();
      if (is_punct(":=") || is_punct("=")) {
        next();
        e.value = parse_expr_term();
      }
      if (!parse_rule_body(e.body, e.loc) && !e.value) {
        fail(e.loc, "else keyword needs a body or a value");
      }
      rule->elses.push_back(std::move(e));
    }
    if (!rule->elses.empty() && rule->kind != RuleKind::complete && rule->kind != RuleKind::function) {
      fail(rule->loc, "else keyword cannot be used on multi-value rules");
    }
    m.rules.push_back(rule);
  }

  // Parses `if { ... }`, `if literal`, or a v0 `{ ... }` body. Returns false when there is none.
  bool parse_rule_body(Body& body, const Location& rule_loc) {
    if (is_ident("if")) {
      next();
      if (is_punct("{")) {
        // `if {` may also start an object/set term as a single literal; OPA treats it as a body.
        next();
        body = parse_literals(Tok::punct, "}");
        expect_punct("}");
      } else {
        body.push_back(parse_literal());
      }
      return true;
    }
    if (is_punct("{") ) {
      if (m_v1) {
        fail(here(), "rego v0 syntax: add `if` before the rule body (`{`), or evaluate this policy as Rego v0");
      }
      next();
      body = parse_literals(Tok::punct, "}");
      expect_punct("}");
      return true;
    }
    (void)rule_loc;
    return false;
  }

  // Literals separated by `;` or newlines, up to (not including) the end token.
  Body parse_literals(Tok end_type, const char* end_text) {
    Body body;
    auto at_end = [&] {
      return peek().type == end_type && (end_type == Tok::eof || peek().text == end_text);
    };
    while (!at_end()) {
      if (peek().type == Tok::eof) {
        unexpected(std::string("`") + end_text + "`");
      }
      body.push_back(parse_literal());
      if (is_punct(";")) {
        next();
        continue;
      }
      if (at_end()) {
        break;
      }
      if (!peek().nl_before) {
        unexpected("newline or `;` between expressions");
      }
    }
    if (body.empty() && end_type == Tok::punct) {
      fail(here(), "found empty body");
    }
    return body;
  }

  Literal parse_literal() {
    Literal lit;
    lit.loc = here();
    size_t start = peek().begin;
    if (is_ident("some") && !(peek(1).type == Tok::punct && std::strchr("=:.[(,)]};|&+-*/%<>!", peek(1).text[0]) != nullptr &&
                               !(peek(1).text == "[" && peek(1).ws_before) && !(peek(1).text == "-"))) {
      next();
      TermPtr a = parse_rel();
      TermPtr b;
      std::vector<TermPtr> decls{a};
      while (is_punct(",")) {
        next();
        decls.push_back(parse_rel());
      }
      if (is_ident("in")) {
        next();
        if (decls.size() > 2) {
          fail(lit.loc, "unexpected `,` in some ... in: at most key and value");
        }
        lit.kind = LiteralKind::some_in;
        if (decls.size() == 2) {
          lit.key = decls[0];
          lit.value = decls[1];
        } else {
          lit.value = decls[0];
        }
        lit.domain = parse_rel();
      } else {
        for (const TermPtr& d : decls) {
          if (d->kind != TermKind::var) {
            fail(d->loc, "expected var in some declaration");
          }
        }
        lit.kind = LiteralKind::some_decl;
        lit.decls = decls;
      }
    } else if (is_ident("every") && peek(1).type == Tok::ident) {
      next();
      lit.kind = LiteralKind::every;
      TermPtr a = parse_var_term();
      if (is_punct(",")) {
        next();
        lit.key = a;
        lit.value = parse_var_term();
      } else {
        lit.value = a;
      }
      expect_ident("in");
      lit.domain = parse_rel();
      expect_punct("{");
      lit.body = std::make_shared<Body>(parse_literals(Tok::punct, "}"));
      expect_punct("}");
    } else {
      if (is_ident("not")) {
        next();
        lit.negated = true;
      }
      lit.expr = parse_expr_term();
    }
    while (is_ident("with")) {
      WithModifier w;
      w.loc = here();
      next();
      w.target = parse_term();
      expect_ident("as");
      w.value = parse_in();
      lit.withs.push_back(std::move(w));
    }
    lit.text = std::string(m_text.substr(start, m_toks[m_pos - 1].end - start));
    return lit;
  }

  TermPtr parse_var_term() {
    const Token& t = expect_any_ident();
    TermPtr v = make_term(TermKind::var, loc_of(t));
    v->name = t.text;
    return v;
  }

  // Full expression: assignment/unification over `in`-level terms, and `k, v in xs`.
  TermPtr parse_expr_term() {
    TermPtr lhs = parse_in();
    if (is_punct(",") && !m_no_bar) {
      size_t save = m_pos;
      next();
      TermPtr val = parse_rel();
      if (is_ident("in") && !peek().nl_before) {
        next();
        TermPtr coll = parse_rel();
        lhs = make_call("internal.member_3", lhs->loc, {lhs, val, coll});
        while (is_ident("in") && !peek().nl_before) {
          next();
          TermPtr rhs = parse_rel();
          lhs = make_call("internal.member_2", lhs->loc, {lhs, rhs});
        }
      } else {
        m_pos = save;
      }
    }
    if (is_punct(":=") || is_punct("=")) {
      std::string op = next().text == ":=" ? "assign" : "eq";
      TermPtr rhs = parse_in();
      return make_call(op, lhs->loc, {lhs, rhs});
    }
    return lhs;
  }

  bool infix(const char* op) const { return is_punct(op) && !peek().nl_before; }

  TermPtr parse_in() {
    TermPtr lhs = parse_rel();
    while (is_ident("in") && !peek().nl_before) {
      next();
      TermPtr rhs = parse_rel();
      lhs = make_call("internal.member_2", lhs->loc, {lhs, rhs});
    }
    return lhs;
  }

  TermPtr parse_rel() {
    TermPtr lhs = parse_or();
    while (true) {
      const char* name = nullptr;
      if (infix("==")) { name = "equal"; }
      else if (infix("!=")) { name = "neq"; }
      else if (infix("<")) { name = "lt"; }
      else if (infix("<=")) { name = "lte"; }
      else if (infix(">")) { name = "gt"; }
      else if (infix(">=")) { name = "gte"; }
      if (name == nullptr) {
        return lhs;
      }
      next();
      TermPtr rhs = parse_or();
      lhs = make_call(name, lhs->loc, {lhs, rhs});
    }
  }

  TermPtr parse_or() {
    TermPtr lhs = parse_and();
    while (infix("|") && !m_no_bar) {
      next();
      TermPtr rhs = parse_and();
      lhs = make_call("or", lhs->loc, {lhs, rhs});
    }
    return lhs;
  }
  TermPtr parse_and() {
    TermPtr lhs = parse_arith();
    while (infix("&")) {
      next();
      TermPtr rhs = parse_arith();
      lhs = make_call("and", lhs->loc, {lhs, rhs});
    }
    return lhs;
  }
  TermPtr parse_arith() {
    TermPtr lhs = parse_factor();
    while (infix("+") || infix("-")) {
      std::string name = next().text == "+" ? "plus" : "minus";
      TermPtr rhs = parse_factor();
      lhs = make_call(name, lhs->loc, {lhs, rhs});
    }
    return lhs;
  }
  TermPtr parse_factor() {
    TermPtr lhs = parse_unary();
    while (infix("*") || infix("/") || infix("%")) {
      std::string op = next().text;
      std::string name = op == "*" ? "mul" : (op == "/" ? "div" : "rem");
      TermPtr rhs = parse_unary();
      lhs = make_call(name, lhs->loc, {lhs, rhs});
    }
    return lhs;
  }
  TermPtr parse_unary() {
    if (is_punct("-")) {
      Location loc = here();
      next();
      if (peek().type == Tok::number && !peek().ws_before) {
        const Token& n = next();
        TermPtr t = make_term(TermKind::scalar, loc);
        t->value = number_value("-" + n.text);
        return parse_postfix(t);
      }
      TermPtr operand = parse_unary();
      TermPtr zero = make_term(TermKind::scalar, loc);
      zero->value = Value::integer(0);
      return make_call("minus", loc, {zero, operand});
    }
    return parse_term();
  }

  // Element of a collection: `|` is reserved for comprehensions in the first position.
  TermPtr parse_first_element() {
    bool save = m_no_bar;
    m_no_bar = true;
    TermPtr t = parse_in();
    m_no_bar = save;
    return t;
  }
  TermPtr parse_nested() {
    bool save = m_no_bar;
    m_no_bar = false;
    TermPtr t = parse_in();
    m_no_bar = save;
    return t;
  }
  std::shared_ptr<Body> parse_compr_body(const char* close) {
    bool save = m_no_bar;
    m_no_bar = false;
    auto b = std::make_shared<Body>(parse_literals(Tok::punct, close));
    m_no_bar = save;
    expect_punct(close);
    return b;
  }

  TermPtr parse_term() {
    // Deeply nested input must not exhaust the stack.
    struct DepthGuard {
      int& depth;
      explicit DepthGuard(int& d) : depth(d) { ++depth; }
      ~DepthGuard() { --depth; }
      DepthGuard(const DepthGuard&) = delete;
      DepthGuard& operator=(const DepthGuard&) = delete;
    } guard(m_depth);
    if (m_depth > 200) {
      fail(here(), "expression nested too deeply");
    }
    const Token& t = peek();
    Location loc = here();
    TermPtr out;
    switch (t.type) {
    case Tok::number:
      out = make_term(TermKind::scalar, loc);
      out->value = number_value(next().text);
      break;
    case Tok::string:
      out = make_term(TermKind::scalar, loc);
      out->value = Value::string(next().text);
      break;
    case Tok::ident: {
      if (t.text == "null" || t.text == "true" || t.text == "false") {
        out = make_term(TermKind::scalar, loc);
        out->value = t.text == "null" ? Value::null() : Value::boolean(t.text == "true");
        next();
        break;
      }
      if (t.text == "set" && is_punct("(", 1) && is_punct(")", 2)) {
        next();
        next();
        next();
        out = make_term(TermKind::set, loc);
        break;
      }
      if (is_keyword(t.text) && t.text != "set") {
        unexpected("term");
      }
      out = make_term(TermKind::var, loc);
      out->name = next().text;
      break;
    }
    case Tok::punct:
      if (t.text == "(") {
        next();
        out = parse_nested_expr();
        expect_punct(")");
      } else if (t.text == "[") {
        next();
        out = parse_array(loc);
      } else if (t.text == "{") {
        next();
        out = parse_brace(loc);
      } else {
        unexpected("term");
      }
      break;
    default:
      unexpected("term");
    }
    return parse_postfix(out);
  }

  TermPtr parse_nested_expr() {
    bool save = m_no_bar;
    m_no_bar = false;
    TermPtr t = parse_expr_term();
    m_no_bar = save;
    return t;
  }

  TermPtr parse_array(const Location& loc) {
    TermPtr out = make_term(TermKind::array, loc);
    if (is_punct("]")) {
      next();
      return out;
    }
    TermPtr first = parse_first_element();
    if (is_punct("|")) {
      next();
      out->kind = TermKind::array_compr;
      out->items.push_back(first);
      out->body = parse_compr_body("]");
      return out;
    }
    out->items.push_back(first);
    while (is_punct(",")) {
      next();
      if (is_punct("]")) {
        break;
      }
      out->items.push_back(parse_nested());
    }
    expect_punct("]");
    return out;
  }

  TermPtr parse_brace(const Location& loc) {
    if (is_punct("}")) {
      next();
      return make_term(TermKind::object, loc);
    }
    TermPtr first = parse_first_element();
    if (is_punct(":")) {
      next();
      TermPtr val = parse_first_element();
      if (is_punct("|")) {
        next();
        TermPtr out = make_term(TermKind::object_compr, loc);
        out->items = {first, val};
        out->body = parse_compr_body("}");
        return out;
      }
      TermPtr out = make_term(TermKind::object, loc);
      out->items = {first, val};
      while (is_punct(",")) {
        next();
        if (is_punct("}")) {
          break;
        }
        TermPtr k = parse_nested();
        expect_punct(":");
        TermPtr v = parse_nested();
        out->items.push_back(k);
        out->items.push_back(v);
      }
      expect_punct("}");
      return out;
    }
    if (is_punct("|")) {
      next();
      TermPtr out = make_term(TermKind::set_compr, loc);
      out->items = {first};
      out->body = parse_compr_body("}");
      return out;
    }
    TermPtr out = make_term(TermKind::set, loc);
    out->items.push_back(first);
    while (is_punct(",")) {
      next();
      if (is_punct("}")) {
        break;
      }
      out->items.push_back(parse_nested());
    }
    expect_punct("}");
    return out;
  }

  static bool callee_name(const TermPtr& t, std::string& name) {
    if (t->kind == TermKind::var) {
      name = t->name;
      return true;
    }
    if (t->kind != TermKind::ref || t->items[0]->kind != TermKind::var) {
      return false;
    }
    name = t->items[0]->name;
    for (size_t i = 1; i < t->items.size(); ++i) {
      const TermPtr& p = t->items[i];
      if (p->kind != TermKind::scalar || !p->value.is_string()) {
        return false;
      }
      name += "." + p->value.as_string();
    }
    return true;
  }

  TermPtr parse_postfix(TermPtr base) {
    while (true) {
      if (is_punct(".") && !peek().ws_before) {
        next();
        const Token& id = expect_any_ident();
        base = extend_ref(base, make_string(id.text, loc_of(id)));
      } else if (is_punct("[") && !peek().ws_before) {
        next();
        TermPtr k = parse_nested_expr();
        expect_punct("]");
        base = extend_ref(base, k);
      } else if (is_punct("(") && !peek().ws_before) {
        std::string name;
        if (!callee_name(base, name)) {
          unexpected("operator");
        }
        next();
        std::vector<TermPtr> args;
        bool save = m_no_bar;
        m_no_bar = false;
        while (!is_punct(")")) {
          args.push_back(parse_in());
          if (!is_punct(")")) {
            expect_punct(",");
          }
        }
        m_no_bar = save;
        next();
        base = make_call(name, base->loc, std::move(args));
      } else {
        return base;
      }
    }
  }

  static TermPtr extend_ref(const TermPtr& base, TermPtr elem) {
    if (base->kind == TermKind::ref) {
      TermPtr r = make_term(TermKind::ref, base->loc);
      r->items = base->items;
      r->items.push_back(std::move(elem));
      return r;
    }
    TermPtr r = make_term(TermKind::ref, base->loc);
    r->items = {base, std::move(elem)};
    return r;
  }

  std::string_view m_text;
  std::shared_ptr<const std::string> m_file;
  std::vector<Token> m_toks;
  size_t m_pos = 0;
  bool m_v1;
  bool m_no_bar = false;
  int m_depth = 0;
};

} // namespace

Module parse_module(const std::string& file, std::string_view text, const ParseOptions& options) {
  Parser p(text, file, options);
  return p.module();
}

Body parse_query(std::string_view text, const ParseOptions& options, const std::string& file) {
  Parser p(text, file, options);
  return p.query();
}

} // namespace coco::rego
