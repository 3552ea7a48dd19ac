// A WebSocket client built on libwebsockets for the simulator's tests: connects to one path on
// 127.0.0.1 (ws:// or wss:// accepting the test's self-signed certificate), collects every text
// message on its own service thread, and sends text messages on request.
#pragma once

#include <libwebsockets.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace keel::test {

class LwsClient {
 public:
  LwsClient(std::uint16_t port, std::string path, bool tls = false) : path_(std::move(path)) {
    protocols_[0] = {"keel-test", &LwsClient::callback, 0, 1 << 16, 0, this, 0};
    protocols_[1] = {nullptr, nullptr, 0, 0, 0, nullptr, 0};
    lws_context_creation_info info;
    std::memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols_;
    info.user = this;
    if (tls) info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    context_ = lws_create_context(&info);
    if (context_ == nullptr) return;
    lws_client_connect_info ci;
    std::memset(&ci, 0, sizeof ci);
    ci.context = context_;
    ci.address = "127.0.0.1";
    ci.port = port;
    ci.path = path_.c_str();
    ci.host = "127.0.0.1";
    ci.origin = "127.0.0.1";
    ci.protocol = nullptr;
    ci.local_protocol_name = protocols_[0].name;
    ci.ssl_connection = tls ? (LCCSCF_USE_SSL | LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                               LCCSCF_ALLOW_INSECURE)
                            : 0;
    ci.userdata = this;
    ci.pwsi = &wsi_;
    if (lws_client_connect_via_info(&ci) == nullptr) {
      failed_ = true;
      return;
    }
    thread_ = std::thread([this] {
      while (!stop_.load()) lws_service(context_, 0);
    });
  }
  ~LwsClient() {
    stop_.store(true);
    if (context_ != nullptr) lws_cancel_service(context_);
    if (thread_.joinable()) thread_.join();
    if (context_ != nullptr) lws_context_destroy(context_);
  }
  LwsClient(const LwsClient&) = delete;
  LwsClient& operator=(const LwsClient&) = delete;

  // Waits for the handshake; false on failure or timeout.
  bool wait_connected(std::chrono::milliseconds wait = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, wait, [&] { return connected_ || failed_ || closed_; });
    return connected_ && !closed_;
  }
  [[nodiscard]] bool closed() {
    std::lock_guard lock(mutex_);
    return closed_;
  }

  // The next text message, in arrival order; nullopt after `wait` without one.
  std::optional<std::string> next(std::chrono::milliseconds wait = std::chrono::seconds(10)) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, wait, [&] { return !inbox_.empty(); })) return std::nullopt;
    std::string m = std::move(inbox_.front());
    inbox_.pop_front();
    return m;
  }
  // Every message received so far (taken out of the inbox).
  std::deque<std::string> drain() {
    std::lock_guard lock(mutex_);
    std::deque<std::string> out;
    out.swap(inbox_);
    return out;
  }

  void send(std::string text) {
    {
      std::lock_guard lock(mutex_);
      outbox_.push_back(std::move(text));
    }
    lws_cancel_service(context_);
  }

 private:
  static int callback(lws* wsi, lws_callback_reasons reason, void* /*user*/, void* in, std::size_t len) {
    auto* self = static_cast<LwsClient*>(lws_context_user(lws_get_context(wsi)));
    if (self == nullptr) return 0;
    switch (reason) {
      case LWS_CALLBACK_CLIENT_ESTABLISHED: {
        std::lock_guard lock(self->mutex_);
        self->connected_ = true;
        self->cv_.notify_all();
        break;
      }
      case LWS_CALLBACK_CLIENT_CONNECTION_ERROR: {
        std::lock_guard lock(self->mutex_);
        self->failed_ = true;
        self->wsi_ = nullptr;
        self->cv_.notify_all();
        break;
      }
      case LWS_CALLBACK_CLIENT_CLOSED: {
        std::lock_guard lock(self->mutex_);
        self->closed_ = true;
        self->wsi_ = nullptr;
        self->cv_.notify_all();
        break;
      }
      case LWS_CALLBACK_CLIENT_RECEIVE: {
        self->partial_.append(static_cast<const char*>(in), len);
        if (lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0) {
          std::lock_guard lock(self->mutex_);
          self->inbox_.push_back(std::move(self->partial_));
          self->partial_.clear();
          self->cv_.notify_all();
        }
        break;
      }
      case LWS_CALLBACK_EVENT_WAIT_CANCELLED: {
        std::lock_guard lock(self->mutex_);
        if (!self->outbox_.empty() && self->wsi_ != nullptr) lws_callback_on_writable(self->wsi_);
        break;
      }
      case LWS_CALLBACK_CLIENT_WRITEABLE: {
        std::string text;
        bool more = false;
        {
          std::lock_guard lock(self->mutex_);
          if (self->outbox_.empty()) break;
          text = std::move(self->outbox_.front());
          self->outbox_.pop_front();
          more = !self->outbox_.empty();
        }
        std::string buf(LWS_PRE, '\0');
        buf += text;
        if (lws_write(wsi, reinterpret_cast<unsigned char*>(buf.data()) + LWS_PRE, text.size(), LWS_WRITE_TEXT) <
            static_cast<int>(text.size()))
          return -1;
        if (more) lws_callback_on_writable(wsi);
        break;
      }
      default: break;
    }
    return 0;
  }

  std::string path_;
  lws_protocols protocols_[2];
  lws_context* context_ = nullptr;
  lws* wsi_ = nullptr;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable cv_;
  bool connected_ = false;
  bool failed_ = false;
  bool closed_ = false;
  std::string partial_;
  std::deque<std::string> inbox_;
  std::deque<std::string> outbox_;
};

}  // namespace keel::test
