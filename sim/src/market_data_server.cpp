// MarketDataServer: libwebsockets glue. Every function below except publish(), stats(), start()
// and stop() runs on the service thread; they share no state with the producer except the
// hand-off queue (under `mutex`) and the atomic counters. Handlers returning int follow lws's
// callback convention: 0 keeps the connection, non-zero closes it.
#include "keel/sim/market_data_server.hpp"

#include "keel/protocol/binance/control.hpp"
#include "keel/protocol/binance/encode.hpp"

#include <libwebsockets.h>

#include <algorithm>
#include <chrono>
#include <charconv>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace keel::sim {
namespace {

using protocol::binance::StreamName;
using Clock = std::chrono::steady_clock;

// Largest chunk handed to one lws_write(): the socket usually takes it whole; what it does not take
// lws keeps and sends before the next writable callback.
constexpr std::size_t kMaxWriteChunk = 64 * 1024;

// Appends the header of an unmasked, final WebSocket text frame (RFC 6455 5.2) with `len` payload
// bytes. Frames are built in the connection's buffer and written with LWS_WRITE_RAW, so that one
// send() carries many of them.
void append_text_frame_header(std::string& out, std::size_t len) {
  char h[10];
  std::size_t n = 0;
  h[n++] = static_cast<char>(0x81);  // FIN | text
  if (len < 126) {
    h[n++] = static_cast<char>(len);
  } else if (len <= 0xffff) {
    h[n++] = static_cast<char>(126);
    h[n++] = static_cast<char>((len >> 8U) & 0xffU);
    h[n++] = static_cast<char>(len & 0xffU);
  } else {
    h[n++] = static_cast<char>(127);
    for (int shift = 56; shift >= 0; shift -= 8) {
      h[n++] = static_cast<char>((static_cast<std::uint64_t>(len) >> static_cast<unsigned>(shift)) & 0xffU);
    }
  }
  out.append(h, n);
}

// A WebSocket connection (raw /ws or combined /stream).
struct Connection {
  lws* wsi = nullptr;
  bool combined = false;
  std::vector<StreamName> streams;  // subscription order (LIST_SUBSCRIPTIONS answers in it)
  // Complete frames (header + text) waiting for a writable socket: out[out_head, out.size()), and
  // where each one ends (out_ends[ends_head…]). Whole frames are written, never a part of one.
  std::string out;
  std::size_t out_head = 0;
  std::vector<std::size_t> out_ends;
  std::size_t ends_head = 0;
  bool writable_requested = false;  // lws_callback_on_writable() asked since the last callback
  bool touched = false;             // in Impl::touched (drain_published)
  std::string rx;                   // a control message being reassembled from fragments
  bool rx_overflow = false;         // the message being reassembled exceeds kMaxMessageBytes
  bool close_pending = false;       // disconnect at the next writable callback
  bool ping_pending = false;
  Clock::time_point last_pong;
};

// Messages published and not yet taken by the service thread: stream names and payloads back to
// back in one buffer (no allocation per message once the buffers have grown).
struct PendingBatch {
  struct Entry {
    std::uint32_t stream_len;
    std::uint32_t payload_len;
  };
  std::string bytes;
  std::vector<Entry> entries;

  void clear() noexcept {
    bytes.clear();
    entries.clear();
  }
};

std::string canonical(const StreamName& name) {
  std::string key;
  protocol::binance::append_stream_name(key, name);
  return key;
}

// Splits "a/b/c" and parses each name. False on any invalid or empty name, or too many.
bool parse_stream_list(std::string_view text, std::vector<StreamName>& out) {
  while (!text.empty()) {
    const std::size_t slash = text.find('/');
    const std::string_view item = text.substr(0, slash);
    const auto parsed = protocol::binance::parse_stream_name(item);
    if (!parsed.ok() || out.size() >= protocol::binance::ControlParser::kMaxStreams) return false;
    if (std::find(out.begin(), out.end(), parsed.value()) == out.end()) out.push_back(parsed.value());
    if (slash == std::string_view::npos) break;
    text.remove_prefix(slash + 1);
    if (text.empty()) return false;  // trailing '/'
  }
  return true;
}

constexpr std::string_view kSpotDepthPath = "/api/v3/depth";
constexpr std::string_view kFuturesDepthPath = "/fapi/v1/depth";
constexpr std::uint32_t kDefaultDepthLimit = 100;
constexpr std::uint32_t kMaxDepthLimit = 5000;

}  // namespace

struct MarketDataServer::Impl {
  Impl(const MarketDataServerConfig& cfg, DepthSnapshotProvider& prov) : config(cfg), provider(prov) {}

  const MarketDataServerConfig& config;
  DepthSnapshotProvider& provider;
  lws_context* context = nullptr;
  std::thread thread;
  std::atomic<bool> running{false};
  std::atomic<bool> stopping{false};

  // Producer → service thread.
  std::mutex mutex;
  PendingBatch pending;   // guarded by mutex
  PendingBatch draining;  // service thread only

  // Service thread only.
  std::unordered_map<lws*, std::unique_ptr<Connection>> connections;
  std::unordered_map<std::string, std::vector<Connection*>> subscribers;  // canonical name → conns
  protocol::binance::ControlParser parser;
  std::string scratch;
  std::string stream_key;                   // drain_published(): the stream being looked up
  std::string combined_prefix;              // … its {"stream":"…","data": prefix
  std::string combined_suffix;              // … and the closing }
  std::vector<Connection*> touched;         // … connections that were given frames

  std::atomic<std::uint64_t> published{0};
  std::atomic<std::uint64_t> publish_refused{0};
  std::atomic<std::uint64_t> slow_disconnects{0};
  std::atomic<std::uint64_t> pong_timeouts{0};
  std::atomic<std::uint64_t> open_connections{0};

  // ---- connection lifecycle ----
  int on_established(lws* wsi);
  void on_closed(lws* wsi);
  void subscribe(Connection& c, const StreamName& name);
  void unsubscribe(Connection& c, const StreamName& name);

  // ---- outgoing ----
  // Queues one text frame, head + body + tail, on `c` (or marks it for disconnection when its queue
  // is full). Asks for a writable callback unless `defer_writable` (the caller then does).
  void enqueue(Connection& c, std::string_view head, std::string_view body = {}, std::string_view tail = {},
               bool defer_writable = false);
  void request_writable(Connection& c);
  int on_writable(Connection& c);
  void drain_published();

  // ---- incoming ----
  int on_receive(Connection& c, const void* in, std::size_t len);
  void handle_control(Connection& c);
  int on_timer(Connection& c);

  // ---- HTTP ----
  int on_http(lws* wsi, const char* path);
  static int respond(lws* wsi, unsigned code, std::string_view body);

  [[nodiscard]] std::int64_t ping_interval_us() const {
    return static_cast<std::int64_t>(config.ping_interval_ms) * 1000;
  }
};

namespace {

bool parse_ws_request(lws* wsi, bool& combined, std::vector<StreamName>& streams);

int service_callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, std::size_t len) {
  lws_context* ctx = lws_get_context(wsi);
  auto* impl = ctx == nullptr ? nullptr : static_cast<MarketDataServer::Impl*>(lws_context_user(ctx));
  if (impl == nullptr) return lws_callback_http_dummy(wsi, reason, user, in, len);
  auto find = [&]() -> Connection* {
    const auto it = impl->connections.find(wsi);
    return it == impl->connections.end() ? nullptr : it->second.get();
  };
  switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
      // Refuse a bad path or stream name before the handshake is answered.
      bool combined = false;
      std::vector<StreamName> streams;
      return parse_ws_request(wsi, combined, streams) ? 0 : -1;
    }
    case LWS_CALLBACK_ESTABLISHED:
      return impl->on_established(wsi);
    case LWS_CALLBACK_CLOSED:
      impl->on_closed(wsi);
      return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE: {
      Connection* c = find();
      return c == nullptr ? 0 : impl->on_writable(*c);
    }
    case LWS_CALLBACK_RECEIVE: {
      Connection* c = find();
      return c == nullptr ? 0 : impl->on_receive(*c, in, len);
    }
    case LWS_CALLBACK_RECEIVE_PONG: {
      if (Connection* c = find()) c->last_pong = Clock::now();
      return 0;
    }
    case LWS_CALLBACK_TIMER: {
      Connection* c = find();
      return c == nullptr ? 0 : impl->on_timer(*c);
    }
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
      impl->drain_published();
      return 0;
    case LWS_CALLBACK_HTTP:
      return impl->on_http(wsi, static_cast<const char*>(in));
    default:
      return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}

const lws_protocols kProtocols[] = {
    {"keel-market-data", service_callback, 0, 4096, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

// Copies header `token` of `wsi` into a string; empty when absent.
std::string header(lws* wsi, lws_token_indexes token) {
  const int n = lws_hdr_total_length(wsi, token);
  if (n <= 0) return {};
  std::string value(static_cast<std::size_t>(n) + 1, '\0');
  const int copied = lws_hdr_copy(wsi, value.data(), n + 1, token);
  value.resize(copied < 0 ? 0 : static_cast<std::size_t>(copied));
  return value;
}

// Copies the value of query argument `name_eq` ("symbol=") into `value`; false when absent.
bool url_arg(lws* wsi, const char* name_eq, std::string& value) {
  char buf[1024];
  const char* v = lws_get_urlarg_by_name(wsi, name_eq, buf, static_cast<int>(sizeof buf));
  if (v == nullptr) return false;
  value.assign(v);
  return true;
}

// The streams and format a WebSocket request asks for: "/ws", "/ws/<s>[/<s>…]" (raw) or
// "/stream?streams=<s>[/<s>…]" (combined). False for any other path or an invalid stream name.
bool parse_ws_request(lws* wsi, bool& combined, std::vector<StreamName>& streams) {
  const std::string path = header(wsi, WSI_TOKEN_GET_URI);
  const std::string_view p = path;
  combined = false;
  if (p == "/ws" || p == "/ws/") return true;  // raw, nothing yet (SUBSCRIBE later)
  if (p.starts_with("/ws/")) return parse_stream_list(p.substr(4), streams);
  if (p == "/stream" || p == "/stream/") {
    combined = true;
    std::string list;
    return !url_arg(wsi, "streams=", list) || parse_stream_list(list, streams);
  }
  return false;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Connection lifecycle

int MarketDataServer::Impl::on_established(lws* wsi) {
  auto c = std::make_unique<Connection>();
  c->wsi = wsi;
  c->last_pong = Clock::now();
  std::vector<StreamName> initial;
  if (!parse_ws_request(wsi, c->combined, initial)) return -1;  // filtered before; defensive
  Connection& ref = *c;
  connections.emplace(wsi, std::move(c));
  for (const StreamName& s : initial) subscribe(ref, s);
  open_connections.fetch_add(1, std::memory_order_relaxed);
  if (config.ping_interval_ms > 0) lws_set_timer_usecs(wsi, ping_interval_us());
  return 0;
}

void MarketDataServer::Impl::on_closed(lws* wsi) {
  const auto it = connections.find(wsi);
  if (it == connections.end()) return;
  Connection& c = *it->second;
  while (!c.streams.empty()) unsubscribe(c, c.streams.back());
  connections.erase(it);
  open_connections.fetch_sub(1, std::memory_order_relaxed);
}

void MarketDataServer::Impl::subscribe(Connection& c, const StreamName& name) {
  if (std::find(c.streams.begin(), c.streams.end(), name) != c.streams.end()) return;
  c.streams.push_back(name);
  subscribers[canonical(name)].push_back(&c);
}

void MarketDataServer::Impl::unsubscribe(Connection& c, const StreamName& name) {
  const auto s = std::find(c.streams.begin(), c.streams.end(), name);
  if (s == c.streams.end()) return;
  c.streams.erase(s);
  const auto it = subscribers.find(canonical(name));
  if (it == subscribers.end()) return;
  std::erase(it->second, &c);
  if (it->second.empty()) subscribers.erase(it);
}

// ---------------------------------------------------------------------------------------------
// Outgoing

void MarketDataServer::Impl::request_writable(Connection& c) {
  if (c.writable_requested) return;
  c.writable_requested = true;
  lws_callback_on_writable(c.wsi);
}

void MarketDataServer::Impl::enqueue(Connection& c, std::string_view head, std::string_view body,
                                     std::string_view tail, bool defer_writable) {
  if (c.close_pending) return;
  if (c.out_ends.size() - c.ends_head >= config.connection_queue_capacity) {
    // A client that cannot keep up is dropped rather than buffered without bound.
    c.close_pending = true;
    c.out.clear();
    c.out_head = 0;
    c.out_ends.clear();
    c.ends_head = 0;
    slow_disconnects.fetch_add(1, std::memory_order_relaxed);
  } else {
    append_text_frame_header(c.out, head.size() + body.size() + tail.size());
    c.out.append(head);
    c.out.append(body);
    c.out.append(tail);
    c.out_ends.push_back(c.out.size());
  }
  if (!defer_writable) request_writable(c);
}

int MarketDataServer::Impl::on_writable(Connection& c) {
  c.writable_requested = false;
  if (c.close_pending) return -1;
  const bool queued = c.ends_head < c.out_ends.size();
  if (c.ping_pending) {
    c.ping_pending = false;
    // A non-empty payload: a client echoes it in its PONG, and lws 4.1 hides empty PONGs from the
    // protocol callback (so an empty ping would never be seen as answered).
    constexpr std::string_view kPingPayload = "keel";
    unsigned char buf[LWS_PRE + kPingPayload.size()] = {};
    std::memcpy(buf + LWS_PRE, kPingPayload.data(), kPingPayload.size());
    if (lws_write(c.wsi, buf + LWS_PRE, kPingPayload.size(), LWS_WRITE_PING) < 0) return -1;
    if (queued) request_writable(c);
    return 0;
  }
  // Write whole frames, many per lws_write, while the socket takes them without lws having to
  // buffer (lws_send_pipe_choked). lws keeps and sends first whatever a write leaves over.
  bool first = true;
  while (c.ends_head < c.out_ends.size() && (first || lws_send_pipe_choked(c.wsi) == 0)) {
    first = false;
    std::size_t end = c.out_ends[c.ends_head++];
    while (c.ends_head < c.out_ends.size() && c.out_ends[c.ends_head] - c.out_head <= kMaxWriteChunk) {
      end = c.out_ends[c.ends_head++];
    }
    const std::size_t len = end - c.out_head;
    auto* data = reinterpret_cast<unsigned char*>(c.out.data()) + c.out_head;
    c.out_head = end;
    if (lws_write(c.wsi, data, len, LWS_WRITE_RAW) < static_cast<int>(len)) return -1;
  }
  if (c.ends_head == c.out_ends.size()) {
    c.out.clear();
    c.out_head = 0;
    c.out_ends.clear();
    c.ends_head = 0;
  } else {
    if (c.out_head >= c.out.size() / 2) {  // keep the buffer from growing at the front
      c.out.erase(0, c.out_head);
      c.out_ends.erase(c.out_ends.begin(), c.out_ends.begin() + static_cast<std::ptrdiff_t>(c.ends_head));
      for (std::size_t& e : c.out_ends) e -= c.out_head;
      c.out_head = 0;
      c.ends_head = 0;
    }
    request_writable(c);
  }
  return 0;
}

void MarketDataServer::Impl::drain_published() {
  {
    const std::lock_guard lock(mutex);
    std::swap(draining, pending);
  }
  std::size_t at = 0;
  for (const PendingBatch::Entry& m : draining.entries) {
    const std::string_view stream(draining.bytes.data() + at, m.stream_len);
    const std::string_view payload(draining.bytes.data() + at + m.stream_len, m.payload_len);
    at += m.stream_len + m.payload_len;
    stream_key.assign(stream);
    const auto it = subscribers.find(stream_key);
    if (it == subscribers.end()) continue;
    bool wrapped = false;
    for (Connection* c : it->second) {
      if (c->combined) {
        if (!wrapped) {
          wrapped = true;
          combined_prefix.clear();
          protocol::binance::begin_combined(combined_prefix, stream);
          combined_suffix.clear();
          protocol::binance::end_combined(combined_suffix);
        }
        enqueue(*c, combined_prefix, payload, combined_suffix, true);
      } else {
        enqueue(*c, payload, {}, {}, true);
      }
      if (!c->touched) {
        c->touched = true;
        touched.push_back(c);
      }
    }
  }
  draining.clear();
  for (Connection* c : touched) {
    c->touched = false;
    request_writable(*c);
  }
  touched.clear();
}

// ---------------------------------------------------------------------------------------------
// Incoming

int MarketDataServer::Impl::on_receive(Connection& c, const void* in, std::size_t len) {
  if (c.rx_overflow || c.rx.size() + len > protocol::binance::ControlParser::kMaxMessageBytes) {
    c.rx_overflow = true;  // keep nothing; the whole message gets the invalid-JSON reply
    c.rx.clear();
  } else {
    c.rx.append(static_cast<const char*>(in), len);
  }
  if (lws_is_final_fragment(c.wsi) == 0 || lws_remaining_packet_payload(c.wsi) != 0) return 0;
  if (c.rx_overflow) {  // not JSON: parse() answers the invalid-JSON error
    c.rx.clear();  // (clear + push_back: assign("{") trips a GCC 12 -O3 -Wrestrict false positive)
    c.rx.push_back('{');
  }
  handle_control(c);
  c.rx.clear();
  c.rx_overflow = false;
  return 0;
}

void MarketDataServer::Impl::handle_control(Connection& c) {
  const protocol::binance::ControlParse parse = parser.parse(c.rx);
  scratch.clear();
  if (!parse.ok) {
    protocol::binance::encode_error_reply(scratch, parse.error);
  } else {
    const protocol::binance::ControlRequest& req = parse.request;
    switch (req.method) {
      case protocol::binance::ControlMethod::kSubscribe:
        for (const StreamName& s : req.streams) {
          if (c.streams.size() >= protocol::binance::ControlParser::kMaxStreams) break;
          subscribe(c, s);
        }
        protocol::binance::encode_result_null(scratch, req.id);
        break;
      case protocol::binance::ControlMethod::kUnsubscribe:
        for (const StreamName& s : req.streams) unsubscribe(c, s);
        protocol::binance::encode_result_null(scratch, req.id);
        break;
      case protocol::binance::ControlMethod::kListSubscriptions:
        protocol::binance::encode_list_result(scratch, c.streams, req.id);
        break;
      case protocol::binance::ControlMethod::kNone:
        return;
    }
  }
  enqueue(c, scratch);
}

int MarketDataServer::Impl::on_timer(Connection& c) {
  const auto silent = Clock::now() - c.last_pong;
  if (silent >= std::chrono::milliseconds(config.pong_timeout_ms)) {
    pong_timeouts.fetch_add(1, std::memory_order_relaxed);
    c.close_pending = true;
  } else {
    c.ping_pending = true;
    lws_set_timer_usecs(c.wsi, ping_interval_us());
  }
  lws_callback_on_writable(c.wsi);
  return 0;
}

// ---------------------------------------------------------------------------------------------
// HTTP

int MarketDataServer::Impl::respond(lws* wsi, unsigned code, std::string_view body) {
  unsigned char headers[LWS_PRE + 512];
  unsigned char* start = headers + LWS_PRE;
  unsigned char* p = start;
  unsigned char* end = headers + sizeof headers - 1;
  if (lws_add_http_common_headers(wsi, code, "application/json", body.size(), &p, end) != 0 ||
      lws_finalize_write_http_header(wsi, start, &p, end) != 0) {
    return 1;
  }
  std::string buf(LWS_PRE, '\0');
  buf.append(body);
  auto* data = reinterpret_cast<unsigned char*>(buf.data()) + LWS_PRE;
  if (lws_write(wsi, data, body.size(), LWS_WRITE_HTTP_FINAL) < static_cast<int>(body.size())) return 1;
  return lws_http_transaction_completed(wsi) != 0 ? -1 : 0;
}

int MarketDataServer::Impl::on_http(lws* wsi, const char* path) {
  const std::string_view depth_path =
      config.market == protocol::binance::Market::kFutures ? kFuturesDepthPath : kSpotDepthPath;
  if (path == nullptr || std::string_view(path) != depth_path) {
    return respond(wsi, HTTP_STATUS_NOT_FOUND, R"({"code":-1,"msg":"Not found."})");
  }
  std::string symbol;
  if (!url_arg(wsi, "symbol=", symbol) || symbol.empty()) {
    return respond(wsi, HTTP_STATUS_BAD_REQUEST,
                   R"({"code":-1102,"msg":"Mandatory parameter 'symbol' was not sent, was empty/null, or malformed."})");
  }
  std::uint32_t limit = kDefaultDepthLimit;
  std::string limit_text;
  if (url_arg(wsi, "limit=", limit_text)) {
    const char* first = limit_text.data();
    const char* last = first + limit_text.size();
    const auto [ptr, ec] = std::from_chars(first, last, limit);
    if (ec != std::errc{} || ptr != last || limit_text.empty()) {
      return respond(wsi, HTTP_STATUS_BAD_REQUEST,
                     R"({"code":-1100,"msg":"Illegal characters found in parameter 'limit'; legal range is '^[0-9]{1,20}$'."})");
    }
    limit = std::clamp<std::uint32_t>(limit, 1, kMaxDepthLimit);
  }
  scratch.clear();
  if (!provider.depth_snapshot(symbol, limit, scratch)) {
    return respond(wsi, HTTP_STATUS_BAD_REQUEST, R"({"code":-1121,"msg":"Invalid symbol."})");
  }
  return respond(wsi, HTTP_STATUS_OK, scratch);
}

// ---------------------------------------------------------------------------------------------
// Public API

MarketDataServer::MarketDataServer(MarketDataServerConfig config, DepthSnapshotProvider& provider)
    : config_(std::move(config)), provider_(provider) {}

MarketDataServer::~MarketDataServer() { stop(); }

bool MarketDataServer::tls() const noexcept {
  return !config_.tls_cert_path.empty() && !config_.tls_key_path.empty();
}

Errc MarketDataServer::start() {
  if (impl_) return Errc::kInvalidArgument;
  if (config_.market != protocol::binance::Market::kSpot && config_.market != protocol::binance::Market::kFutures) {
    return Errc::kInvalidArgument;
  }
  if (config_.tls_cert_path.empty() != config_.tls_key_path.empty()) return Errc::kInvalidArgument;
  if (config_.publish_queue_capacity == 0 || config_.connection_queue_capacity == 0) {
    return Errc::kInvalidArgument;
  }
  auto impl = std::make_unique<Impl>(config_, provider_);
  lws_set_log_level(LLL_ERR, nullptr);

  lws_context_creation_info ctx_info;
  std::memset(&ctx_info, 0, sizeof ctx_info);
  ctx_info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
  if (tls()) ctx_info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  ctx_info.user = impl.get();
  ctx_info.gid = -1;
  ctx_info.uid = -1;
  impl->context = lws_create_context(&ctx_info);
  if (impl->context == nullptr) return Errc::kIo;

  lws_context_creation_info vh_info;
  std::memset(&vh_info, 0, sizeof vh_info);
  vh_info.port = config_.port;
  vh_info.iface = config_.bind_address.c_str();
  vh_info.protocols = kProtocols;
  vh_info.vhost_name = "keel-market-data";
  if (tls()) {
    vh_info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    vh_info.ssl_cert_filepath = config_.tls_cert_path.c_str();
    vh_info.ssl_private_key_filepath = config_.tls_key_path.c_str();
  }
  lws_vhost* vhost = lws_create_vhost(impl->context, &vh_info);
  const int bound = vhost == nullptr ? -1 : lws_get_vhost_listen_port(vhost);
  if (bound <= 0 || bound > 65535) {
    lws_context_destroy(impl->context);
    return Errc::kIo;
  }
  port_ = static_cast<std::uint16_t>(bound);
  impl_ = std::move(impl);
  impl_->running.store(true);
  Impl* raw = impl_.get();
  raw->thread = std::thread([raw] {
    while (!raw->stopping.load(std::memory_order_acquire)) {
      if (lws_service(raw->context, 0) < 0) break;
    }
  });
  return Errc::kOk;
}

void MarketDataServer::stop() {
  if (!impl_ || !impl_->running.exchange(false)) return;
  impl_->stopping.store(true, std::memory_order_release);
  lws_cancel_service(impl_->context);
  if (impl_->thread.joinable()) impl_->thread.join();
  // The service thread is gone: destroying here keeps lws single-threaded. It closes every
  // connection (on_closed runs for each).
  lws_context_destroy(impl_->context);
  impl_->context = nullptr;
}

bool MarketDataServer::publish(std::string_view stream_name, std::string_view payload_json) {
  Impl* impl = impl_.get();
  if (impl == nullptr || !impl->running.load(std::memory_order_acquire)) {
    if (impl != nullptr) impl->publish_refused.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  bool wake = false;
  {
    const std::lock_guard lock(impl->mutex);
    PendingBatch& q = impl->pending;
    if (q.entries.size() >= config_.publish_queue_capacity) {
      impl->publish_refused.fetch_add(1, std::memory_order_relaxed);
      return false;
    }
    wake = q.entries.empty();  // the service thread takes the whole queue at each wake-up
    q.bytes.append(stream_name);
    q.bytes.append(payload_json);
    q.entries.push_back({static_cast<std::uint32_t>(stream_name.size()), static_cast<std::uint32_t>(payload_json.size())});
  }
  impl->published.fetch_add(1, std::memory_order_relaxed);
  if (wake) lws_cancel_service(impl->context);
  return true;
}

MarketDataServerStats MarketDataServer::stats() const noexcept {
  MarketDataServerStats s;
  if (!impl_) return s;
  s.published = impl_->published.load(std::memory_order_relaxed);
  s.publish_refused = impl_->publish_refused.load(std::memory_order_relaxed);
  s.slow_disconnects = impl_->slow_disconnects.load(std::memory_order_relaxed);
  s.pong_timeouts = impl_->pong_timeouts.load(std::memory_order_relaxed);
  s.connections = impl_->open_connections.load(std::memory_order_relaxed);
  return s;
}

}  // namespace keel::sim
