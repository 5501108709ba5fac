// The declaration of a kernel: one string that names the ufunc, its arguments (the names the
// Python functions use), the domain and core dimensions of each argument, and its outputs.
//
//   "diag_normal_distance(mean1[d]: real, std1[d]: positive, mean2[d]: real, std2[d]: positive) -> distance"
//   "normal_karcher_mean(mean[n]: real, std[n]: positive, weights[n]: nonnegative,
//                        tol: float64 positive, max_iter: int64 positive) -> mean, std, iterations: int64"
//
//   declaration := name "(" input {"," input} ")" "->" output {"," output}
//   input       := name [core] ":" [dtype] domain
//   output      := name [core] [":" dtype]
//   core        := "[" name {"," name} "]"        core dimensions of a gufunc operand
//   dtype       := "float64" | "int64"            default: the float type of the loop (float32/float64)
//   domain      := one of kDomains below          what the Python layer validates
//
// A kernel without core dimensions is an element-wise ufunc; otherwise the gufunc signature is
// made of the core dimensions ("(d),(d),(d),(d)->()").  Everything else about the kernel is derived
// from this string: the numpy registration (cpp/bindings/ufuncs.cpp), the metadata exported as
// beds._core.kernels, the Python wrappers and their argument checks, the type stubs and the test
// tables.  The loop tables check every declaration at compile time (checked_spec), including its
// arity against the kernel struct, so a malformed one does not build.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string_view>

namespace beds {
namespace spec {

// The argument domains (beds._validation.check_domain implements each).
constexpr std::string_view kDomains[] = {"real",           "positive",      "nonnegative", "unit_interval", "probs",
                                         "probs_interior", "tangent_probs", "spd",         "symmetric"};
constexpr std::string_view kDTypes[] = {"float64", "int64"};
constexpr int kMaxCore = 4;

constexpr bool is_ident_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

template <std::size_t N>
constexpr bool one_of(std::string_view s, const std::string_view (&list)[N]) {
  for (std::string_view x : list)
    if (x == s) return true;
  return false;
}

// One operand as the parser sees it.
struct Operand {
  bool output = false;
  std::string_view name, dtype, domain;  // dtype "" = the loop's float type; domain "" for outputs
  std::string_view core[kMaxCore] = {};
  int ncore = 0;
};

// Parses `text`, calling sink.kernel(name) once and sink.operand(op) per operand in order.
// Returns nullptr, or the reason why the declaration is malformed.  constexpr: the loop tables run
// it at compile time with a counting sink; the bindings run it at import with a recording sink.
template <class Sink>
constexpr const char* parse(std::string_view text, Sink& sink) {
  std::size_t i = 0;
  auto skip = [&]() {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n')) ++i;
  };
  auto ident = [&]() {
    skip();
    const std::size_t b = i;
    while (i < text.size() && is_ident_char(text[i])) ++i;
    return text.substr(b, i - b);
  };
  auto accept = [&](std::string_view tok) {
    skip();
    if (text.substr(i, tok.size()) != tok) return false;
    i += tok.size();
    return true;
  };
  const std::string_view name = ident();
  if (name.empty()) return "missing kernel name";
  sink.kernel(name);
  if (!accept("(")) return "expected '(' after the kernel name";
  bool output = false;
  int count[2] = {0, 0};
  std::string_view seen[32] = {};
  for (;;) {
    Operand op;
    op.output = output;
    op.name = ident();
    if (op.name.empty()) return "expected an operand name";
    if (!output) {
      if (count[0] >= 32) return "too many inputs";
      for (int j = 0; j < count[0]; ++j)
        if (seen[j] == op.name) return "two inputs have the same name";
      seen[count[0]] = op.name;
    }
    if (accept("[")) {
      do {
        if (op.ncore == kMaxCore) return "too many core dimensions";
        op.core[op.ncore] = ident();
        if (op.core[op.ncore].empty()) return "expected a core dimension name";
        ++op.ncore;
      } while (accept(","));
      if (!accept("]")) return "expected ']' after the core dimensions";
    }
    if (accept(":")) {
      std::string_view word = ident();
      if (one_of(word, kDTypes)) {
        op.dtype = word;
        if (!output) word = ident();
      }
      if (!output) {
        if (!one_of(word, kDomains)) return "unknown domain";
        op.domain = word;
      } else if (op.dtype.empty()) {
        return "an output takes a dtype (float64 or int64), not a domain";
      }
    } else if (!output) {
      return "an input needs ': domain'";
    }
    sink.operand(op);
    ++count[output ? 1 : 0];
    if (!output) {
      if (accept(",")) continue;
      if (!accept(")")) return "expected ',' or ')' after an input";
      if (!accept("->")) return "expected '->' after the inputs";
      output = true;
    } else {
      if (accept(",")) continue;
      skip();
      if (i != text.size()) return "unexpected text after the outputs";
      break;
    }
  }
  return nullptr;
}

// Number of inputs and outputs of a declaration (compile time).
struct Arity {
  int nin = 0, nout = 0;
  constexpr void kernel(std::string_view) {}
  constexpr void operand(const Operand& op) { ++(op.output ? nout : nin); }
};

// The reason why `text` is malformed, or nullptr.
constexpr const char* error(const char* text) {
  Arity a;
  return parse(text, a);
}

constexpr Arity arity(const char* text) {
  Arity a;
  // a constant expression that throws does not compile: the error points here
  if (const char* error = parse(text, a)) throw std::logic_error(error);
  return a;
}

}  // namespace spec

// The declaration `text` of a kernel with nin inputs and nout outputs, checked (use it in a
// constexpr table so that the check runs at compile time).
constexpr const char* checked_spec(const char* text, int nin, int nout) {
  const spec::Arity a = spec::arity(text);
  if (a.nin != nin || a.nout != nout) throw std::logic_error("the declaration does not match the kernel's arity");
  return text;
}

// The same for row kernels that declare only their total number of operands.
constexpr const char* checked_spec_nargs(const char* text, int nargs) {
  const spec::Arity a = spec::arity(text);
  if (a.nin + a.nout != nargs) throw std::logic_error("the declaration does not match the kernel's arity");
  return text;
}

}  // namespace beds
