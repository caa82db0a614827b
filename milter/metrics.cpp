// Metrics: fixed arrays of relaxed atomics, rendered in the Prometheus text format.
#include "milter/metrics.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "checks/registry.h"
#include "base/write_all.h"

namespace sm {

static_assert(std::atomic<std::uint64_t>::is_always_lock_free, "the hot path counts with lock-free atomics");

namespace {

constexpr std::array<Direction, 4> kDirectionOrder = {Direction::inbound, Direction::outbound, Direction::internal,
                                                       Direction::other};
constexpr std::array<FinalAction, 6> kActionOrder = {FinalAction::accept, FinalAction::annotate, FinalAction::fix,
                                                      FinalAction::hold,   FinalAction::reject,   FinalAction::tempfail};

std::size_t direction_index(Direction d) {
  for (std::size_t i = 0; i < kDirectionOrder.size(); ++i)
    if (kDirectionOrder[i] == d) return i;
  return kDirectionOrder.size() - 1;
}

std::size_t action_index(FinalAction a) {
  for (std::size_t i = 0; i < kActionOrder.size(); ++i)
    if (kActionOrder[i] == a) return i;
  return kActionOrder.size() - 1;
}

std::vector<std::string> registry_ids() {
  std::vector<std::string> ids;
  for (const auto& r : rule_registry()) ids.emplace_back(r->id());
  return ids;
}

// A number as Prometheus reads it: integers without exponent, others with enough digits.
std::string num(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  if (v == std::floor(v) && std::fabs(v) < 1e15) std::snprintf(buf, sizeof buf, "%.0f", v);
  else std::snprintf(buf, sizeof buf, "%.15g", v);
  return buf;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

}  // namespace

std::string prometheus_label(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

Metrics::Metrics() : Metrics(registry_ids()) {}

Metrics::Metrics(std::vector<std::string> rules) : rules_(std::move(rules)) {
  std::sort(rules_.begin(), rules_.end());
  rules_.erase(std::unique(rules_.begin(), rules_.end()), rules_.end());
  findings_ = std::make_unique<std::atomic<std::uint64_t>[]>(rules_.size());
  for (std::size_t i = 0; i < rules_.size(); ++i) findings_[i].store(0, std::memory_order_relaxed);
}

void Metrics::count_message(Direction d, FinalAction a) {
  messages_[direction_index(d) * kActions + action_index(a)].fetch_add(1, std::memory_order_relaxed);
}

void Metrics::count_finding(std::string_view rule) {
  auto it = std::lower_bound(rules_.begin(), rules_.end(), rule);
  if (it != rules_.end() && *it == rule)
    findings_[static_cast<std::size_t>(it - rules_.begin())].fetch_add(1, std::memory_order_relaxed);
  else
    findings_other_.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::observe_seconds(double seconds) {
  if (!(seconds >= 0)) seconds = 0;  // NaN and negatives count as zero
  std::size_t b = 0;
  while (b < kLatencyBuckets.size() && seconds > kLatencyBuckets[b]) ++b;
  buckets_[b].fetch_add(1, std::memory_order_relaxed);
  double ns = std::min(seconds * 1e9, 1e18);
  latency_sum_ns_.fetch_add(static_cast<std::uint64_t>(ns), std::memory_order_relaxed);
}

void Metrics::count_error() { errors_.fetch_add(1, std::memory_order_relaxed); }

void Metrics::record(const Verdict& v, double seconds) {
  count_message(v.direction.direction, v.action);
  for (const auto& f : v.findings)
    if (f.result == Result::fail) count_finding(f.rule);
  observe_seconds(seconds);
}

std::string Metrics::render(const MetricGauges& g) const {
  std::string out;
  out.reserve(4096);

  header(out, "support_milter_messages_total", "counter", "Messages judged, by direction and final action.");
  for (std::size_t d = 0; d < kDirections; ++d)
    for (std::size_t a = 0; a < kActions; ++a) {
      out += "support_milter_messages_total{direction=\"";
      out += to_string(kDirectionOrder[d]);
      out += "\",action=\"";
      out += to_string(kActionOrder[a]);
      out += "\"} ";
      out += std::to_string(messages_[d * kActions + a].load(std::memory_order_relaxed));
      out += '\n';
    }

  header(out, "support_milter_findings_total", "counter", "Failed rule checks, by rule.");
  for (std::size_t i = 0; i < rules_.size(); ++i) {
    out += "support_milter_findings_total{rule=\"" + prometheus_label(rules_[i]) + "\"} ";
    out += std::to_string(findings_[i].load(std::memory_order_relaxed));
    out += '\n';
  }
  if (auto other = findings_other_.load(std::memory_order_relaxed); other > 0)
    out += "support_milter_findings_total{rule=\"other\"} " + std::to_string(other) + "\n";

  header(out, "support_milter_processing_seconds", "histogram",
         "Time from end of message to verdict (parsing, store, rules).");
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b <= kLatencyBuckets.size(); ++b) {
    cumulative += buckets_[b].load(std::memory_order_relaxed);
    out += "support_milter_processing_seconds_bucket{le=\"";
    out += b < kLatencyBuckets.size() ? num(kLatencyBuckets[b]) : std::string("+Inf");
    out += "\"} " + std::to_string(cumulative) + "\n";
  }
  out += "support_milter_processing_seconds_sum " +
         num(static_cast<double>(latency_sum_ns_.load(std::memory_order_relaxed)) / 1e9) + "\n";
  // The count is the +Inf bucket: one figure, so the two can never disagree in one scrape.
  out += "support_milter_processing_seconds_count " + std::to_string(cumulative) + "\n";

  header(out, "support_milter_errors_total", "counter",
         "Messages that got the failure action because support-milter itself or its audit log failed.");
  out += "support_milter_errors_total " + std::to_string(errors_.load(std::memory_order_relaxed)) + "\n";

  if (g.waiting) {
    header(out, "support_milter_customers_waiting", "gauge", "Threads where a customer waits for an answer now.");
    out += "support_milter_customers_waiting " + std::to_string(g.waiting->threads) + "\n";
    header(out, "support_milter_oldest_wait_seconds", "gauge",
           "How long the customer who has waited longest has waited (0 when nobody waits).");
    double oldest = g.waiting->oldest ? std::max<double>(0, static_cast<double>(g.now - *g.waiting->oldest) / 1000.0) : 0;
    out += "support_milter_oldest_wait_seconds " + num(oldest) + "\n";
  }

  header(out, "process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds.");
  out += "process_start_time_seconds " + num(static_cast<double>(g.process_start) / 1000.0) + "\n";
  return out;
}

bool write_textfile(const std::string& path, const std::string& text, std::string* error) {
  const std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    *error = "metrics textfile " + tmp + ": " + std::strerror(errno);
    return false;
  }
  std::size_t done = 0;
  if (!write_all(fd, text, &done)) {
    *error = "metrics textfile " + tmp + ": " + (errno != 0 ? std::strerror(errno) : "nothing written");
    ::close(fd);
    ::unlink(tmp.c_str());
    return false;
  }
  if (::close(fd) != 0 || ::rename(tmp.c_str(), path.c_str()) != 0) {
    *error = "metrics textfile " + path + ": " + std::strerror(errno);
    ::unlink(tmp.c_str());
    return false;
  }
  return true;
}

}  // namespace sm
