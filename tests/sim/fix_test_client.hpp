// Shared by the FIX test programs: a scratch directory and the client side of a FIX session — a
// QuickFIX initiator application that records logon state and every message it receives.
#pragma once

#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "keel/protocol/fix/quickfix.hpp"

namespace keel::sim::test {

inline constexpr std::chrono::seconds kFixWait{10};  // generous: a slow machine must not fail a test

// A fresh directory `<tmp>/<prefix><name>_<pid>`, removed with the object.
class TempDir {
 public:
  TempDir(const std::string& prefix, const std::string& name)
      : path_(std::filesystem::temp_directory_path() / (prefix + name + "_" + std::to_string(::getpid()))) {
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  [[nodiscard]] std::string sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Logs on with Username (553) = its SenderCompID and, when set, Password (554); keeps session
// Rejects (3) and every application message in arrival order.
class ClientApp final : public FIX::Application {
 public:
  explicit ClientApp(std::string password = {}) : password_(std::move(password)) {}

  void onCreate(const FIX::SessionID&) override {}
  void onLogon(const FIX::SessionID&) override {
    set([this] { logged_on_ = true; });
  }
  void onLogout(const FIX::SessionID&) override {
    set([this] {
      logged_on_ = false;
      logged_out_ = true;
    });
  }
  void toAdmin(FIX::Message& m, const FIX::SessionID& id) override {
    if (m.getHeader().getField(35) != "A") return;
    m.setField(553, id.getSenderCompID().getValue());
    if (!password_.empty()) m.setField(554, password_);
  }
  void toApp(FIX::Message&, const FIX::SessionID&) override {}
  void fromAdmin(const FIX::Message& m, const FIX::SessionID&) override {
    if (m.getHeader().getField(35) == "3") push(m);
  }
  void fromApp(const FIX::Message& m, const FIX::SessionID&) override { push(m); }

  // Waits until logged on or out; returns whether logged on.
  bool wait_logon() {
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, kFixWait, [this] { return logged_on_ || logged_out_; });
    return logged_on_;
  }
  bool logged_on() {
    std::lock_guard lock(mutex_);
    return logged_on_;
  }
  // The next received message (Reject or application message); nullopt after `wait`.
  std::optional<FIX::Message> next(std::chrono::milliseconds wait = kFixWait) {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, wait, [this] { return !received_.empty(); })) return std::nullopt;
    FIX::Message m = received_.front();
    received_.pop_front();
    return m;
  }

 private:
  template <class F>
  void set(F f) {
    {
      std::lock_guard lock(mutex_);
      f();
    }
    cv_.notify_all();
  }
  void push(const FIX::Message& m) {
    set([&] { received_.push_back(m); });
  }

  std::string password_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool logged_on_ = false;
  bool logged_out_ = false;
  std::deque<FIX::Message> received_;
};

// A whole client session: a QuickFIX SocketInitiator logging on as `comp_id` to the venue at `port`
// (ResetSeqNumFlag on logon, its store in `store_dir`), with a ClientApp recording what it receives.
class FixClient {
 public:
  FixClient(const std::string& comp_id, std::uint16_t port, const std::string& store_dir,
            const std::string& venue = "KEELSIM", std::string password = {})
      : id_("FIX.4.4", comp_id, venue), app_(std::move(password)), settings_(make_settings(port, store_dir)),
        store_(settings_), initiator_(app_, store_, settings_) {
    initiator_.start();
  }
  ~FixClient() { initiator_.stop(true); }
  FixClient(const FixClient&) = delete;
  FixClient& operator=(const FixClient&) = delete;
  ClientApp& app() { return app_; }
  bool send(FIX::Message m) { return FIX::Session::sendToTarget(m, id_); }

 private:
  FIX::SessionSettings make_settings(std::uint16_t port, const std::string& store_dir) {
    FIX::Dictionary d;
    d.setString("ConnectionType", "initiator");
    d.setString("SocketConnectHost", "127.0.0.1");
    d.setInt("SocketConnectPort", port);
    d.setInt("HeartBtInt", 30);
    d.setInt("ReconnectInterval", 1);
    d.setString("SocketNodelay", "Y");
    d.setString("FileStorePath", store_dir);
    d.setString("UseDataDictionary", "N");
    d.setString("StartTime", "00:00:00");
    d.setString("EndTime", "00:00:00");
    d.setString("ResetOnLogon", "Y");
    FIX::SessionSettings s;
    s.set(id_, d);
    return s;
  }
  FIX::SessionID id_;
  ClientApp app_;
  FIX::SessionSettings settings_;
  FIX::FileStoreFactory store_;
  FIX::SocketInitiator initiator_;
};

}  // namespace keel::sim::test
