// A `keel` child process for the CLI tests: stdout and stderr on pipes, lines and exit status read
// with bounded waits; killed if still running when the object goes. Also the two readers of what a
// run wrote: a whole file, and one top-level field of a summary.json.
#pragma once

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace keel::test {

using namespace std::chrono_literals;

// `keel ARGS` run to completion through the shell, stdin from /dev/null: its exit code and its
// stdout and stderr together.
struct Outcome {
  int exit_code = -1;
  std::string output;
};

inline Outcome run_keel(const std::string& args) {
  const std::string cmd = std::string(KEEL_PROGRAM) + " " + args + " 2>&1 </dev/null";
  Outcome o;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return o;
  char buf[4096];
  while (std::size_t n = std::fread(buf, 1, sizeof buf, p)) o.output.append(buf, n);
  const int status = ::pclose(p);
  o.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return o;
}

// A child process with its stdout (and optionally stderr) on pipes.
class Child {
 public:
  // nofile > 0: the child's RLIMIT_NOFILE (soft and hard) before exec.
  explicit Child(const std::vector<std::string>& args, rlim_t nofile = 0) {
    int out[2], err[2];
    if (::pipe(out) != 0 || ::pipe(err) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      if (nofile > 0) {
        const rlimit limit{nofile, nofile};
        ::setrlimit(RLIMIT_NOFILE, &limit);
      }
      ::dup2(out[1], 1);
      ::dup2(err[1], 2);
      ::close(out[0]);
      ::close(err[0]);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>(KEEL_PROGRAM));
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(KEEL_PROGRAM, argv.data());
      ::_exit(127);
    }
    ::close(out[1]);
    ::close(err[1]);
    out_ = out[0];
    err_ = err[0];
  }
  ~Child() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
    if (err_ >= 0) ::close(err_);
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  // One line of stdout (without '\n'); empty on timeout or EOF.
  std::string read_line(std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    std::string line;
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{out_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0) continue;
      char c;
      if (::read(out_, &c, 1) != 1) break;
      if (c == '\n') return line;
      line.push_back(c);
    }
    return {};
  }
  // Everything left on a pipe (after the child exited).
  static std::string rest(int fd) {
    std::string s;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) s.append(buf, static_cast<std::size_t>(n));
    return s;
  }
  std::string rest_of_stdout() { return rest(out_); }
  std::string rest_of_stderr() { return rest(err_); }
  void signal(int sig) { ::kill(pid_, sig); }
  // The exit status (-1 when it did not exit within `wait`).
  int wait_exit(std::chrono::milliseconds wait) {
    const auto deadline = std::chrono::steady_clock::now() + wait;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int out_ = -1, err_ = -1;
  bool reaped_ = false;
};

// The whole file ("" when it cannot be read).
inline std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The value of a top-level "key": "text" or "key": number/true/false of summary.json ("" when absent).
inline std::string summary_field(const std::string& json, const std::string& key) {
  const std::string tag = "\"" + key + "\": ";
  std::size_t at = json.find(tag);
  if (at == std::string::npos) return "";
  at += tag.size();
  if (at < json.size() && json[at] == '"') {
    const std::size_t end = json.find('"', at + 1);
    return end == std::string::npos ? "" : json.substr(at + 1, end - at - 1);
  }
  std::size_t end = at;
  while (end < json.size() && json[end] != ',' && json[end] != '\n' && json[end] != '}') ++end;
  return json.substr(at, end - at);
}

}  // namespace keel::test
