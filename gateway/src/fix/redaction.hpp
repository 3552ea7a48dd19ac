// keel never writes a secret to disk: QuickFIX's message log and its message store (which keeps
// every message sent, the Logon with its Password (554) included) get every 554 value replaced by
// "***" on the way. The store's copy of a Logon is never re-sent (admin messages are gap-filled), so
// nothing needs the real value. Include only from .cpp files (QuickFIX types).
#pragma once

#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>

#include "keel/protocol/fix/quickfix.hpp"

namespace keel::gateway::fix_detail {

// The message with each "554=<value>" field's value replaced by "***" (fields are SOH-separated;
// a field starts the message or follows SOH).
std::string redact_password(std::string_view message);

class RedactingLog final : public FIX::Log {
 public:
  explicit RedactingLog(const std::string& path);  // appends; a file that cannot be opened: nothing written
  ~RedactingLog() override;
  RedactingLog(const RedactingLog&) = delete;
  RedactingLog& operator=(const RedactingLog&) = delete;
  void clear() override {}
  void backup() override {}
  void onIncoming(const std::string& m) override { write("in  ", m); }
  void onOutgoing(const std::string& m) override { write("out ", m); }
  void onEvent(const std::string& m) override { write("evt ", m); }

 private:
  void write(std::string_view kind, const std::string& text);
  std::mutex mutex_;
  std::FILE* file_ = nullptr;
};

class RedactingLogFactory final : public FIX::LogFactory {
 public:
  explicit RedactingLogFactory(std::string dir) : dir_(std::move(dir)) {}
  FIX::Log* create() override;
  FIX::Log* create(const FIX::SessionID& id) override;
  void destroy(FIX::Log* log) override { delete log; }

 private:
  std::string dir_;
};

// A MessageStore that passes everything to QuickFIX's FileStore except that set() stores the
// message redacted.
class RedactingStore final : public FIX::MessageStore {
 public:
  explicit RedactingStore(FIX::MessageStore* inner) : inner_(inner) {}
  ~RedactingStore() override { delete inner_; }
  RedactingStore(const RedactingStore&) = delete;
  RedactingStore& operator=(const RedactingStore&) = delete;
  bool set(int n, const std::string& m) override { return inner_->set(n, redact_password(m)); }
  void get(int a, int b, std::vector<std::string>& out) const override { inner_->get(a, b, out); }
  int getNextSenderMsgSeqNum() const override { return inner_->getNextSenderMsgSeqNum(); }
  int getNextTargetMsgSeqNum() const override { return inner_->getNextTargetMsgSeqNum(); }
  void setNextSenderMsgSeqNum(int n) override { inner_->setNextSenderMsgSeqNum(n); }
  void setNextTargetMsgSeqNum(int n) override { inner_->setNextTargetMsgSeqNum(n); }
  void incrNextSenderMsgSeqNum() override { inner_->incrNextSenderMsgSeqNum(); }
  void incrNextTargetMsgSeqNum() override { inner_->incrNextTargetMsgSeqNum(); }
  FIX::UtcTimeStamp getCreationTime() const override { return inner_->getCreationTime(); }
  void reset() override { inner_->reset(); }
  void refresh() override { inner_->refresh(); }

 private:
  FIX::MessageStore* inner_;
};

class RedactingStoreFactory final : public FIX::MessageStoreFactory {
 public:
  explicit RedactingStoreFactory(const FIX::SessionSettings& settings) : files_(settings) {}
  FIX::MessageStore* create(const FIX::SessionID& id) override { return new RedactingStore(files_.create(id)); }
  void destroy(FIX::MessageStore* store) override { delete store; }

 private:
  FIX::FileStoreFactory files_;
};

}  // namespace keel::gateway::fix_detail
