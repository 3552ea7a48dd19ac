// A hand parser rather than simdjson: the body is one flat object of a few short fields, and the
// rules that matter here — duplicate keys, nothing after the object, no nesting — are simpler to
// state and to fuzz in forty lines than to get out of an on-demand parser (DECISIONS 201).
#include "keel/gateway/control/control_request.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

namespace keel::gateway {
namespace {

// ---- the name tables (one place each) ----

template <class T>
struct Name {
  std::string_view name;
  T code;
};

constexpr std::array<Name<dolphin::Posture>, 4> kPostures{{
    {"apex", dolphin::Posture::kApex},
    {"stalker", dolphin::Posture::kStalker},
    {"turtle", dolphin::Posture::kTurtle},
    {"hibernate", dolphin::Posture::kHibernate},
}};
constexpr std::array<Name<TradingState>, 3> kTradingStates{{
    {"active", TradingState::kActive},
    {"reducing", TradingState::kReducing},
    {"halted", TradingState::kHalted},
}};
constexpr std::array<Name<FactorKind>, 5> kFactors{{
    {"funding", FactorKind::kFunding},
    {"implied_vol", FactorKind::kImpliedVol},
    {"fear_greed", FactorKind::kFearGreed},
    {"taker_ratio", FactorKind::kTakerRatio},
    {"open_interest_change", FactorKind::kOpenInterestChange},
}};

template <class T, std::size_t N>
constexpr std::optional<T> from_name(const std::array<Name<T>, N>& table, std::string_view name) noexcept {
  for (const auto& entry : table) {
    if (entry.name == name) return entry.code;
  }
  return std::nullopt;
}
template <class T, std::size_t N>
constexpr std::string_view to_name(const std::array<Name<T>, N>& table, T code) noexcept {
  for (const auto& entry : table) {
    if (entry.code == code) return entry.name;
  }
  return {};
}

// ---- the flat-object parser ----

// A decoded string of at most 64 bytes; longer ones (never a valid name) only set `overflow`.
// `exotic` marks characters no name contains (escapes to control or non-ASCII characters, raw
// bytes ≥ 0x80): such a string is well formed JSON but matches nothing.
struct Text {
  static constexpr std::size_t kCapacity = 64;
  char data[kCapacity] = {};
  std::size_t size = 0;
  bool overflow = false;
  bool exotic = false;
  void push(char c) noexcept {
    if (size == kCapacity) {
      overflow = true;
    } else {
      data[size++] = c;
    }
  }
  [[nodiscard]] std::string_view view() const noexcept { return {data, size}; }
  [[nodiscard]] bool clean() const noexcept { return !overflow && !exotic; }
};

enum class Type : std::uint8_t { kString, kNumber, kBool, kNull, kNested };

struct Member {
  Text key;
  Type type = Type::kNull;
  Text text;            // kString
  double number = 0.0;  // kNumber
  bool boolean = false; // kBool
  bool number_ok = true;  // kNumber: within double's finite range
};

constexpr std::size_t kMaxMembers = 8;

// A key fit to quote in an error message: our own field names are [a-z_], so anything else is
// not named (the message then says "unexpected field" without it).
bool printable_key(const Text& key) noexcept {
  if (!key.clean() || key.size == 0 || key.size > 32) return false;
  for (std::size_t i = 0; i < key.size; ++i) {
    const char c = key.data[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return false;
  }
  return true;
}

std::string field_message(std::string_view field, std::string_view what) {
  std::string m = "field \"";
  m += field;
  m += "\": ";
  m += what;
  return m;
}

class Parser {
 public:
  explicit Parser(std::string_view in) noexcept : in_(in) {}

  // Parses the whole body into members; an empty string on success, else the error.
  std::string parse(std::array<Member, kMaxMembers>& members, std::size_t& count) {
    count = 0;
    ws();
    if (!eat('{')) return syntax("expected a JSON object");
    ws();
    if (eat('}')) return finish();
    for (;;) {
      if (count == kMaxMembers) return "too many fields";
      Member& m = members[count];
      m = Member{};
      if (!peek('"')) return syntax("expected a field name");
      if (!string(m.key)) return syntax("malformed field name");
      for (std::size_t i = 0; i < count; ++i) {
        if (members[i].key.clean() && m.key.clean() && members[i].key.view() == m.key.view()) {
          return printable_key(m.key) ? field_message(m.key.view(), "duplicate field") : "duplicate field";
        }
      }
      ws();
      if (!eat(':')) return syntax("expected ':'");
      ws();
      if (std::string e = value(m); !e.empty()) return e;
      ++count;
      ws();
      if (eat(',')) {
        ws();
        continue;
      }
      if (eat('}')) return finish();
      return syntax("expected ',' or '}'");
    }
  }

 private:
  std::string syntax(std::string_view what) const {
    std::string m = "malformed JSON at byte ";
    m += std::to_string(pos_);
    m += ": ";
    m += what;
    return m;
  }
  std::string finish() {
    ws();
    if (pos_ != in_.size()) return syntax("unexpected bytes after the object");
    return {};
  }
  void ws() noexcept {
    while (pos_ < in_.size() && (in_[pos_] == ' ' || in_[pos_] == '\t' || in_[pos_] == '\n' || in_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool peek(char c) const noexcept { return pos_ < in_.size() && in_[pos_] == c; }
  bool eat(char c) noexcept {
    if (!peek(c)) return false;
    ++pos_;
    return true;
  }
  bool literal(std::string_view word) noexcept {
    if (in_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }

  static int hex(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }

  // A JSON string starting at '"'; false when malformed.
  bool string(Text& out) noexcept {
    ++pos_;  // the opening quote
    while (pos_ < in_.size()) {
      const auto c = static_cast<unsigned char>(in_[pos_++]);
      if (c == '"') return true;
      if (c < 0x20) return false;  // control characters must be escaped
      if (c >= 0x80) {
        out.exotic = true;
        continue;
      }
      if (c != '\\') {
        out.push(static_cast<char>(c));
        continue;
      }
      if (pos_ >= in_.size()) return false;
      const char e = in_[pos_++];
      switch (e) {
        case '"': out.push('"'); break;
        case '\\': out.push('\\'); break;
        case '/': out.push('/'); break;
        case 'b':
        case 'f':
        case 'n':
        case 'r':
        case 't': out.exotic = true; break;
        case 'u': {
          if (in_.size() - pos_ < 4) return false;
          int code = 0;
          for (int i = 0; i < 4; ++i) {
            const int h = hex(in_[pos_++]);
            if (h < 0) return false;
            code = code * 16 + h;
          }
          if (code >= 0x20 && code < 0x7f) {
            out.push(static_cast<char>(code));
          } else {
            out.exotic = true;  // not part of any name; surrogate pairing is not checked
          }
          break;
        }
        default: return false;
      }
    }
    return false;  // unterminated
  }

  // A JSON number (RFC 8259 grammar, nothing more): -?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?
  bool number(Member& m) noexcept {
    const std::size_t start = pos_;
    const auto digits = [this] {
      std::size_t n = 0;
      while (pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9') {
        ++pos_;
        ++n;
      }
      return n;
    };
    eat('-');
    if (eat('0')) {
      if (pos_ < in_.size() && in_[pos_] >= '0' && in_[pos_] <= '9') return false;  // leading zero
    } else if (digits() == 0) {
      return false;
    }
    if (eat('.') && digits() == 0) return false;
    if (peek('e') || peek('E')) {
      ++pos_;
      if (!eat('+')) eat('-');
      if (digits() == 0) return false;
    }
    const std::string_view text = in_.substr(start, pos_ - start);
    double v = 0.0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v)) {
      // Out of double's range (1e999, or an underflow the library reports): refused later.
      m.number_ok = false;
    }
    m.number = v;
    return true;
  }

  std::string value(Member& m) {
    const auto named = [&m](std::string_view what) {
      return printable_key(m.key) ? field_message(m.key.view(), what) : std::string(what);
    };
    if (pos_ >= in_.size()) return syntax("expected a value");
    const char c = in_[pos_];
    if (c == '"') {
      m.type = Type::kString;
      if (!string(m.text)) return named("malformed string");
      return {};
    }
    if (c == '{' || c == '[') return named("nested values are not accepted");
    if (c == '-' || (c >= '0' && c <= '9')) {
      m.type = Type::kNumber;
      if (!number(m)) return named("malformed number");
      return {};
    }
    if (literal("true")) {
      m.type = Type::kBool;
      m.boolean = true;
      return {};
    }
    if (literal("false")) {
      m.type = Type::kBool;
      m.boolean = false;
      return {};
    }
    if (literal("null")) {
      m.type = Type::kNull;
      return {};
    }
    return named("malformed value (NaN and Infinity are not JSON)");
  }

  std::string_view in_;
  std::size_t pos_ = 0;
};

// ---- from members to an event ----

class Fields {
 public:
  Fields(const std::array<Member, kMaxMembers>& members, std::size_t count) noexcept
      : members_(members), count_(count) {}

  const Member* find(std::string_view key) const noexcept {
    for (std::size_t i = 0; i < count_; ++i) {
      if (members_[i].key.clean() && members_[i].key.view() == key) return &members_[i];
    }
    return nullptr;
  }

  // Every field must be one of `allowed`.
  std::string only(std::initializer_list<std::string_view> allowed) const {
    for (std::size_t i = 0; i < count_; ++i) {
      const Member& m = members_[i];
      bool known = false;
      for (const std::string_view a : allowed) known = known || (m.key.clean() && m.key.view() == a);
      if (!known) {
        return printable_key(m.key) ? field_message(m.key.view(), "unexpected field") : "unexpected field";
      }
    }
    return {};
  }

 private:
  const std::array<Member, kMaxMembers>& members_;
  std::size_t count_;
};

// A required string field looked up in `table`.
template <class T, std::size_t N>
std::string named_code(const Fields& f, std::string_view key, const std::array<Name<T>, N>& table, T& out) {
  const Member* m = f.find(key);
  if (m == nullptr) return field_message(key, "missing");
  if (m->type != Type::kString) return field_message(key, "expected a string");
  const auto code = m->text.clean() ? from_name(table, m->text.view()) : std::nullopt;
  if (!code) {
    std::string what = "expected one of";
    for (std::size_t i = 0; i < N; ++i) {
      what += i == 0 ? " \"" : ", \"";
      what += table[i].name;
      what += '"';
    }
    return field_message(key, what);
  }
  out = *code;
  return {};
}

Event control(ControlKind kind, std::int64_t value) noexcept {
  Control c{};
  c.header.subtype = static_cast<std::uint8_t>(kind);
  c.value = value;
  return to_event(c);
}

bool symbol_chars_ok(std::string_view s) noexcept {
  if (s.empty() || s.size() > 32) return false;
  for (const char c : s) {
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' ||
          c == '.')) {
      return false;
    }
  }
  return true;
}

std::string decode_fields(const Fields& f, const SymbolResolver& resolve, Event& out) {
  const Member* action = f.find("action");
  if (action == nullptr) return field_message("action", "missing");
  if (action->type != Type::kString) return field_message("action", "expected a string");
  const std::string_view a = action->text.clean() ? action->text.view() : std::string_view{};

  if (a == "kill_switch") {
    if (std::string e = f.only({"action", "engage"}); !e.empty()) return e;
    const Member* engage = f.find("engage");
    if (engage == nullptr) return field_message("engage", "missing");
    if (engage->type != Type::kBool) return field_message("engage", "expected true or false");
    out = control(ControlKind::kKillSwitch, engage->boolean ? 1 : 0);
    return {};
  }
  if (a == "flatten" || a == "config_reload") {
    if (std::string e = f.only({"action"}); !e.empty()) return e;
    out = control(a == "flatten" ? ControlKind::kFlatten : ControlKind::kConfigReload, 0);
    return {};
  }
  if (a == "trading_state") {
    if (std::string e = f.only({"action", "state"}); !e.empty()) return e;
    TradingState state{};
    if (std::string e = named_code(f, "state", kTradingStates, state); !e.empty()) return e;
    out = control(ControlKind::kTradingState, static_cast<std::int64_t>(state));
    return {};
  }
  if (a == "posture") {
    if (std::string e = f.only({"action", "posture"}); !e.empty()) return e;
    dolphin::Posture posture{};
    if (std::string e = named_code(f, "posture", kPostures, posture); !e.empty()) return e;
    out = control(ControlKind::kPosture, static_cast<std::int64_t>(posture));
    return {};
  }
  if (a == "factor") {
    if (std::string e = f.only({"action", "factor", "value", "symbol"}); !e.empty()) return e;
    FactorKind kind{};
    if (std::string e = named_code(f, "factor", kFactors, kind); !e.empty()) return e;
    const Member* value = f.find("value");
    if (value == nullptr) return field_message("value", "missing");
    if (value->type != Type::kNumber) return field_message("value", "expected a number");
    if (!value->number_ok) return field_message("value", "not a finite number");
    InstrumentId instrument = kNoInstrument;
    if (const Member* symbol = f.find("symbol"); symbol != nullptr) {
      if (symbol->type != Type::kString) return field_message("symbol", "expected a string");
      if (!symbol->text.clean() || !symbol_chars_ok(symbol->text.view())) {
        return field_message("symbol", "expected 1 to 32 of A-Z a-z 0-9 _ - .");
      }
      const std::optional<InstrumentId> id = resolve ? resolve(symbol->text.view()) : std::nullopt;
      if (!id || *id == kNoInstrument) return field_message("symbol", "unknown symbol");
      instrument = *id;
    }
    ExternalFactor factor{};
    factor.header.subtype = static_cast<std::uint8_t>(kind);
    factor.header.instrument = instrument;
    factor.value = value->number;
    out = to_event(factor);
    return {};
  }
  return field_message("action", "unknown action");
}

}  // namespace

ControlDecodeResult decode_control_request(std::string_view body, const SymbolResolver& resolve) {
  ControlDecodeResult r;
  if (body.size() > kMaxControlBodyBytes) {
    r.error = "body larger than " + std::to_string(kMaxControlBodyBytes) + " bytes";
    return r;
  }
  if (body.empty()) {
    r.error = "empty body";
    return r;
  }
  std::array<Member, kMaxMembers> members;
  std::size_t count = 0;
  Parser parser(body);
  r.error = parser.parse(members, count);
  if (!r.error.empty()) return r;
  r.error = decode_fields(Fields(members, count), resolve, r.event);
  if (!r.error.empty()) r.event = Event{};
  return r;
}

std::optional<dolphin::Posture> posture_from_name(std::string_view name) noexcept {
  return from_name(kPostures, name);
}
std::string_view posture_name(dolphin::Posture posture) noexcept {
  return to_name(kPostures, posture);
}
std::optional<TradingState> trading_state_from_name(std::string_view name) noexcept {
  return from_name(kTradingStates, name);
}
std::optional<FactorKind> factor_from_name(std::string_view name) noexcept {
  return from_name(kFactors, name);
}
std::string_view factor_name(FactorKind kind) noexcept {
  return to_name(kFactors, kind);
}

}  // namespace keel::gateway
