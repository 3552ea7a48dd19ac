#include "keel/core/signal/eigen_signal.hpp"

#include <cmath>
#include <limits>

namespace keel {
namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr int kMaxWindow = kSignalWindows[kSignalWindowCount - 1];
// The fast path subtracts the return leaving the window, one lag past the longest window.
constexpr int kHistoryCapacity = kMaxWindow + 1;

// Residual ||Cx − λx|| at which power iteration stops. Some eigenvalue then lies within it of λ
// (Bauer–Fike for symmetric matrices), typically far closer (≈ residual² / gap). That eigenvalue is
// λ_max unless the warm start has (almost) no component along the dominant eigenvector — possible
// only right after two eigenvalues cross; the check at every re-anchor bounds how long such a state
// could last, and the tests compare with the full decomposition on every bar.
constexpr double kResidualTolerance = 1e-11;
// Sums-based variance is trusted while it keeps this share of Σr² (cancellation loses at most
// ~3 digits of 16); below it the window is recomputed two-pass.
constexpr double kMinVarianceShare = 1e-3;

SignalValues undefined_values() {
  SignalValues v;
  v.lam.fill(kNaN);
  v.v.fill(kNaN);
  v.vel_div = kNaN;
  return v;
}

void finish(SignalValues& out) {
  out.vel_div = out.v[0] - out.v[kSignalWindowCount - 1];  // NaN while either is undefined
}
}  // namespace

ReturnHistory::ReturnHistory(std::size_t assets, int capacity)
    : assets_(assets),
      capacity_(capacity),
      data_(assets * static_cast<std::size_t>(capacity), 0.0),
      last_close_(assets, 0.0),
      run_(assets, 0) {}

void ReturnHistory::push_bar(std::span<const double> closes) noexcept {
  const bool first = bars_ == 0;
  ++bars_;
  if (first) {
    for (std::size_t i = 0; i < assets_; ++i)
      if (closes[i] > 0.0 && std::isfinite(closes[i])) last_close_[i] = closes[i];
    return;
  }
  const bool have_previous_return = bars_ >= 3;
  const double* prev = have_previous_return ? latest() : nullptr;
  double* col = &data_[static_cast<std::size_t>(head_) * assets_];
  for (std::size_t i = 0; i < assets_; ++i) {
    double r = 0.0;
    const double c = closes[i];
    if (c > 0.0 && std::isfinite(c)) {
      if (last_close_[i] > 0.0) r = std::log(c / last_close_[i]);
      last_close_[i] = c;
    } else {
      ++missing_;
    }
    // prev points into another column, never the one being written (capacity >= 2).
    run_[i] = (prev != nullptr && r == prev[i]) ? std::min(run_[i] + 1, capacity_) : 1;
    col[i] = r;
  }
  head_ = (head_ + 1) % capacity_;
}

TwoPassCorrelation::TwoPassCorrelation(std::size_t assets, int max_window)
    : centred_(static_cast<Eigen::Index>(assets), max_window), norm_(static_cast<Eigen::Index>(assets)) {}

void TwoPassCorrelation::compute(const ReturnHistory& h, int w, Eigen::MatrixXd& out) noexcept {
  const auto n = static_cast<Eigen::Index>(h.assets());
  // Oldest to newest, so sums run left to right in time order.
  for (Eigen::Index i = 0; i < n; ++i) {
    double sum = 0.0;
    for (int lag = w - 1; lag >= 0; --lag) sum += h.at(static_cast<std::size_t>(i), lag);
    const double mean = sum / w;
    for (int k = 0; k < w; ++k) centred_(i, k) = h.at(static_cast<std::size_t>(i), w - 1 - k) - mean;
  }
  auto c = centred_.leftCols(w);
  out.noalias() = c * c.transpose();
  for (Eigen::Index i = 0; i < n; ++i) {
    const bool constant = h.identical_run(static_cast<std::size_t>(i)) >= w;
    norm_(i) = constant ? 0.0 : 1.0 / std::sqrt(out(i, i));
  }
  for (Eigen::Index j = 0; j < n; ++j)
    for (Eigen::Index i = 0; i < n; ++i) out(i, j) = i == j ? 1.0 : out(i, j) * norm_(i) * norm_(j);
}

EigenSignalReference::EigenSignalReference(std::size_t assets)
    : n_(assets),
      two_pass_(assets, kMaxWindow),
      corr_(static_cast<Eigen::Index>(assets), static_cast<Eigen::Index>(assets)),
      solver_(static_cast<Eigen::Index>(assets)) {
  prev_lam_.fill(kNaN);
}

SignalValues EigenSignalReference::update(const ReturnHistory& h) noexcept {
  SignalValues out = undefined_values();
  for (std::size_t k = 0; k < kSignalWindowCount; ++k) {
    const int w = kSignalWindows[k];
    if (h.returns() < w) continue;
    two_pass_.compute(h, w, corr_);
    solver_.compute(corr_, Eigen::EigenvaluesOnly);
    out.lam[k] = solver_.eigenvalues().maxCoeff() / static_cast<double>(n_);
    out.v[k] = out.lam[k] - prev_lam_[k];
    prev_lam_[k] = out.lam[k];
  }
  finish(out);
  return out;
}

EigenSignalFast::EigenSignalFast(std::size_t assets, int reanchor_every, int max_iterations)
    : n_(assets),
      reanchor_every_(reanchor_every < 1 ? 1 : reanchor_every),
      max_iterations_(max_iterations),
      two_pass_(assets, kMaxWindow),
      corr_(static_cast<Eigen::Index>(assets), static_cast<Eigen::Index>(assets)),
      inv_sd_(static_cast<Eigen::Index>(assets)),
      y_(static_cast<Eigen::Index>(assets)),
      solver_(static_cast<Eigen::Index>(assets)) {
  const auto n = static_cast<Eigen::Index>(assets);
  for (std::size_t k = 0; k < kSignalWindowCount; ++k) {
    Window& win = windows_[k];
    win.w = kSignalWindows[k];
    win.q = Eigen::MatrixXd::Zero(n, n);
    win.s = Eigen::VectorXd::Zero(n);
    win.x = Eigen::VectorXd::Zero(n);
    reseed(win);
    win.prev_lam = kNaN;
  }
}

void EigenSignalFast::anchor(Window& win, const ReturnHistory& h) noexcept {
  win.q.setZero();
  win.s.setZero();
  const auto n = static_cast<Eigen::Index>(n_);
  for (int lag = win.w - 1; lag >= 0; --lag) {
    const Eigen::Map<const Eigen::VectorXd> r(h.column(lag), n);
    win.q.noalias() += r * r.transpose();
    win.s += r;
  }
  win.since_anchor = 0;
  ++stats_.reanchors;
}

void EigenSignalFast::build_correlation(Window& win, const ReturnHistory& h) noexcept {
  const auto n = static_cast<Eigen::Index>(n_);
  const double w = win.w;
  bool ill_conditioned = false;
  for (Eigen::Index i = 0; i < n; ++i) {
    if (h.identical_run(static_cast<std::size_t>(i)) >= win.w) {
      inv_sd_(i) = 0.0;
      continue;
    }
    const double var = win.q(i, i) - win.s(i) * win.s(i) / w;
    if (!(var > kMinVarianceShare * win.q(i, i))) {
      ill_conditioned = true;
      break;
    }
    inv_sd_(i) = 1.0 / std::sqrt(var);
  }
  if (ill_conditioned) {
    ++stats_.two_pass_rows;
    two_pass_.compute(h, win.w, corr_);
    return;
  }
  for (Eigen::Index j = 0; j < n; ++j) {
    const double sj = win.s(j) / w;
    for (Eigen::Index i = 0; i < n; ++i) corr_(i, j) = (win.q(i, j) - win.s(i) * sj) * inv_sd_(i) * inv_sd_(j);
    corr_(j, j) = 1.0;
  }
}

double EigenSignalFast::lambda_reference() noexcept {
  // Eigenvalues only: with eigenvectors Eigen's solver allocates a workspace on every call.
  solver_.compute(corr_, Eigen::EigenvaluesOnly);
  return solver_.eigenvalues()(static_cast<Eigen::Index>(n_) - 1);  // ascending
}

double EigenSignalFast::lambda_power(Window& win) noexcept {
  Eigen::VectorXd& x = win.x;
  for (int it = 0; it < max_iterations_; ++it) {
    ++stats_.power_iterations;
    y_.noalias() = corr_.selfadjointView<Eigen::Lower>() * x;
    const double lambda = x.dot(y_);
    const double residual = (y_ - lambda * x).norm();
    const double norm = y_.norm();
    if (!(norm > 0.0)) break;
    x = y_ / norm;
    if (residual <= kResidualTolerance) return lambda;
  }
  return kNaN;  // not converged
}

void EigenSignalFast::reseed(Window& win) noexcept {
  // A fixed, generic start vector (not orthogonal to any particular eigenvector by construction).
  const auto n = static_cast<Eigen::Index>(n_);
  for (Eigen::Index i = 0; i < n; ++i) win.x(i) = 1.0 + 0.5 * std::sin(1.0 + static_cast<double>(i));
  win.x.normalize();
}

SignalValues EigenSignalFast::update(const ReturnHistory& h) noexcept {
  SignalValues out = undefined_values();
  const auto n = static_cast<Eigen::Index>(n_);
  for (std::size_t k = 0; k < kSignalWindowCount; ++k) {
    Window& win = windows_[k];
    if (h.returns() < win.w) continue;
    bool anchored = false;
    if (h.returns() == win.w || ++win.since_anchor >= reanchor_every_) {
      anchor(win, h);
      anchored = true;
    } else {
      const Eigen::Map<const Eigen::VectorXd> in(h.column(0), n);
      const Eigen::Map<const Eigen::VectorXd> out_of_window(h.column(win.w), n);
      win.q.noalias() += in * in.transpose();
      win.q.noalias() -= out_of_window * out_of_window.transpose();
      win.s += in - out_of_window;
    }
    build_correlation(win, h);
    double lambda = lambda_power(win);
    if (std::isnan(lambda)) {
      ++stats_.fallbacks;  // no convergence: the exact value, and the iterate carries on next bar
      lambda = lambda_reference();
    } else if (anchored) {
      // At each re-anchor the warm start is checked against the full decomposition, so it can never
      // follow a subdominant direction for long; a disagreement re-seeds it.
      const double exact = lambda_reference();
      if (std::fabs(exact - lambda) > 1e-10) {
        ++stats_.reseeds;
        reseed(win);
      }
      lambda = exact;
    }
    out.lam[k] = lambda / static_cast<double>(n_);
    out.v[k] = out.lam[k] - win.prev_lam;
    win.prev_lam = out.lam[k];
  }
  finish(out);
  return out;
}

SignalPipeline::SignalPipeline(std::size_t assets, SignalMethod method)
    : history_(assets, kHistoryCapacity), method_(method) {
  if (method == SignalMethod::kReference) reference_.emplace(assets);
  else fast_.emplace(assets);
}

const SignalValues& SignalPipeline::push_bar(std::span<const double> closes) noexcept {
  history_.push_bar(closes);
  values_ = method_ == SignalMethod::kReference ? reference_->update(history_) : fast_->update(history_);
  return values_;
}

}  // namespace keel
