#include "keel/gateway/control/control_router.hpp"

#include <exception>
#include <utility>

#include "keel/gateway/control/http_request.hpp"

namespace keel::gateway {
namespace {

std::string_view status_text(int status) noexcept {
  switch (status) {
    case 200: return "OK";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    default: return "Error";
  }
}

void respond(std::string& out, int status, std::string_view content_type, std::string_view body,
             std::string_view extra_headers = {}) {
  out.clear();
  out += "HTTP/1.1 ";
  out += std::to_string(status);
  out += ' ';
  out += status_text(status);
  out += "\r\nContent-Type: ";
  out += content_type;
  out += "\r\nContent-Length: ";
  out += std::to_string(body.size());
  out += "\r\nConnection: close\r\nCache-Control: no-store\r\n";
  out += extra_headers;
  out += "\r\n";
  out += body;
}

void append_json_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7f) {  // our messages are ASCII; anything else is escaped
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    } else {
      out += c;
    }
  }
  out += '"';
}

void respond_error(std::string& out, int status, std::string_view message, std::string_view extra_headers = {}) {
  std::string body = "{\"ok\":false,\"error\":";
  append_json_string(body, message);
  body += "}";
  respond(out, status, "application/json", body, extra_headers);
}

bool iequals_prefix(std::string_view text, std::string_view prefix) noexcept {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// The credentials of "Bearer <token>" (scheme case-insensitive, RFC 9110 §11.1); empty otherwise.
std::string_view bearer_credentials(std::string_view authorization) noexcept {
  if (!iequals_prefix(authorization, "bearer ")) return {};
  std::string_view rest = authorization.substr(7);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return rest;
}

void bump(std::atomic<std::uint64_t>& counter) noexcept {
  counter.fetch_add(1, std::memory_order_relaxed);
}

std::string_view control_name(const Event& e) noexcept {
  if (e.header.kind == EventKind::kExternalFactor) return "factor";
  switch (static_cast<ControlKind>(e.header.subtype)) {
    case ControlKind::kKillSwitch: return "kill_switch";
    case ControlKind::kFlatten: return "flatten";
    case ControlKind::kTradingState: return "trading_state";
    case ControlKind::kPosture: return "posture";
    case ControlKind::kConfigReload: return "config_reload";
    default: return "control";
  }
}

}  // namespace

ControlStats ControlCounters::snapshot() const noexcept {
  const ControlCounters& c = *this;
  const auto get = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  ControlStats s;
  s.accepted = get(c.accepted);
  s.refused_connections = get(c.refused_connections);
  s.requests = get(c.requests);
  s.metrics = get(c.metrics);
  s.status = get(c.status);
  s.controls_delivered = get(c.controls_delivered);
  s.unauthorized = get(c.unauthorized);
  s.control_disabled = get(c.control_disabled);
  s.bad_requests = get(c.bad_requests);
  s.not_found = get(c.not_found);
  s.method_not_allowed = get(c.method_not_allowed);
  s.length_required = get(c.length_required);
  s.too_large = get(c.too_large);
  s.timeouts = get(c.timeouts);
  s.core_full = get(c.core_full);
  s.internal_errors = get(c.internal_errors);
  s.io_errors = get(c.io_errors);
  return s;
}

ControlRouter::ControlRouter(Secret token, std::size_t max_request_bytes, ControlHandlers handlers,
                             ControlCounters& counters)
    : token_(std::move(token)),
      max_request_bytes_(max_request_bytes),
      handlers_(std::move(handlers)),
      counters_(counters) {}

void ControlRouter::log(std::string_view line) const {
  if (!handlers_.log) return;
  try {
    handlers_.log(line);
  } catch (...) {
    bump(counters_.internal_errors);
  }
}

void ControlRouter::timeout_response(std::string& response) {
  bump(counters_.timeouts);
  respond_error(response, 408, "no complete request within the read timeout");
}

ControlRouter::Step ControlRouter::on_bytes(std::string_view received, std::string& response, std::size_t* ready_at) {
  std::size_t wait = 0;
  const Step step = route(received, response, wait);
  if (step == Step::kRespond) bump(counters_.requests);
  if (ready_at != nullptr) *ready_at = step == Step::kNeedMore ? wait : 0;
  return step;
}

ControlRouter::Step ControlRouter::route(std::string_view received, std::string& response, std::size_t& ready_at) {
  const HttpHeadParse p = parse_http_head(received, max_request_bytes_);
  if (p.status == HttpHeadStatus::kIncomplete) return Step::kNeedMore;
  if (p.status == HttpHeadStatus::kError) {
    bump(p.error_status == 413 ? counters_.too_large : counters_.bad_requests);
    respond_error(response, p.error_status, p.reason);
    return Step::kRespond;
  }
  const HttpHead& head = p.head;
  const bool get = head.method == HttpMethod::kGet;
  if (head.path == "/metrics" || head.path == "/status") {
    if (!get) {
      bump(counters_.method_not_allowed);
      respond_error(response, 405, "method not allowed", "Allow: GET\r\n");
      return Step::kRespond;
    }
    const bool metrics = head.path == "/metrics";
    try {
      body_.clear();
      auto& handler = metrics ? handlers_.metrics : handlers_.status;
      if (handler) handler(body_);
      if (!metrics && body_.empty()) body_ = "{}";
      respond(response, 200, metrics ? "text/plain; version=0.0.4; charset=utf-8" : "application/json", body_);
      bump(metrics ? counters_.metrics : counters_.status);
    } catch (...) {
      bump(counters_.internal_errors);
      respond_error(response, 500, "internal error");
    }
    return Step::kRespond;
  }
  if (head.path != "/control") {
    bump(counters_.not_found);
    respond_error(response, 404, "not found");
    return Step::kRespond;
  }
  if (head.method != HttpMethod::kPost) {
    bump(counters_.method_not_allowed);
    respond_error(response, 405, "method not allowed", "Allow: POST\r\n");
    return Step::kRespond;
  }
  if (token_.empty()) {
    bump(counters_.control_disabled);
    log("control: refused 403 (control disabled: no token configured)");
    respond_error(response, 403, "control disabled: no token configured");
    return Step::kRespond;
  }
  // Checked before the body is read: an unauthenticated client cannot make the server wait for one.
  // Missing and wrong credentials get the same answer.
  if (!constant_time_equal(bearer_credentials(head.authorization), token_.view())) {
    bump(counters_.unauthorized);
    log("control: refused 401 (missing or wrong bearer token)");
    respond_error(response, 401, "unauthorized", "WWW-Authenticate: Bearer\r\n");
    return Step::kRespond;
  }
  if (!head.has_content_length) {
    bump(counters_.length_required);
    respond_error(response, 411, "Content-Length required");
    return Step::kRespond;
  }
  if (head.content_length > kMaxControlBodyBytes) {
    bump(counters_.too_large);
    respond_error(response, 413, "body larger than " + std::to_string(kMaxControlBodyBytes) + " bytes");
    return Step::kRespond;
  }
  if (received.size() < head.head_bytes + head.content_length) {
    ready_at = head.head_bytes + head.content_length;
    return Step::kNeedMore;
  }
  control(received.substr(head.head_bytes, head.content_length), response);
  return Step::kRespond;
}

void ControlRouter::control(std::string_view body, std::string& response) {
  ControlDecodeResult decoded = decode_control_request(body, handlers_.resolve_symbol);
  if (!decoded.ok()) {
    bump(counters_.bad_requests);
    log("control: refused 400 (" + decoded.error + ")");
    respond_error(response, 400, decoded.error);
    return;
  }
  Event& e = decoded.event;
  if (e.header.kind == EventKind::kExternalFactor) {
    e.factor.seq = next_seq_;
  } else {
    e.control.seq = next_seq_;
  }
  bool delivered = false;
  try {
    delivered = handlers_.deliver && handlers_.deliver(e);
  } catch (...) {
    bump(counters_.internal_errors);
    log("control: refused 500 (the deliver handler threw)");
    respond_error(response, 500, "internal error");
    return;
  }
  std::string line = "control: ";
  line += control_name(e);
  if (!delivered) {
    bump(counters_.core_full);
    line += " refused 503 (core input full)";
    log(line);
    respond_error(response, 503, "core input full, retry", "Retry-After: 1\r\n");
    return;
  }
  const std::uint64_t seq = next_seq_++;
  bump(counters_.controls_delivered);
  line += " delivered seq=" + std::to_string(seq);
  log(line);
  respond(response, 200, "application/json", "{\"ok\":true,\"seq\":" + std::to_string(seq) + "}");
}

}  // namespace keel::gateway
