#include "keel/gateway/wall_clock.hpp"
#include "keel/gateway/ws_client.hpp"

#include "keel/gateway/thread_affinity.hpp"

#include <libwebsockets.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>

#include "keel/protocol/binance/control.hpp"
#include "keel/protocol/binance/stream_name.hpp"
#include "net/backoff.hpp"
#include "net/rate_limit.hpp"
#include "net/url.hpp"

namespace keel::gateway {
namespace {

namespace kb = protocol::binance;

constexpr const char* kProtocolName = "keel-feed";
constexpr lws_usec_t kTickUs = 10'000;       // the feed thread's timer period
constexpr std::size_t kRxChunk = 64 * 1024;  // libwebsockets' receive buffer (one callback's bytes)
constexpr std::size_t kMaxHttpInFlight = 4;  // REST requests on the wire at once
constexpr std::size_t kMaxHttpBody = 64u << 20;  // a larger REST body fails the request
constexpr int kStopTimeoutMs = 2'000;
constexpr std::int64_t kHandoverOverlapMs = 1'000;  // a planned handover overlaps this long after the new connection's first data
constexpr std::string_view kPingPayload = "keel";

std::int64_t mono_ns() noexcept {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}
constexpr std::int64_t ms_to_ns(std::int64_t ms) noexcept {
  return ms * 1'000'000;
}

bool mentions_tls(std::string_view reason) noexcept {
  std::string lower;
  for (const char c : reason)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  return lower.find("tls") != std::string::npos || lower.find("ssl") != std::string::npos ||
         lower.find("cert") != std::string::npos || lower.find("verif") != std::string::npos;
}

// Certificates in a PEM file; -1 when it cannot be opened.
int count_pem_certificates(const std::string& path) {
  BIO* bio = BIO_new_file(path.c_str(), "r");
  if (bio == nullptr) {
    ERR_clear_error();
    return -1;
  }
  int n = 0;
  STACK_OF(X509_INFO)* infos = PEM_X509_INFO_read_bio(bio, nullptr, nullptr, nullptr);
  if (infos != nullptr) {
    for (int i = 0; i < sk_X509_INFO_num(infos); ++i) {
      if (sk_X509_INFO_value(infos, i)->x509 != nullptr) ++n;
    }
    sk_X509_INFO_pop_free(infos, X509_INFO_free);
  }
  BIO_free(bio);
  ERR_clear_error();
  return n;
}

struct ControlRequest {
  std::uint64_t id = 0;
  kb::ControlMethod method = kb::ControlMethod::kNone;
  std::vector<std::string> streams;
  std::string json;
};

struct HttpRequest {
  std::uint64_t id = 0;
  std::string path;
  int weight = 0;
  bool counted_wait = false;
};

enum class SlotKind : std::uint8_t { kWs = 1, kHttp = 2 };

// A WebSocket connection slot. Two exist: the primary and, during a planned handover, its
// successor.
struct WsConn {
  SlotKind kind = SlotKind::kWs;
  enum class State : std::uint8_t { kIdle = 0, kConnecting = 1, kOpen = 2 };
  State state = State::kIdle;
  lws* wsi = nullptr;
  std::uint32_t id = 0;
  bool closing = false;   // we asked libwebsockets to close it
  bool retiring = false;  // the old primary of a completed handover
  std::string close_reason;
  std::string tls_error;  // OpenSSL's reason for refusing the server's certificate
  std::int64_t started_ns = 0;
  std::int64_t opened_ns = 0;
  std::int64_t last_data_ns = 0;
  std::int64_t first_data_ns = 0;  // when the connection first delivered data
  std::int64_t last_ping_ns = 0;
  bool got_data = false;
  std::string path;
  // Raw mode: the SUBSCRIBE of the subscription set beyond the first stream.
  std::string resub_json;
  std::uint64_t resub_id = 0;
  bool resub_unsent = false;
  bool resub_waiting = false;
  net::MessagePacer pacer;
  // Reassembly of a message that arrives in pieces.
  std::unique_ptr<char[]> rx;
  std::size_t rx_len = 0;
  bool rx_active = false;  // inside a message
  bool rx_skip = false;    // the rest of this message is dropped (binary or oversize)
  std::int64_t rx_time_ns = 0;

  void reset() {
    state = State::kIdle;
    wsi = nullptr;
    closing = false;
    retiring = false;
    close_reason.clear();
    tls_error.clear();
    got_data = false;
    first_data_ns = 0;
    resub_json.clear();
    resub_id = 0;
    resub_unsent = false;
    resub_waiting = false;
    pacer.reset();
    rx_len = 0;
    rx_active = false;
    rx_skip = false;
  }
};

struct HttpConn {
  SlotKind kind = SlotKind::kHttp;
  lws* wsi = nullptr;
  bool busy = false;
  std::uint64_t id = 0;
  int status = 0;
  std::string path;
  std::string body;
  std::string tls_error;
  std::int64_t started_ns = 0;
};

}  // namespace

struct WsClient::Impl {
  Impl(const WsClientConfig& cfg, FeedHandler& h)
      : config(cfg),
        handler(h),
        backoff(cfg.backoff_initial_ms, cfg.backoff_max_ms, cfg.jitter_seed),
        weights(cfg.rest_weight_per_minute) {}

  const WsClientConfig config;
  FeedHandler& handler;
  net::Url ws_url;
  net::Url rest_url;
  std::string ws_origin;    // "wss://host:port" for messages
  std::string rest_origin;  // "https://host:port"

  lws_protocols protocols[2]{};
  lws_context* context = nullptr;
  std::thread thread;

  // Shared with other threads.
  std::atomic<bool> stopping{false};
  std::atomic<std::uint64_t> next_request_id{1};
  std::mutex inbox_mutex;
  bool context_alive = false;  // under inbox_mutex: lws_cancel_service() may be called
  std::deque<ControlRequest> control_in;
  std::deque<HttpRequest> http_in;
  bool reconnect_in = false;
  std::mutex done_mutex;
  std::condition_variable done_cv;
  bool done = false;

  struct Counters {
    std::atomic<std::uint64_t> frames{0}, bytes{0}, connects{0}, disconnects{0},
        connect_failures{0}, reconnects{0}, stale_reconnects{0}, planned_reconnects{0},
        oversize_frames{0}, binary_frames{0}, tls_failures{0}, upgrade_timeouts{0}, control_sent{0},
        control_errors{0}, pings_sent{0}, http_requests{0}, http_failures{0}, weight_waits{0};
  } counters;
  std::atomic<bool> tls_logged{false};

  // Feed thread only.
  struct Tick {
    lws_sorted_usec_list_t sul;  // first member: the callback gets its address
    Impl* impl;
  } tick{};
  std::deque<ControlRequest> pending;   // not yet sent, in order
  std::deque<ControlRequest> inflight;  // sent on the primary, not yet answered, in order
  std::deque<HttpRequest> http_wait;
  std::vector<std::string> subscribed;  // the subscription set
  WsConn conns[2];
  int primary = 0;
  bool ever_connected = false;       // an attempt was made (reconnects counts the later ones)
  std::int64_t reconnect_at_ns = 0;  // primary idle: connect at this time
  std::int64_t planned_at_ns = 0;    // open primary: start a handover at this time
  std::uint32_t next_conn_id = 0;
  net::Backoff backoff;
  net::WeightWindow weights;
  kb::ControlReplyDecoder replies;
  HttpConn http[kMaxHttpInFlight];
  std::vector<unsigned char> tx;  // LWS_PRE + a control message
  std::string reason;             // on_disconnected's text
  std::uint32_t tls_flags = 0;

  // ---- cross-thread ----
  void wake() {
    const std::lock_guard lock(inbox_mutex);
    if (context_alive) lws_cancel_service(context);
  }

  // ---- feed thread ----
  void run();
  void pump(std::int64_t now, bool on_timer);
  void drain_inbox(std::int64_t now);
  void connect(int slot, std::int64_t now);
  void close_conn(WsConn& c, std::string_view why);
  void conn_gone(WsConn& c, std::string_view lws_reason);
  void on_open(WsConn& c);
  int on_receive(WsConn& c, lws* wsi, const char* in, std::size_t len);
  void deliver(WsConn& c, std::string_view text, std::int64_t t);
  void on_reply(WsConn& c, std::string_view text);
  int on_writeable(WsConn& c, lws* wsi);
  void promote_successor(std::int64_t now);
  // The successor has delivered data, its subscriptions are all in place, and it has overlapped the
  // primary for kHandoverOverlapMs: long enough for the primary to deliver what it had already
  // received or had in flight (closing it at the successor's first frame lost that backlog — a gap
  // the asan CI run showed).
  [[nodiscard]] bool successor_ready(const WsConn& c, std::int64_t now) const {
    return c.state == WsConn::State::kOpen && !c.closing && c.got_data && !c.resub_unsent && !c.resub_waiting &&
           now - c.first_data_ns >= ms_to_ns(kHandoverOverlapMs);
  }
  void requeue_inflight();
  bool wants_write(const WsConn& c, std::int64_t now) const;
  void start_http(HttpConn& h, HttpRequest& r, std::int64_t now);
  void finish_http(HttpConn& h, int status, std::string_view body);
  [[nodiscard]] int successor() const { return 1 - primary; }
  [[nodiscard]] bool handover_active() const {
    return conns[successor()].state != WsConn::State::kIdle;
  }
  std::string build_path(WsConn& c, std::uint64_t resub_id);
};

namespace {

int feed_callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, std::size_t len);

void tick_callback(lws_sorted_usec_list_t* sul) {
  auto* t = reinterpret_cast<WsClient::Impl::Tick*>(sul);
  WsClient::Impl* impl = t->impl;
  try {  // nothing may unwind through libwebsockets' C frames
    impl->pump(mono_ns(), true);
  } catch (...) {
    std::fputs("keel: feed client: an exception in the timer (out of memory?); carrying on\n", stderr);
  }
  if (!impl->stopping.load(std::memory_order_acquire)) {
    lws_sul_schedule(impl->context, 0, &t->sul, tick_callback, kTickUs);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Connections

std::string WsClient::Impl::build_path(WsConn& c, std::uint64_t resub_id) {
  std::string path = ws_url.path;
  c.resub_json.clear();
  c.resub_id = 0;
  c.resub_unsent = false;
  c.resub_waiting = false;
  if (config.combined) {
    path += "/stream";
    if (!subscribed.empty()) {
      path += "?streams=";
      for (std::size_t i = 0; i < subscribed.size(); ++i) {
        if (i > 0) path.push_back('/');
        path += subscribed[i];
      }
    }
  } else {
    path += "/ws";
    if (!subscribed.empty()) {
      path += "/" + subscribed.front();
      if (subscribed.size() > 1) {
        const std::span<const std::string> rest(subscribed.data() + 1, subscribed.size() - 1);
        kb::encode_control_request(c.resub_json, kb::ControlMethod::kSubscribe, rest, resub_id);
        c.resub_id = resub_id;
        c.resub_unsent = true;
      }
    }
  }
  return path;
}

void WsClient::Impl::connect(int slot, std::int64_t now) {
  WsConn& c = conns[slot];
  c.reset();
  c.id = ++next_conn_id;
  c.state = WsConn::State::kConnecting;
  c.started_ns = now;
  c.pacer.set_rate(config.market == Market::kFutures ? 10 : 5);
  const std::uint64_t resub_id = (!config.combined && subscribed.size() > 1)
                                     ? next_request_id.fetch_add(1, std::memory_order_relaxed)
                                     : 0;
  c.path = build_path(c, resub_id);
  if (slot == primary) {
    if (ever_connected) counters.reconnects.fetch_add(1, std::memory_order_relaxed);
    ever_connected = true;
  }

  lws_client_connect_info ci;
  std::memset(&ci, 0, sizeof ci);
  ci.context = context;
  ci.address = ws_url.host.c_str();
  ci.port = ws_url.port;
  ci.path = c.path.c_str();
  ci.host = ws_url.host.c_str();
  ci.origin = ws_url.host.c_str();
  ci.protocol = nullptr;
  ci.local_protocol_name = kProtocolName;
  ci.ssl_connection = ws_url.tls ? static_cast<int>(tls_flags) : 0;
  ci.opaque_user_data = &c;
  ci.pwsi = &c.wsi;
  const std::uint32_t id = c.id;
  lws* wsi = lws_client_connect_via_info(&ci);
  // A failure may already have been reported through CLIENT_CONNECTION_ERROR (the slot is then idle
  // or, after a synchronous reconnect decision, belongs to the same id still in kConnecting).
  if (wsi == nullptr && c.id == id && c.state == WsConn::State::kConnecting) {
    c.wsi = nullptr;
    conn_gone(c, "connection could not be started");
  }
}

void WsClient::Impl::close_conn(WsConn& c, std::string_view why) {
  if (c.state == WsConn::State::kIdle || c.closing) return;
  c.closing = true;
  c.close_reason.assign(why);
  c.rx_skip = true;
  if (c.wsi != nullptr) lws_set_timeout(c.wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

void WsClient::Impl::on_open(WsConn& c) {
  const std::int64_t now = mono_ns();
  c.state = WsConn::State::kOpen;
  c.opened_ns = now;
  c.last_data_ns = now;
  c.last_ping_ns = now;
  counters.connects.fetch_add(1, std::memory_order_relaxed);
  if (&c == &conns[primary]) planned_at_ns = now + ms_to_ns(config.planned_reconnect_after_ms);
  if (c.resub_unsent) lws_callback_on_writable(c.wsi);
  if (!stopping.load(std::memory_order_relaxed)) handler.on_connected(c.id);
}

void WsClient::Impl::requeue_inflight() {
  // Unanswered requests go out again, before anything newer, on the next primary.
  while (!inflight.empty()) {
    pending.push_front(std::move(inflight.back()));
    inflight.pop_back();
  }
}

void WsClient::Impl::conn_gone(WsConn& c, std::string_view lws_reason) {
  if (c.state == WsConn::State::kIdle) return;
  const bool was_open = c.state == WsConn::State::kOpen;
  const bool was_primary = &c == &conns[primary];
  const bool retiring = c.retiring;
  const std::uint32_t id = c.id;
  std::string_view why =
      c.closing && !c.close_reason.empty() ? std::string_view(c.close_reason) : lws_reason;
  if (why.empty()) why = was_open ? "connection closed by the peer" : "connection failed";
  reason.assign(ws_origin);
  reason += ": ";
  if (!c.tls_error.empty()) {
    reason += c.tls_error;
    reason += " (";
    reason += why;
    reason += ")";
  } else {
    reason += why;
  }
  if (!c.closing && !was_open && ws_url.tls && (!c.tls_error.empty() || mentions_tls(why))) {
    counters.tls_failures.fetch_add(1, std::memory_order_relaxed);
    if (!tls_logged.exchange(true)) std::fprintf(stderr, "keel: feed: %s\n", reason.c_str());
  }
  if (was_open) {
    counters.disconnects.fetch_add(1, std::memory_order_relaxed);
  } else {
    counters.connect_failures.fetch_add(1, std::memory_order_relaxed);
  }
  c.reset();
  const std::int64_t now = mono_ns();
  if (!stopping.load(std::memory_order_relaxed)) {
    if (was_primary) {
      requeue_inflight();
      WsConn& next = conns[successor()];
      if (next.state != WsConn::State::kIdle) {
        // The successor of an unfinished handover takes over at once.
        primary = successor();
        if (next.state == WsConn::State::kOpen)
          planned_at_ns = next.opened_ns + ms_to_ns(config.planned_reconnect_after_ms);
      } else {
        reconnect_at_ns = now + ms_to_ns(backoff.next_delay_ms());
      }
    } else if (!retiring) {
      // A successor that failed: the old primary keeps serving; try again later.
      planned_at_ns = now + ms_to_ns(std::max<std::int64_t>(1000, config.stale_after_ms));
    }
    handler.on_disconnected(id, reason);
  }
}

void WsClient::Impl::promote_successor(std::int64_t now) {
  WsConn& old = conns[primary];
  WsConn& next = conns[successor()];
  primary = successor();
  planned_at_ns = next.opened_ns + ms_to_ns(config.planned_reconnect_after_ms);
  (void)now;
  counters.planned_reconnects.fetch_add(1, std::memory_order_relaxed);
  if (old.state != WsConn::State::kIdle) {
    old.retiring = true;
    reason.assign("planned reconnect: replaced by connection ");
    reason += std::to_string(next.id);
    close_conn(old, reason);
  }
  requeue_inflight();
}

// ---------------------------------------------------------------------------------------------
// Receiving

int WsClient::Impl::on_receive(WsConn& c, lws* wsi, const char* in, std::size_t len) {
  const bool last = lws_is_final_fragment(wsi) != 0 && lws_remaining_packet_payload(wsi) == 0;
  if (!c.rx_active) {
    c.rx_active = true;
    c.rx_len = 0;
    c.rx_time_ns = wall_clock_ns();
    c.rx_skip = c.closing;
    if (lws_frame_is_binary(wsi) != 0) {
      counters.binary_frames.fetch_add(1, std::memory_order_relaxed);
      c.rx_skip = true;
    }
    if (!c.rx_skip && last && len <= config.max_frame_bytes) {
      // The whole message in one piece: hand libwebsockets' buffer over as is.
      c.rx_active = false;
      deliver(c, std::string_view(in, len), c.rx_time_ns);
      return 0;
    }
  }
  if (!c.rx_skip) {
    const std::size_t remaining = lws_remaining_packet_payload(wsi);
    if (c.rx_len + len > config.max_frame_bytes ||
        c.rx_len + len + remaining > config.max_frame_bytes) {
      counters.oversize_frames.fetch_add(1, std::memory_order_relaxed);
      close_conn(c, "message larger than max_frame_bytes");
    } else {
      std::memcpy(c.rx.get() + c.rx_len, in, len);
      c.rx_len += len;
    }
  }
  if (last) {
    c.rx_active = false;
    if (!c.rx_skip) deliver(c, std::string_view(c.rx.get(), c.rx_len), c.rx_time_ns);
    c.rx_len = 0;
  }
  return 0;
}

void WsClient::Impl::deliver(WsConn& c, std::string_view text, std::int64_t t) {
  if (kb::looks_like_control_reply(text)) {
    on_reply(c, text);
    return;
  }
  const std::int64_t now = mono_ns();
  c.last_data_ns = now;
  if (!c.got_data) c.first_data_ns = now;
  c.got_data = true;
  counters.frames.fetch_add(1, std::memory_order_relaxed);
  counters.bytes.fetch_add(text.size(), std::memory_order_relaxed);
  if (&c == &conns[primary]) backoff.reset();
  if (!stopping.load(std::memory_order_relaxed)) handler.on_frame(text, t, c.id);
  // A successor that has delivered data with its whole subscription set in place for
  // kHandoverOverlapMs replaces the primary (pump() checks it too, for a quiet stream).
  if (&c == &conns[successor()] && successor_ready(c, now)) {
    promote_successor(now);
  }
}

void WsClient::Impl::on_reply(WsConn& c, std::string_view text) {
  const Result<kb::ControlReply> r = replies.decode(text);
  if (!r.ok()) {
    counters.control_errors.fetch_add(1, std::memory_order_relaxed);
    if (!stopping.load(std::memory_order_relaxed))
      handler.on_control_reply(0, false, "unreadable control reply");
    return;
  }
  const kb::ControlReply& reply = r.value();
  const bool ok = reply.kind != kb::ControlReplyKind::kError;
  if (!ok) counters.control_errors.fetch_add(1, std::memory_order_relaxed);
  if (reply.has_id && reply.id == c.resub_id && c.resub_waiting) {
    c.resub_waiting = false;
  } else if (reply.has_id) {
    const auto it = std::find_if(inflight.begin(), inflight.end(),
                                 [&](const ControlRequest& q) { return q.id == reply.id; });
    if (it == inflight.end()) return;  // not ours (or answered already)
    if (ok) {
      for (const std::string& s : it->streams) {
        const auto at = std::find(subscribed.begin(), subscribed.end(), s);
        if (it->method == kb::ControlMethod::kSubscribe && at == subscribed.end())
          subscribed.push_back(s);
        if (it->method == kb::ControlMethod::kUnsubscribe && at != subscribed.end())
          subscribed.erase(at);
      }
    }
    inflight.erase(it);
  }
  if (!stopping.load(std::memory_order_relaxed)) {
    handler.on_control_reply(reply.has_id ? reply.id : 0, ok,
                             ok ? std::string_view{} : reply.error_msg);
  }
}

// ---------------------------------------------------------------------------------------------
// Sending

bool WsClient::Impl::wants_write(const WsConn& c, std::int64_t now) const {
  if (c.state != WsConn::State::kOpen || c.closing) return false;
  if (c.resub_unsent) return true;
  if (config.ping_interval_ms > 0 && now - c.last_ping_ns >= ms_to_ns(config.ping_interval_ms))
    return true;
  return &c == &conns[primary] && !handover_active() && !pending.empty();
}

int WsClient::Impl::on_writeable(WsConn& c, lws* wsi) {
  const std::int64_t now = mono_ns();
  if (!wants_write(c, now) || !c.pacer.ready(now)) return 0;
  std::string_view text;
  lws_write_protocol kind = LWS_WRITE_TEXT;
  bool user = false;
  if (c.resub_unsent) {
    text = c.resub_json;
  } else if (config.ping_interval_ms > 0 &&
             now - c.last_ping_ns >= ms_to_ns(config.ping_interval_ms)) {
    text = kPingPayload;
    kind = LWS_WRITE_PING;
  } else {
    text = pending.front().json;
    user = true;
  }
  if (tx.size() < LWS_PRE + text.size()) tx.resize(LWS_PRE + text.size());
  std::memcpy(tx.data() + LWS_PRE, text.data(), text.size());
  if (lws_write(wsi, tx.data() + LWS_PRE, text.size(), kind) < static_cast<int>(text.size()))
    return -1;
  c.pacer.sent(now);
  if (kind == LWS_WRITE_PING) {
    c.last_ping_ns = now;
    counters.pings_sent.fetch_add(1, std::memory_order_relaxed);
  } else {
    counters.control_sent.fetch_add(1, std::memory_order_relaxed);
    if (user) {
      inflight.push_back(std::move(pending.front()));
      pending.pop_front();
    } else {
      c.resub_unsent = false;
      c.resub_waiting = true;
    }
  }
  return 0;
}

// ---------------------------------------------------------------------------------------------
// REST

void WsClient::Impl::start_http(HttpConn& h, HttpRequest& r, std::int64_t now) {
  h.busy = true;
  h.id = r.id;
  h.status = 0;
  h.path = rest_url.path + r.path;
  h.body.clear();
  h.tls_error.clear();
  h.started_ns = now;
  counters.http_requests.fetch_add(1, std::memory_order_relaxed);
  lws_client_connect_info ci;
  std::memset(&ci, 0, sizeof ci);
  ci.context = context;
  ci.address = rest_url.host.c_str();
  ci.port = rest_url.port;
  ci.path = h.path.c_str();
  ci.host = rest_url.host.c_str();
  ci.origin = rest_url.host.c_str();
  ci.method = "GET";
  ci.alpn = "http/1.1";
  ci.local_protocol_name = kProtocolName;
  ci.ssl_connection = rest_url.tls ? static_cast<int>(tls_flags) : 0;
  ci.opaque_user_data = &h;
  ci.pwsi = &h.wsi;
  const std::uint64_t id = h.id;
  if (lws_client_connect_via_info(&ci) == nullptr && h.busy && h.id == id) {
    h.wsi = nullptr;
    finish_http(h, 0, "request could not be started");
  }
}

void WsClient::Impl::finish_http(HttpConn& h, int status, std::string_view body) {
  if (!h.busy) return;
  h.busy = false;
  if (h.wsi != nullptr) {
    lws_set_opaque_user_data(h.wsi, nullptr);
    if (status == 0) lws_set_timeout(h.wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
    h.wsi = nullptr;
  }
  if (status == 0) counters.http_failures.fetch_add(1, std::memory_order_relaxed);
  if (!stopping.load(std::memory_order_relaxed)) handler.on_http_response(h.id, status, body);
}

// ---------------------------------------------------------------------------------------------
// The feed thread

void WsClient::Impl::drain_inbox(std::int64_t now) {
  bool reconnect = false;
  {
    const std::lock_guard lock(inbox_mutex);
    while (!control_in.empty()) {
      pending.push_back(std::move(control_in.front()));
      control_in.pop_front();
    }
    while (!http_in.empty()) {
      http_wait.push_back(std::move(http_in.front()));
      http_in.pop_front();
    }
    reconnect = std::exchange(reconnect_in, false);
  }
  // A request heavier than the whole budget could never be sent: answer it now rather than let it
  // block the queue behind it.
  for (auto it = http_wait.begin(); it != http_wait.end();) {
    if (it->weight <= weights.budget()) {
      ++it;
      continue;
    }
    const std::uint64_t id = it->id;
    it = http_wait.erase(it);
    counters.http_failures.fetch_add(1, std::memory_order_relaxed);
    handler.on_http_response(id, 0, "weight exceeds rest_weight_per_minute");
  }
  if (reconnect) {
    WsConn& p = conns[primary];
    if (p.state != WsConn::State::kIdle) {
      close_conn(p, "reconnect requested");
    } else {
      reconnect_at_ns = std::min(reconnect_at_ns, now);
    }
  }
}

void WsClient::Impl::pump(std::int64_t now, bool on_timer) {
  if (stopping.load(std::memory_order_acquire)) return;
  drain_inbox(now);

  // The primary: connect, time out, watch for a stale feed, plan the handover.
  WsConn& p = conns[primary];
  if (p.state == WsConn::State::kIdle && now >= reconnect_at_ns) connect(primary, now);
  for (WsConn& c : conns) {
    if (c.state == WsConn::State::kConnecting && !c.closing &&
        now - c.started_ns > ms_to_ns(config.connect_timeout_ms)) {
      counters.upgrade_timeouts.fetch_add(1, std::memory_order_relaxed);
      close_conn(c, "no WebSocket upgrade within connect_timeout_ms");
    } else if (c.state == WsConn::State::kOpen && !c.closing && !c.retiring &&
               now - c.last_data_ns > ms_to_ns(config.stale_after_ms)) {
      if (&c == &conns[primary]) counters.stale_reconnects.fetch_add(1, std::memory_order_relaxed);
      close_conn(c, "stale feed: no data within stale_after_ms");
    }
    if (wants_write(c, now) && c.pacer.ready(now) && c.wsi != nullptr)
      lws_callback_on_writable(c.wsi);
  }
  WsConn& q = conns[primary];
  if (q.state == WsConn::State::kOpen && !q.closing && !handover_active() && now >= planned_at_ns) {
    connect(successor(), now);
  }
  if (handover_active() && successor_ready(conns[successor()], now)) promote_successor(now);

  // REST: start what the budget and the slots allow, in order; time out what hangs.
  for (HttpConn& h : http) {
    if (h.busy &&
        now - h.started_ns > ms_to_ns(static_cast<std::int64_t>(config.connect_timeout_ms) +
                                      config.http_timeout_ms)) {
      finish_http(h, 0, "timeout");
    }
  }
  while (!http_wait.empty()) {
    HttpRequest& r = http_wait.front();
    HttpConn* free_slot = nullptr;
    for (HttpConn& h : http) {
      if (!h.busy) {
        free_slot = &h;
        break;
      }
    }
    if (free_slot == nullptr) break;
    if (!weights.fits(r.weight, now)) {
      if (!r.counted_wait) counters.weight_waits.fetch_add(1, std::memory_order_relaxed);
      r.counted_wait = true;
      break;
    }
    weights.spend(r.weight, now);
    HttpRequest req = std::move(r);
    http_wait.pop_front();
    start_http(*free_slot, req, now);
  }
  if (on_timer) handler.on_tick(wall_clock_ns());
}

void WsClient::Impl::run() {
  if (config.cpu >= 0) (void)pin_current_thread(config.cpu);
  tick.impl = this;
  lws_sul_schedule(context, 0, &tick.sul, tick_callback, kTickUs);
  pump(mono_ns(), false);
  while (!stopping.load(std::memory_order_acquire)) {
    if (lws_service(context, 0) < 0) break;
  }
  stopping.store(true, std::memory_order_release);
  lws_sul_cancel(&tick.sul);
  {
    const std::lock_guard lock(inbox_mutex);
    context_alive = false;
  }
  lws_context_destroy(context);  // closes every connection; callbacks see `stopping`
  context = nullptr;
  {
    const std::lock_guard lock(done_mutex);
    done = true;
  }
  done_cv.notify_all();
}

namespace {

int feed_callback_body(lws* wsi, lws_callback_reasons reason, void* user, void* in, std::size_t len);

// libwebsockets calls this from C: no exception may cross it. One that escapes the body (an
// allocation failing while a reason or a REST body is copied) closes that connection, which then
// reconnects like any other loss.
int feed_callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, std::size_t len) {
  try {
    return feed_callback_body(wsi, reason, user, in, len);
  } catch (...) {
    std::fputs("keel: feed client: an exception in a connection callback (out of memory?); closing it\n", stderr);
    return -1;
  }
}

int feed_callback_body(lws* wsi, lws_callback_reasons reason, void* user, void* in, std::size_t len) {
  lws_context* ctx = lws_get_context(wsi);
  auto* impl = ctx == nullptr ? nullptr : static_cast<WsClient::Impl*>(lws_context_user(ctx));
  if (impl == nullptr) return lws_callback_http_dummy(wsi, reason, user, in, len);
  if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED) {
    impl->pump(mono_ns(), false);
    return 0;
  }
  void* tag = lws_get_opaque_user_data(wsi);
  if (tag == nullptr) return lws_callback_http_dummy(wsi, reason, user, in, len);
  const std::string_view text =
      in != nullptr && reason == LWS_CALLBACK_CLIENT_CONNECTION_ERROR
          ? std::string_view(static_cast<const char*>(in),
                             len > 0 ? len : std::strlen(static_cast<const char*>(in)))
          : std::string_view{};

  if (reason == LWS_CALLBACK_OPENSSL_PERFORM_SERVER_CERT_VERIFICATION) {
    // Keep OpenSSL's reason for a certificate it refuses: libwebsockets' connection error only says
    // "connect SSL err 1". The decision itself stays OpenSSL's (return 0).
    if (len == 0 && user != nullptr) {
      auto* store = static_cast<X509_STORE_CTX*>(user);
      const int err = X509_STORE_CTX_get_error(store);
      std::string& why = *static_cast<SlotKind*>(tag) == SlotKind::kWs
                             ? static_cast<WsConn*>(tag)->tls_error
                             : static_cast<HttpConn*>(tag)->tls_error;
      if (why.empty()) {
        why = "certificate verify failed: ";
        why += X509_verify_cert_error_string(err);
        why += " (depth ";
        why += std::to_string(X509_STORE_CTX_get_error_depth(store));
        why += ")";
      }
    }
    return 0;
  }
  if (*static_cast<SlotKind*>(tag) == SlotKind::kWs) {
    auto& c = *static_cast<WsConn*>(tag);
    if (c.wsi != nullptr && c.wsi != wsi) return 0;  // a previous connection of this slot
    switch (reason) {
      case LWS_CALLBACK_CLIENT_ESTABLISHED:
        c.wsi = wsi;
        impl->on_open(c);
        return 0;
      case LWS_CALLBACK_CLIENT_RECEIVE:
        return impl->on_receive(c, wsi, static_cast<const char*>(in), len);
      case LWS_CALLBACK_CLIENT_WRITEABLE:
        return impl->on_writeable(c, wsi);
      case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
        lws_set_opaque_user_data(wsi, nullptr);
        impl->conn_gone(c, text.empty() ? std::string_view("connection failed") : text);
        return 0;
      case LWS_CALLBACK_CLIENT_CLOSED:
      case LWS_CALLBACK_WSI_DESTROY:
        lws_set_opaque_user_data(wsi, nullptr);
        impl->conn_gone(c, {});
        return 0;
      default:
        return lws_callback_http_dummy(wsi, reason, user, in, len);
    }
  }

  auto& h = *static_cast<HttpConn*>(tag);
  if (!h.busy || (h.wsi != nullptr && h.wsi != wsi))
    return lws_callback_http_dummy(wsi, reason, user, in, len);
  switch (reason) {
    case LWS_CALLBACK_ESTABLISHED_CLIENT_HTTP:
      h.wsi = wsi;
      h.status = static_cast<int>(lws_http_client_http_response(wsi));
      return 0;
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP: {
      char buffer[LWS_PRE + 4096];
      char* p = buffer + LWS_PRE;
      int n = static_cast<int>(sizeof buffer - LWS_PRE);
      if (lws_http_client_read(wsi, &p, &n) < 0) return -1;
      return 0;
    }
    case LWS_CALLBACK_RECEIVE_CLIENT_HTTP_READ:
      if (h.body.size() + len > kMaxHttpBody) {
        impl->finish_http(h, 0, "response body too large");
        return -1;
      }
      h.body.append(static_cast<const char*>(in), len);
      return 0;
    case LWS_CALLBACK_COMPLETED_CLIENT_HTTP:
      impl->finish_http(h, h.status, h.body);
      return 0;
    case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
      std::string why = impl->rest_origin + ": ";
      if (!h.tls_error.empty()) {
        why += h.tls_error;
        if (impl->rest_url.tls) impl->counters.tls_failures.fetch_add(1, std::memory_order_relaxed);
        why += " (";
      }
      why += text.empty() ? std::string_view("connection failed") : text;
      if (!h.tls_error.empty()) why += ")";
      impl->finish_http(h, 0, why);
      return 0;
    }
    case LWS_CALLBACK_CLOSED_CLIENT_HTTP:
    case LWS_CALLBACK_WSI_DESTROY:
      impl->finish_http(h, 0, "connection closed before the response was complete");
      return 0;
    default:
      return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// The public face

WsClient::WsClient(WsClientConfig config, FeedHandler& handler)
    : config_(std::move(config)), handler_(handler) {}

WsClient::~WsClient() {
  stop();
}

Errc WsClient::start() {
  if (impl_) {
    error_ = "start: already started";
    return Errc::kInvalidArgument;
  }
  const auto fail = [&](std::string message) {
    error_ = std::move(message);
    return Errc::kInvalidArgument;
  };
  const Result<net::Url> ws = net::parse_url(config_.url);
  if (!ws.ok() || !ws.value().websocket)
    return fail("url: not a ws:// or wss:// URL: `" + config_.url + "`");
  net::Url rest;
  if (config_.rest_url.empty()) {
    rest = ws.value();
    rest.websocket = false;
  } else {
    const Result<net::Url> r = net::parse_url(config_.rest_url);
    if (!r.ok() || r.value().websocket)
      return fail("rest_url: not an http:// or https:// URL: `" + config_.rest_url + "`");
    rest = r.value();
  }
  if (config_.market != Market::kSpot && config_.market != Market::kFutures)
    return fail("market: must be spot or futures");
  for (const std::string& s : config_.streams) {
    if (!kb::parse_stream_name(s).ok())
      return fail("streams: not a canonical stream name: `" + s + "`");
  }
  if (config_.streams.size() > kb::ControlParser::kMaxStreams)
    return fail("streams: more than 1024 streams");
  if (config_.max_frame_bytes == 0) return fail("max_frame_bytes: must be positive");
  if (config_.stale_after_ms <= 0 || config_.connect_timeout_ms <= 0 ||
      config_.http_timeout_ms <= 0 || config_.backoff_initial_ms <= 0 ||
      config_.backoff_max_ms <= 0 || config_.planned_reconnect_after_ms <= 0 ||
      config_.ping_interval_ms < 0) {
    return fail(
        "timers: stale_after_ms, connect_timeout_ms, http_timeout_ms, backoff and "
        "planned_reconnect_after_ms "
        "must be positive, ping_interval_ms non-negative");
  }
  if (config_.rest_weight_per_minute <= 0 || config_.rest_weight_per_minute > 1'000'000) {
    return fail("rest_weight_per_minute: must be 1..1000000");
  }
  if (!config_.ca_file.empty()) {
    // libwebsockets only logs a CA file it cannot load and goes on without it: check it here.
    const int certs = count_pem_certificates(config_.ca_file);
    if (certs < 0) return fail("ca_file: cannot read `" + config_.ca_file + "`");
    if (certs == 0) return fail("ca_file: no PEM certificate in `" + config_.ca_file + "`");
  }

  auto impl = std::make_unique<Impl>(config_, handler_);
  impl->ws_url = ws.value();
  impl->rest_url = rest;
  impl->ws_origin = (impl->ws_url.tls ? "wss://" : "ws://") + net::url_host(impl->ws_url) + ":" +
                    std::to_string(impl->ws_url.port);
  impl->rest_origin =
      (rest.tls ? "https://" : "http://") + net::url_host(rest) + ":" + std::to_string(rest.port);
  impl->subscribed = config_.streams;
  impl->tx.resize(LWS_PRE + 64 * 1024);
  for (WsConn& c : impl->conns) c.rx = std::make_unique<char[]>(config_.max_frame_bytes);
  for (HttpConn& h : impl->http) h.body.reserve(64 * 1024);
  impl->tls_flags = LCCSCF_USE_SSL;
  if (!config_.verify_tls) {
    impl->tls_flags |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                       LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
  }

  impl->protocols[0] = {kProtocolName, feed_callback, 0, kRxChunk, 0, nullptr, 0};
  impl->protocols[1] = {nullptr, nullptr, 0, 0, 0, nullptr, 0};
  lws_set_log_level(LLL_ERR, nullptr);
  lws_context_creation_info info;
  std::memset(&info, 0, sizeof info);
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = impl->protocols;
  info.user = impl.get();
  info.gid = -1;
  info.uid = -1;
  info.pt_serv_buf_size = kRxChunk;
  if (impl->ws_url.tls || rest.tls) {
    info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    if (!config_.ca_file.empty()) info.client_ssl_ca_filepath = config_.ca_file.c_str();
  }
  impl->context = lws_create_context(&info);
  if (impl->context == nullptr) {
    error_ = "libwebsockets refused to create the client context (TLS setup";
    error_ += config_.ca_file.empty() ? ")" : ", ca_file `" + config_.ca_file + "`)";
    return Errc::kIo;
  }
  impl->context_alive = true;
  impl_ = std::move(impl);
  Impl* raw = impl_.get();
  raw->thread = std::thread([raw] { raw->run(); });
  error_.clear();
  return Errc::kOk;
}

bool WsClient::stop() {
  Impl* impl = impl_.get();
  if (impl == nullptr) return !abandoned_;
  if (!impl->thread.joinable()) return true;
  impl->stopping.store(true, std::memory_order_release);
  impl->wake();
  bool finished = false;
  {
    std::unique_lock lock(impl->done_mutex);
    finished = impl->done_cv.wait_for(lock, std::chrono::milliseconds(kStopTimeoutMs),
                                      [impl] { return impl->done; });
  }
  if (finished) {
    impl->thread.join();
    return true;
  }
  // The feed thread is stuck inside libwebsockets: abandon it with everything it uses rather than
  // hang the caller. Its counters are lost with it.
  std::fprintf(stderr, "keel: feed client did not stop within %d ms; abandoning its thread\n",
               kStopTimeoutMs);
  impl->thread.detach();
  [[maybe_unused]] Impl* const abandoned = impl_.release();
  abandoned_ = true;
  return false;
}

std::uint64_t WsClient::control(int method, std::span<const std::string> streams) {
  Impl* impl = impl_.get();
  if (impl == nullptr || impl->stopping.load(std::memory_order_acquire)) return 0;
  ControlRequest r;
  r.id = impl->next_request_id.fetch_add(1, std::memory_order_relaxed);
  r.method = static_cast<kb::ControlMethod>(method);
  r.streams.assign(streams.begin(), streams.end());
  kb::encode_control_request(r.json, r.method, streams, r.id);
  const std::uint64_t id = r.id;
  {
    const std::lock_guard lock(impl->inbox_mutex);
    impl->control_in.push_back(std::move(r));
  }
  impl->wake();
  return id;
}

std::uint64_t WsClient::subscribe(std::span<const std::string> streams) {
  return control(static_cast<int>(kb::ControlMethod::kSubscribe), streams);
}

std::uint64_t WsClient::unsubscribe(std::span<const std::string> streams) {
  return control(static_cast<int>(kb::ControlMethod::kUnsubscribe), streams);
}

std::uint64_t WsClient::http_get(std::string path_and_query, int weight) {
  Impl* impl = impl_.get();
  if (impl == nullptr || impl->stopping.load(std::memory_order_acquire)) return 0;
  HttpRequest r;
  r.id = impl->next_request_id.fetch_add(1, std::memory_order_relaxed);
  r.path = std::move(path_and_query);
  if (!r.path.starts_with('/')) r.path.insert(0, "/");
  r.weight = std::max(weight, 1);
  const std::uint64_t id = r.id;
  {
    const std::lock_guard lock(impl->inbox_mutex);
    impl->http_in.push_back(std::move(r));
  }
  impl->wake();
  return id;
}

void WsClient::request_reconnect() {
  Impl* impl = impl_.get();
  if (impl == nullptr) return;
  {
    const std::lock_guard lock(impl->inbox_mutex);
    impl->reconnect_in = true;
  }
  impl->wake();
}

WsClientStats WsClient::stats() const noexcept {
  WsClientStats s;
  const Impl* impl = impl_.get();
  if (impl == nullptr) return s;
  const auto& c = impl->counters;
  const auto get = [](const std::atomic<std::uint64_t>& a) {
    return a.load(std::memory_order_relaxed);
  };
  s.frames = get(c.frames);
  s.bytes = get(c.bytes);
  s.connects = get(c.connects);
  s.disconnects = get(c.disconnects);
  s.connect_failures = get(c.connect_failures);
  s.reconnects = get(c.reconnects);
  s.stale_reconnects = get(c.stale_reconnects);
  s.planned_reconnects = get(c.planned_reconnects);
  s.oversize_frames = get(c.oversize_frames);
  s.binary_frames = get(c.binary_frames);
  s.tls_failures = get(c.tls_failures);
  s.upgrade_timeouts = get(c.upgrade_timeouts);
  s.control_sent = get(c.control_sent);
  s.control_errors = get(c.control_errors);
  s.pings_sent = get(c.pings_sent);
  s.http_requests = get(c.http_requests);
  s.http_failures = get(c.http_failures);
  s.weight_waits = get(c.weight_waits);
  return s;
}

}  // namespace keel::gateway
