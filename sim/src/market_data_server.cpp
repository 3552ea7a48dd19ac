// MarketDataServer: libwebsockets glue. What a request is answered lives in MarketDataRouter
// (market_data_router.hpp, socket-free); this file owns sockets, threads and buffers.
//
// Threads: the acceptor (accept_loop) owns the listening socket and hands accepted descriptors to
// the service thread, which adopts them into lws; every other Impl function except publish(),
// stats(), start() and stop() runs on the service thread. Shared with the other threads: the
// hand-off queues (under `mutex` / `accept_mutex`) and the atomic counters. Handlers returning int
// follow lws's callback convention: 0 keeps the connection, non-zero closes it. Nothing throws out of
// service_callback: an exception closes the connection it came from and is counted.
#include "keel/sim/market_data_server.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libwebsockets.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "keel/protocol/binance/encode.hpp"
#include "market_data_router.hpp"
#include "tcp_listener.hpp"

namespace keel::sim {
namespace {

using protocol::binance::StreamName;
using Clock = std::chrono::steady_clock;

// Largest chunk handed to one lws_write(): the socket usually takes it whole; what it does not take
// lws keeps and sends before the next writable callback.
constexpr std::size_t kMaxWriteChunk = 64 * 1024;
// Connections accepted per wake-up of the acceptor, and how long it waits before accepting again
// after accept() failed for lack of descriptors (the pending connection stays queued, so polling the
// listening socket at once would spin).
constexpr int kAcceptBatch = 64;
constexpr int kAcceptBackoffMs = 100;
// Descriptors queued for adoption are bounded by max_connections; reserve up to this many.
constexpr std::size_t kMaxReserve = 4096;
// Marks a wsi the server adopted (lws_set_opaque_user_data), so that its destruction frees a slot.
char kAdoptedTag = 0;

// Bytes of the header append_text_frame_header() writes for `len` payload bytes.
constexpr std::size_t text_frame_header_size(std::size_t len) noexcept {
  return len < 126 ? 2 : len <= 0xffff ? 4 : 10;
}

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
  // Bytes of the frames waiting (config.connection_queue_bytes bounds it). Derived, not counted, so
  // that it stays exact on every path: writes advance out_head, compaction and doom() reset both.
  [[nodiscard]] std::size_t queued_bytes() const noexcept { return out.size() - out_head; }
  bool writable_requested = false;  // lws_callback_on_writable() asked since the last callback
  bool touched = false;             // in Impl::touched (drain_published)
  std::string rx;                   // a control message being reassembled from fragments
  bool rx_overflow = false;         // the message being reassembled exceeds kMaxMessageBytes
  bool closing = false;             // being closed (doom()); nothing more is queued or read
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

}  // namespace

struct MarketDataServer::Impl {
  Impl(const MarketDataServerConfig& cfg, DepthSnapshotProvider& prov) : config(cfg), router(cfg.market, prov) {}

  // A copy: an abandoned service thread (stop() timed out) may outlive the server.
  const MarketDataServerConfig config;
  MarketDataRouter router;
  lws_context* context = nullptr;
  lws_vhost* vhost = nullptr;
  int listen_fd = -1;
  int wake_fd = -1;  // eventfd: stop() → acceptor
  std::thread service;
  std::thread acceptor;
  std::atomic<bool> running{false};   // publish() accepts (under `mutex`)
  std::atomic<bool> stopping{false};  // both threads leave their loops
  bool stop_called = false;           // stop()'s thread only

  // stop() ↔ service thread: `released` once stop() no longer touches the context, `done` once the
  // service thread has destroyed it.
  std::mutex done_mutex;
  std::condition_variable done_cv;
  bool released = false;
  bool done = false;

  // Producer → service thread.
  std::mutex mutex;
  PendingBatch pending;   // guarded by mutex
  PendingBatch draining;  // service thread only

  // Acceptor → service thread: accepted descriptors to adopt.
  std::mutex accept_mutex;
  std::vector<int> accepted;  // guarded by accept_mutex
  std::vector<int> adopting;  // service thread only
  std::atomic<std::size_t> live{0};  // accepted and not yet closed (queued or adopted)

  // Service thread only.
  std::unordered_map<lws*, std::unique_ptr<Connection>> connections;
  std::unordered_map<std::string, std::vector<Connection*>> subscribers;  // canonical name → conns
  std::string stream_key;                   // drain_published(): the stream being looked up
  std::string combined_prefix;              // … its {"stream":"…","data": prefix
  std::string combined_suffix;              // … and the closing }
  std::vector<Connection*> touched;         // … connections that were given frames
  std::vector<StreamName> ws_streams;       // a handshake's initial streams
  std::string http_path;
  std::string http_query;

  std::atomic<std::uint64_t> published{0};
  std::atomic<std::uint64_t> publish_refused{0};
  std::atomic<std::uint64_t> slow_disconnects{0};
  std::atomic<std::uint64_t> pong_timeouts{0};
  std::atomic<std::uint64_t> open_connections{0};
  std::atomic<std::uint64_t> refused_connections{0};
  std::atomic<std::uint64_t> accept_errors{0};
  std::atomic<std::uint64_t> rejected_upgrades{0};
  std::atomic<std::uint64_t> http_errors{0};
  std::atomic<std::uint64_t> oversized_messages{0};
  std::atomic<std::uint64_t> control_errors{0};
  std::atomic<std::uint64_t> internal_errors{0};

  // ---- threads ----
  void accept_loop();
  void service_loop();
  void wake_acceptor() const;
  void adopt_accepted();
  void on_wsi_destroyed(lws* wsi);

  // ---- connection lifecycle ----
  bool ws_request(lws* wsi, bool& combined);
  int on_established(lws* wsi);
  void on_closed(lws* wsi);
  void subscribe(Connection& c, const StreamName& name);
  void unsubscribe(Connection& c, const StreamName& name);
  // Closes `c` for real, even when its client reads nothing (its socket is shut down, lws frees it
  // at the next service pass). Safe while iterating `subscribers`: nothing is erased here.
  void doom(Connection& c);

  // ---- outgoing ----
  // Queues one text frame, head + body + tail, on `c` (or closes it when the frame would take its
  // queue past connection_queue_capacity frames or connection_queue_bytes bytes). Asks for a
  // writable callback unless `defer_writable` (the caller then does).
  void enqueue(Connection& c, std::string_view head, std::string_view body = {}, std::string_view tail = {},
               bool defer_writable = false);
  void request_writable(Connection& c);
  int on_writable(Connection& c);
  void drain_published();

  // ---- incoming ----
  int on_receive(Connection& c, const void* in, std::size_t len);
  int on_timer(Connection& c);

  // ---- HTTP ----
  int on_http(lws* wsi, const char* path);
  static int respond(lws* wsi, unsigned code, std::string_view body);

  [[nodiscard]] std::int64_t ping_interval_us() const {
    return static_cast<std::int64_t>(config.ping_interval_ms) * 1000;
  }
};

namespace {

// Copies header `token` of `wsi` into `value`; empty when absent.
void header(lws* wsi, lws_token_indexes token, std::string& value) {
  value.clear();
  const int n = lws_hdr_total_length(wsi, token);
  if (n <= 0) return;
  value.resize(static_cast<std::size_t>(n) + 1);
  const int copied = lws_hdr_copy(wsi, value.data(), n + 1, token);
  value.resize(copied < 0 ? 0 : static_cast<std::size_t>(copied));
}

// The URL arguments of `wsi`, decoded and joined with '&' (MarketDataRouter's query form).
void query_of(lws* wsi, std::string& query) {
  query.clear();
  for (int i = 0;; ++i) {
    const int n = lws_hdr_fragment_length(wsi, WSI_TOKEN_HTTP_URI_ARGS, i);
    if (n <= 0) break;
    if (!query.empty()) query.push_back('&');
    const std::size_t at = query.size();
    query.resize(at + static_cast<std::size_t>(n) + 1);
    const int copied = lws_hdr_copy_fragment(wsi, query.data() + at, n + 1, WSI_TOKEN_HTTP_URI_ARGS, i);
    query.resize(at + (copied < 0 ? 0 : static_cast<std::size_t>(copied)));
  }
}

// The method of an HTTP request and its path (decoded, without the query).
HttpMethod method_of(lws* wsi, std::string& path) {
  static constexpr std::pair<lws_token_indexes, HttpMethod> kMethods[] = {
      {WSI_TOKEN_GET_URI, HttpMethod::kGet},       {WSI_TOKEN_POST_URI, HttpMethod::kPost},
      {WSI_TOKEN_HEAD_URI, HttpMethod::kHead},     {WSI_TOKEN_PUT_URI, HttpMethod::kPut},
      {WSI_TOKEN_DELETE_URI, HttpMethod::kDelete}, {WSI_TOKEN_PATCH_URI, HttpMethod::kPatch},
      {WSI_TOKEN_OPTIONS_URI, HttpMethod::kOptions},
  };
  for (const auto& [token, method] : kMethods) {
    if (lws_hdr_total_length(wsi, token) > 0) {
      header(wsi, token, path);
      return method;
    }
  }
  path.clear();
  return HttpMethod::kOther;
}

int dispatch(MarketDataServer::Impl& impl, lws* wsi, lws_callback_reasons reason, void* user, void* in,
             std::size_t len) {
  auto find = [&]() -> Connection* {
    const auto it = impl.connections.find(wsi);
    return it == impl.connections.end() ? nullptr : it->second.get();
  };
  switch (reason) {
    case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION: {
      // Refuse a bad path or stream name before the handshake is answered.
      bool combined = false;
      if (impl.ws_request(wsi, combined)) return 0;
      impl.rejected_upgrades.fetch_add(1, std::memory_order_relaxed);
      return -1;
    }
    case LWS_CALLBACK_ESTABLISHED:
      return impl.on_established(wsi);
    case LWS_CALLBACK_CLOSED:
      impl.on_closed(wsi);
      return 0;
    case LWS_CALLBACK_WSI_DESTROY:
      impl.on_wsi_destroyed(wsi);
      return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE: {
      Connection* c = find();
      return c == nullptr ? 0 : impl.on_writable(*c);
    }
    case LWS_CALLBACK_RECEIVE: {
      Connection* c = find();
      return c == nullptr ? 0 : impl.on_receive(*c, in, len);
    }
    case LWS_CALLBACK_RECEIVE_PONG: {
      if (Connection* c = find()) c->last_pong = Clock::now();
      return 0;
    }
    case LWS_CALLBACK_TIMER: {
      Connection* c = find();
      return c == nullptr ? 0 : impl.on_timer(*c);
    }
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
      if (impl.stopping.load(std::memory_order_acquire)) return 0;
      impl.adopt_accepted();
      impl.drain_published();
      return 0;
    case LWS_CALLBACK_HTTP:
      return impl.on_http(wsi, static_cast<const char*>(in));
    default:
      return lws_callback_http_dummy(wsi, reason, user, in, len);
  }
}

int service_callback(lws* wsi, lws_callback_reasons reason, void* user, void* in, std::size_t len) {
  lws_context* ctx = lws_get_context(wsi);
  auto* impl = ctx == nullptr ? nullptr : static_cast<MarketDataServer::Impl*>(lws_context_user(ctx));
  if (impl == nullptr) return lws_callback_http_dummy(wsi, reason, user, in, len);
  try {
    return dispatch(*impl, wsi, reason, user, in, len);
  } catch (...) {  // std::bad_alloc and friends: never into lws (C); drop what caused it
    impl->internal_errors.fetch_add(1, std::memory_order_relaxed);
    // Closing the cancel pipe's wsi would break the context: only a connection's callback closes.
    return reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED || reason == LWS_CALLBACK_WSI_DESTROY ||
                   reason == LWS_CALLBACK_CLOSED
               ? 0
               : -1;
  }
}

const lws_protocols kProtocols[] = {
    {"keel-market-data", service_callback, 0, 4096, 0, nullptr, 0},
    {nullptr, nullptr, 0, 0, 0, nullptr, 0},
};

}  // namespace

// ---------------------------------------------------------------------------------------------
// Threads

void MarketDataServer::Impl::wake_acceptor() const {
  const std::uint64_t one = 1;
  if (::write(wake_fd, &one, sizeof one) < 0) {
    // EAGAIN only (the counter is saturated): the acceptor is being woken already.
  }
}

void MarketDataServer::Impl::accept_loop() {
  bool backoff = false;
  while (!stopping.load(std::memory_order_acquire)) {
    pollfd fds[2] = {{wake_fd, POLLIN, 0}, {listen_fd, POLLIN, 0}};
    // While backing off, only the wake-up descriptor is watched, for kAcceptBackoffMs.
    const int n = ::poll(fds, backoff ? 1 : 2, backoff ? kAcceptBackoffMs : -1);
    if (stopping.load(std::memory_order_acquire)) break;
    backoff = false;
    if (n < 0) {
      if (errno != EINTR) backoff = true;
      continue;
    }
    if (n == 0 || fds[1].revents == 0) continue;
    bool wake = false;
    for (int i = 0; i < kAcceptBatch; ++i) {
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) break;
        if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO) continue;
        // EMFILE, ENFILE, ENOBUFS, ENOMEM: the connection stays queued in the kernel; try again later.
        accept_errors.fetch_add(1, std::memory_order_relaxed);
        backoff = true;
        break;
      }
      if (live.load(std::memory_order_acquire) >= config.max_connections) {
        ::close(fd);  // refused: the client sees its connection closed at once
        refused_connections.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // best effort
      live.fetch_add(1, std::memory_order_acq_rel);
      bool queued = false;
      try {
        const std::lock_guard lock(accept_mutex);
        accepted.push_back(fd);  // capacity reserved in start() for caps up to kMaxReserve
        queued = true;
      } catch (const std::bad_alloc&) {
        internal_errors.fetch_add(1, std::memory_order_relaxed);
      }
      if (!queued) {
        ::close(fd);
        live.fetch_sub(1, std::memory_order_acq_rel);
        continue;
      }
      wake = true;
    }
    if (wake) lws_cancel_service(context);
  }
}

void MarketDataServer::Impl::adopt_accepted() {
  {
    const std::lock_guard lock(accept_mutex);
    std::swap(adopting, accepted);
  }
  const auto type = static_cast<lws_adoption_type>(
      LWS_ADOPT_SOCKET | LWS_ADOPT_HTTP |
      (config.tls_cert_path.empty() ? 0 : LWS_ADOPT_ALLOW_SSL));
  for (const int fd : adopting) {
    lws_sock_file_fd_type desc;
    desc.sockfd = fd;
    lws* wsi = lws_adopt_descriptor_vhost(vhost, type, desc, nullptr, nullptr);
    if (wsi == nullptr) {  // lws closed the descriptor
      live.fetch_sub(1, std::memory_order_acq_rel);
      refused_connections.fetch_add(1, std::memory_order_relaxed);
      continue;
    }
    lws_set_opaque_user_data(wsi, &kAdoptedTag);
  }
  adopting.clear();
}

void MarketDataServer::Impl::on_wsi_destroyed(lws* wsi) {
  if (lws_get_opaque_user_data(wsi) != &kAdoptedTag) return;
  lws_set_opaque_user_data(wsi, nullptr);
  live.fetch_sub(1, std::memory_order_acq_rel);
}

void MarketDataServer::Impl::service_loop() {
  while (!stopping.load(std::memory_order_acquire)) {
    if (lws_service(context, 0) < 0) break;
  }
  stopping.store(true, std::memory_order_release);
  wake_acceptor();
  if (acceptor.joinable()) acceptor.join();
  {
    // stop() may still be about to call lws_cancel_service(): wait until it has.
    std::unique_lock lock(done_mutex);
    done_cv.wait(lock, [this] { return released; });
  }
  // Single-threaded now: destroying here closes every connection (on_closed runs for each).
  lws_context_destroy(context);
  context = nullptr;
  {
    const std::lock_guard lock(accept_mutex);
    for (const int fd : accepted) ::close(fd);
    accepted.clear();
  }
  ::close(listen_fd);
  listen_fd = -1;
  {
    const std::lock_guard lock(done_mutex);
    done = true;
  }
  done_cv.notify_all();
}

// ---------------------------------------------------------------------------------------------
// Connection lifecycle

bool MarketDataServer::Impl::ws_request(lws* wsi, bool& combined) {
  header(wsi, WSI_TOKEN_GET_URI, http_path);
  query_of(wsi, http_query);
  return router.ws_target(http_path, http_query, combined, ws_streams);
}

int MarketDataServer::Impl::on_established(lws* wsi) {
  auto c = std::make_unique<Connection>();
  c->wsi = wsi;
  c->last_pong = Clock::now();
  if (!ws_request(wsi, c->combined)) return -1;  // filtered before; defensive
  Connection& ref = *c;
  connections.emplace(wsi, std::move(c));
  open_connections.fetch_add(1, std::memory_order_relaxed);
  try {
    for (const StreamName& s : ws_streams) subscribe(ref, s);
  } catch (...) {
    on_closed(wsi);  // lws may not report CLOSED for a connection refused here: forget it now
    throw;
  }
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

void MarketDataServer::Impl::doom(Connection& c) {
  if (c.closing) return;
  c.closing = true;
  c.out.clear();
  c.out_head = 0;
  c.out_ends.clear();
  c.ends_head = 0;
  c.rx.clear();
  // A client that reads nothing never makes its socket writable, so a close that waits for a
  // writable callback (or for lws to flush a close frame) would never come: shut the socket down,
  // which wakes lws with an error on it, and have lws free the connection at once.
  const lws_sockfd_type fd = lws_get_socket_fd(c.wsi);
  if (fd >= 0) ::shutdown(fd, SHUT_RDWR);
  lws_set_timeout(c.wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
}

// ---------------------------------------------------------------------------------------------
// Outgoing

void MarketDataServer::Impl::request_writable(Connection& c) {
  if (c.writable_requested || c.closing) return;
  c.writable_requested = true;
  lws_callback_on_writable(c.wsi);
}

void MarketDataServer::Impl::enqueue(Connection& c, std::string_view head, std::string_view body,
                                     std::string_view tail, bool defer_writable) {
  if (c.closing) return;
  const std::size_t len = head.size() + body.size() + tail.size();
  const std::size_t frame_bytes = text_frame_header_size(len) + len;
  if (c.out_ends.size() - c.ends_head >= config.connection_queue_capacity ||
      c.queued_bytes() + frame_bytes > config.connection_queue_bytes) {
    // A client that cannot keep up (or asks for more than it reads) is dropped rather than buffered
    // without bound.
    slow_disconnects.fetch_add(1, std::memory_order_relaxed);
    doom(c);
    return;
  }
  append_text_frame_header(c.out, len);
  c.out.append(head);
  c.out.append(body);
  c.out.append(tail);
  c.out_ends.push_back(c.out.size());
  if (!defer_writable) request_writable(c);
}

int MarketDataServer::Impl::on_writable(Connection& c) {
  c.writable_requested = false;
  if (c.closing) return -1;
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
      if (c->closing) continue;
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
  if (c.closing) return 0;
  if (c.rx_overflow || c.rx.size() + len > MarketDataRouter::kMaxMessageBytes) {
    c.rx_overflow = true;  // keep nothing of a message that is too large: it only gets an error
    c.rx.clear();
  } else {
    c.rx.append(static_cast<const char*>(in), len);
  }
  if (lws_is_final_fragment(c.wsi) == 0 || lws_remaining_packet_payload(c.wsi) != 0) return 0;
  const bool too_large = c.rx_overflow;
  c.rx_overflow = false;
  if (too_large) oversized_messages.fetch_add(1, std::memory_order_relaxed);
  const ControlAnswer answer = router.control(c.rx, too_large, c.streams);
  c.rx.clear();
  if (answer.error) control_errors.fetch_add(1, std::memory_order_relaxed);
  switch (answer.change) {
    case SubscriptionChange::kAdd:
      for (const StreamName& s : answer.streams) subscribe(c, s);
      break;
    case SubscriptionChange::kRemove:
      for (const StreamName& s : answer.streams) unsubscribe(c, s);
      break;
    case SubscriptionChange::kNone:
      break;
  }
  enqueue(c, answer.reply);
  return 0;
}

int MarketDataServer::Impl::on_timer(Connection& c) {
  if (c.closing) return 0;
  const auto silent = Clock::now() - c.last_pong;
  if (silent >= std::chrono::milliseconds(config.pong_timeout_ms)) {
    pong_timeouts.fetch_add(1, std::memory_order_relaxed);
    doom(c);
    return 0;
  }
  c.ping_pending = true;
  lws_set_timer_usecs(c.wsi, ping_interval_us());
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
  if (lws_add_http_common_headers(wsi, code, "application/json", body.size(), &p, end) != 0) return -1;
  if (code == HTTP_STATUS_METHOD_NOT_ALLOWED) {
    static constexpr char kAllow[] = "GET";
    if (lws_add_http_header_by_name(wsi, reinterpret_cast<const unsigned char*>("allow:"),
                                    reinterpret_cast<const unsigned char*>(kAllow), sizeof kAllow - 1, &p,
                                    end) != 0) {
      return -1;
    }
  }
  if (lws_finalize_write_http_header(wsi, start, &p, end) != 0) return -1;
  std::string buf(LWS_PRE, '\0');
  buf.append(body);
  auto* data = reinterpret_cast<unsigned char*>(buf.data()) + LWS_PRE;
  if (lws_write(wsi, data, body.size(), LWS_WRITE_HTTP_FINAL) < static_cast<int>(body.size())) return -1;
  return lws_http_transaction_completed(wsi) != 0 ? -1 : 0;
}

int MarketDataServer::Impl::on_http(lws* wsi, const char* path) {
  const HttpMethod method = method_of(wsi, http_path);
  if (http_path.empty() && path != nullptr) http_path.assign(path);
  query_of(wsi, http_query);
  const HttpAnswer answer = router.http(method, http_path, http_query);
  if (answer.status >= 400) http_errors.fetch_add(1, std::memory_order_relaxed);
  const int rc = respond(wsi, answer.status, answer.body);
  // A refused method may carry a body this server never reads: answer, then close.
  return method == HttpMethod::kGet ? rc : -1;
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
  if (config_.publish_queue_capacity == 0 || config_.connection_queue_capacity == 0 ||
      config_.connection_queue_bytes == 0 || config_.max_connections == 0) {
    return Errc::kInvalidArgument;
  }
  if (!net::is_numeric_address(config_.bind_address)) return Errc::kInvalidArgument;

  auto impl = std::make_unique<Impl>(config_, provider_);
  const std::size_t reserve = std::min(config_.max_connections, kMaxReserve);
  impl->accepted.reserve(reserve);
  impl->adopting.reserve(reserve);
  lws_set_log_level(LLL_ERR, nullptr);

  const net::TcpListener listener = net::listen_tcp(config_.bind_address, config_.port, SOMAXCONN);
  if (listener.fd < 0) return Errc::kIo;
  impl->listen_fd = listener.fd;
  impl->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (impl->wake_fd < 0) {
    ::close(impl->listen_fd);
    return Errc::kIo;
  }
  const int bound_port = listener.port;

  lws_context_creation_info ctx_info;
  std::memset(&ctx_info, 0, sizeof ctx_info);
  ctx_info.options = LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
  if (tls()) ctx_info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  ctx_info.user = impl.get();
  ctx_info.gid = -1;
  ctx_info.uid = -1;
  impl->context = lws_create_context(&ctx_info);
  if (impl->context == nullptr) {
    ::close(impl->listen_fd);
    ::close(impl->wake_fd);
    return Errc::kIo;
  }

  // The vhost listens nowhere: the acceptor owns the listening socket and lws adopts what it accepts.
  lws_context_creation_info vh_info;
  std::memset(&vh_info, 0, sizeof vh_info);
  vh_info.port = CONTEXT_PORT_NO_LISTEN_SERVER;
  vh_info.protocols = kProtocols;
  vh_info.vhost_name = "keel-market-data";
  if (tls()) {
    vh_info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    vh_info.ssl_cert_filepath = config_.tls_cert_path.c_str();
    vh_info.ssl_private_key_filepath = config_.tls_key_path.c_str();
  }
  impl->vhost = lws_create_vhost(impl->context, &vh_info);
  if (impl->vhost == nullptr || bound_port <= 0 || bound_port > 65535) {
    lws_context_destroy(impl->context);
    ::close(impl->listen_fd);
    ::close(impl->wake_fd);
    return Errc::kIo;
  }
  port_ = static_cast<std::uint16_t>(bound_port);
  bound_address_ = listener.address;
  impl_ = std::move(impl);
  impl_->running.store(true);
  Impl* raw = impl_.get();
  raw->acceptor = std::thread([raw] { raw->accept_loop(); });
  raw->service = std::thread([raw] { raw->service_loop(); });
  return Errc::kOk;
}

void MarketDataServer::stop() {
  Impl* impl = impl_.get();
  if (impl == nullptr || impl->stop_called) return;
  impl->stop_called = true;
  {
    // After this no publish() touches the context.
    const std::lock_guard lock(impl->mutex);
    impl->running.store(false, std::memory_order_release);
  }
  impl->stopping.store(true, std::memory_order_release);
  impl->wake_acceptor();
  lws_cancel_service(impl->context);
  bool done = false;
  {
    std::unique_lock lock(impl->done_mutex);
    impl->released = true;
    impl->done_cv.notify_all();
    done = impl->done_cv.wait_for(lock, std::chrono::milliseconds(impl->config.stop_timeout_ms),
                                  [impl] { return impl->done; });
  }
  if (done) {
    impl->service.join();
    ::close(impl->wake_fd);
    impl->wake_fd = -1;
    return;
  }
  // The service thread is stuck inside libwebsockets: abandon it with everything it uses rather than
  // hang the caller (a SIGTERM handler, a test). Its counters are lost with it.
  std::fprintf(stderr, "keel: market-data server did not stop within %u ms; abandoning its thread\n",
               impl->config.stop_timeout_ms);
  impl->service.detach();
  [[maybe_unused]] Impl* const abandoned = impl_.release();  // leaked: the abandoned thread uses it
}

bool MarketDataServer::publish(std::string_view stream_name, std::string_view payload_json) {
  Impl* impl = impl_.get();
  if (impl == nullptr) return false;
  const std::lock_guard lock(impl->mutex);
  if (!impl->running.load(std::memory_order_acquire)) {
    impl->publish_refused.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  PendingBatch& q = impl->pending;
  if (q.entries.size() >= impl->config.publish_queue_capacity) {
    impl->publish_refused.fetch_add(1, std::memory_order_relaxed);
    return false;
  }
  const bool wake = q.entries.empty();  // the service thread takes the whole queue at each wake-up
  q.bytes.append(stream_name);
  q.bytes.append(payload_json);
  q.entries.push_back({static_cast<std::uint32_t>(stream_name.size()), static_cast<std::uint32_t>(payload_json.size())});
  impl->published.fetch_add(1, std::memory_order_relaxed);
  // Under the lock, so that stop() cannot destroy the context in between.
  if (wake) lws_cancel_service(impl->context);
  return true;
}

MarketDataServerStats MarketDataServer::stats() const noexcept {
  MarketDataServerStats s;
  if (!impl_) return s;
  const Impl& i = *impl_;
  s.published = i.published.load(std::memory_order_relaxed);
  s.publish_refused = i.publish_refused.load(std::memory_order_relaxed);
  s.slow_disconnects = i.slow_disconnects.load(std::memory_order_relaxed);
  s.pong_timeouts = i.pong_timeouts.load(std::memory_order_relaxed);
  s.connections = i.open_connections.load(std::memory_order_relaxed);
  s.open_sockets = i.live.load(std::memory_order_relaxed);
  s.refused_connections = i.refused_connections.load(std::memory_order_relaxed);
  s.accept_errors = i.accept_errors.load(std::memory_order_relaxed);
  s.rejected_upgrades = i.rejected_upgrades.load(std::memory_order_relaxed);
  s.http_errors = i.http_errors.load(std::memory_order_relaxed);
  s.oversized_messages = i.oversized_messages.load(std::memory_order_relaxed);
  s.control_errors = i.control_errors.load(std::memory_order_relaxed);
  s.internal_errors = i.internal_errors.load(std::memory_order_relaxed);
  return s;
}

}  // namespace keel::sim
