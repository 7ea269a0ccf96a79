#include "troupe/cluster/phi_detector.hpp"

#include <algorithm>
#include <cmath>

#include "troupe/runtime/assert.hpp"

namespace troupe::cluster {

phi_detector::phi_detector(const phi_settings& settings, std::int64_t now_ns)
    : settings_(settings), last_ns_(now_ns) {
  TROUPE_ASSERT(settings.heartbeat_interval_ns > 0 && settings.samples_max >= 2);
  const std::int64_t quarter = settings.heartbeat_interval_ns / 4;
  add_sample(settings.heartbeat_interval_ns - quarter);
  add_sample(settings.heartbeat_interval_ns + quarter);
}

void phi_detector::add_sample(std::int64_t interval_ns) {
  if (intervals_.size() == settings_.samples_max) {
    const double oldest = static_cast<double>(intervals_.front());
    sum_ -= oldest;
    sum_of_squares_ -= oldest * oldest;
    intervals_.pop_front();
  }
  const double value = static_cast<double>(interval_ns);
  intervals_.push_back(interval_ns);
  sum_ += value;
  sum_of_squares_ += value * value;
}

void phi_detector::heartbeat(std::int64_t now_ns) {
  if (now_ns < last_ns_) return;  // a skewed clock stepped back: keep the later arrival
  add_sample(now_ns - last_ns_);
  last_ns_ = now_ns;
}

double phi_detector::phi(std::int64_t now_ns) const {
  const double count = static_cast<double>(intervals_.size());
  const double mean = sum_ / count;
  const double variance = std::max(0.0, sum_of_squares_ / count - mean * mean);
  const double deviation =
      std::max(std::sqrt(variance), static_cast<double>(settings_.min_std_deviation_ns));
  const double expected = mean + static_cast<double>(settings_.acceptable_pause_ns);
  const double elapsed = static_cast<double>(std::max<std::int64_t>(0, now_ns - last_ns_));
  // The logistic approximation of the normal distribution's tail (Pekko's), which stays
  // finite far into the tail where 1 - cdf underflows.
  const double y = (elapsed - expected) / deviation;
  const double e = std::exp(-y * (1.5976 + 0.070566 * y * y));
  if (elapsed > expected) return -std::log10(e / (1.0 + e));
  return -std::log10(1.0 - 1.0 / (1.0 + e));
}

}  // namespace troupe::cluster
