// The eigenvalue signal of DOLPHIN.md §2 (the NG3 scanner's job, done in the core).
//
// For every bar t over N assets:
//   r_i(t)  = ln(close_i(t) / close_i(t-1))   (0 for a missing bar or an asset with no earlier close;
//                                              the first bar has no returns)
//   C_w(t)  = Pearson correlation of the returns over bars t-w+1 … t, w ∈ {50, 150, 300, 750};
//             an asset whose returns in the window are all identical (decided exactly, never by a
//             tolerance) has correlation 0 with every other asset and 1 on the diagonal
//   lam_w   = λ_max(C_w) / N,  v_w(t) = lam_w(t) − lam_w(t−1),  vel_div = v_50 − v_750
// lam_w is defined from bar index w (0-based), v_w from w+1, vel_div from 751; undefined values are
// NaN and never reach sizing.
//
// Two implementations with one contract:
//   * EigenSignalReference: two-pass correlation and a full symmetric eigen-decomposition every bar
//     (slow, obviously right; the accuracy reference).
//   * EigenSignalFast: rolling cross-product sums per window, re-anchored from the stored returns
//     every `reanchor_every` bars so rounding drift cannot grow with run length; a two-pass recompute
//     for assets whose variance the sums cannot resolve; λ_max by power iteration warm-started from
//     the previous bar's eigenvector, falling back to the full decomposition when it does not
//     converge and checked against it at every re-anchor. It agrees with the reference within 1e-9
//     absolute on lam_w and vel_div.
// Neither allocates per bar (all buffers are sized at construction).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include <Eigen/Dense>

namespace keel {

inline constexpr std::size_t kSignalWindowCount = 4;
inline constexpr std::array<int, kSignalWindowCount> kSignalWindows{50, 150, 300, 750};

// One bar's signal. NaN where undefined.
struct SignalValues {
  std::array<double, kSignalWindowCount> lam{};
  std::array<double, kSignalWindowCount> v{};
  double vel_div = 0.0;
};

// Log returns per asset, the last `capacity` of them kept in a ring (a column per bar).
class ReturnHistory {
 public:
  ReturnHistory(std::size_t assets, int capacity);

  // One bar time: closes[i] > 0 when asset i has a bar now, <= 0 (or NaN) when it is missing.
  // The first call records closes only (the first bar has no returns).
  void push_bar(std::span<const double> closes) noexcept;

  [[nodiscard]] std::size_t assets() const noexcept { return assets_; }
  [[nodiscard]] std::int64_t bars() const noexcept { return bars_; }            // bars pushed
  [[nodiscard]] std::int64_t returns() const noexcept { return bars_ > 0 ? bars_ - 1 : 0; }
  // Return of `asset` `lag` bars ago (lag 0 = the latest bar). Requires lag < min(returns, capacity).
  [[nodiscard]] double at(std::size_t asset, int lag) const noexcept {
    const int col = (head_ - 1 - lag + capacity_ * 2) % capacity_;
    return data_[static_cast<std::size_t>(col) * assets_ + asset];
  }
  // The latest return column (all assets), contiguous.
  [[nodiscard]] const double* latest() const noexcept { return column(0); }
  [[nodiscard]] const double* column(int lag) const noexcept {
    const int col = (head_ - 1 - lag + capacity_ * 2) % capacity_;
    return &data_[static_cast<std::size_t>(col) * assets_];
  }
  // Length of the run of bitwise-identical returns ending at the latest bar (capped at capacity).
  [[nodiscard]] int identical_run(std::size_t asset) const noexcept { return run_[asset]; }
  // Missing-bar returns recorded so far (asset-bars with r = 0 because the bar was missing).
  [[nodiscard]] std::uint64_t missing() const noexcept { return missing_; }

 private:
  std::size_t assets_;
  int capacity_;
  std::vector<double> data_;        // capacity × assets, column-major by bar
  std::vector<double> last_close_;  // 0 = none yet
  std::vector<int> run_;
  int head_ = 0;                    // next column to write
  std::int64_t bars_ = 0;
  std::uint64_t missing_ = 0;
};

// Pearson correlation of window w ending at the latest return, two-pass (mean first, then centred
// cross products), into an N×N matrix. Constant assets (identical_run >= w) get a zero row and
// column and 1 on the diagonal.
class TwoPassCorrelation {
 public:
  TwoPassCorrelation(std::size_t assets, int max_window);
  void compute(const ReturnHistory& history, int w, Eigen::MatrixXd& out) noexcept;

 private:
  Eigen::MatrixXd centred_;  // assets × max_window
  Eigen::VectorXd norm_;
};

class EigenSignalReference {
 public:
  explicit EigenSignalReference(std::size_t assets);
  // Call after history.push_bar(); returns this bar's values.
  SignalValues update(const ReturnHistory& history) noexcept;

 private:
  std::size_t n_;
  TwoPassCorrelation two_pass_;
  Eigen::MatrixXd corr_;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver_;
  std::array<double, kSignalWindowCount> prev_lam_{};
};

struct FastSignalStats {
  std::uint64_t power_iterations = 0;
  std::uint64_t fallbacks = 0;        // full decompositions after non-convergence
  std::uint64_t reseeds = 0;          // warm starts found off the dominant direction at a re-anchor
  std::uint64_t two_pass_rows = 0;    // windows recomputed two-pass (ill-conditioned sums)
  std::uint64_t reanchors = 0;
};

class EigenSignalFast {
 public:
  EigenSignalFast(std::size_t assets, int reanchor_every = 1000, int max_iterations = 300);
  SignalValues update(const ReturnHistory& history) noexcept;
  [[nodiscard]] const FastSignalStats& stats() const noexcept { return stats_; }

 private:
  struct Window {
    int w = 0;
    Eigen::MatrixXd q;      // Σ r_i r_j over the window
    Eigen::VectorXd s;      // Σ r_i
    Eigen::VectorXd x;      // eigenvector estimate (warm start)
    double prev_lam = 0.0;
    int since_anchor = 0;
  };
  void anchor(Window& win, const ReturnHistory& h) noexcept;
  void build_correlation(Window& win, const ReturnHistory& h) noexcept;
  double lambda_power(Window& win) noexcept;  // NaN when it does not converge
  double lambda_reference() noexcept;          // full decomposition of corr_
  void reseed(Window& win) noexcept;

  std::size_t n_;
  int reanchor_every_;
  int max_iterations_;
  std::array<Window, kSignalWindowCount> windows_;
  TwoPassCorrelation two_pass_;
  Eigen::MatrixXd corr_;
  Eigen::VectorXd inv_sd_, y_;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver_;
  FastSignalStats stats_;
};

enum class SignalMethod : std::uint8_t { kFast = 1, kReference = 2 };

// Closes in, signal out: the return history plus one of the two implementations.
class SignalPipeline {
 public:
  SignalPipeline(std::size_t assets, SignalMethod method = SignalMethod::kFast);
  // One bar time; closes[i] <= 0 marks a missing bar. The reference stays valid until the next call.
  const SignalValues& push_bar(std::span<const double> closes) noexcept;
  [[nodiscard]] const ReturnHistory& history() const noexcept { return history_; }
  [[nodiscard]] const FastSignalStats* fast_stats() const noexcept { return fast_ ? &fast_->stats() : nullptr; }

 private:
  ReturnHistory history_;
  SignalMethod method_;
  std::optional<EigenSignalReference> reference_;
  std::optional<EigenSignalFast> fast_;
  SignalValues values_;
};

}  // namespace keel
