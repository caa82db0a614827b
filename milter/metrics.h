// Counters for Prometheus: messages by direction and final action, failed findings per rule, a
// processing-time histogram, plus gauges read at scrape time (customers waiting, the oldest wait,
// process start). Counting is a handful of relaxed atomic increments on fixed arrays: no lock,
// no allocation on the milter's hot path. Rendering writes the Prometheus text format (0.0.4).
#pragma once
#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/pipeline.h"
#include "store/thread_store.h"

namespace sm {

// Upper bounds of the processing-time histogram, in seconds (+Inf is implied).
inline constexpr std::array<double, 12> kLatencyBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                           0.1,   0.25,   0.5,   1,    2.5,   5};

// What is read at scrape time rather than counted.
struct MetricGauges {
  TimeMs now = 0;
  TimeMs process_start = 0;
  std::optional<WaitingSummary> waiting;  // none: the store could not say
};

class Metrics {
 public:
  // `rules`: the rule ids findings are counted for (the registry's, by default).
  Metrics();
  explicit Metrics(std::vector<std::string> rules);
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // One message through the pipeline: its direction, final action, failed findings and time.
  void record(const Verdict& v, double seconds);
  // Pieces of record(), for tests and other callers.
  void count_message(Direction d, FinalAction a);
  void count_finding(std::string_view rule);
  void observe_seconds(double seconds);
  // A callback that failed before a verdict (the MTA got the configured failure action).
  void count_error();

  std::string render(const MetricGauges& g) const;

 private:
  static constexpr std::size_t kDirections = 4;  // inbound outbound internal other
  static constexpr std::size_t kActions = 6;     // accept annotate fix hold reject tempfail
  std::vector<std::string> rules_;               // sorted, fixed after construction
  std::array<std::atomic<std::uint64_t>, kDirections * kActions> messages_{};
  std::unique_ptr<std::atomic<std::uint64_t>[]> findings_;
  std::atomic<std::uint64_t> findings_other_{0};
  std::array<std::atomic<std::uint64_t>, kLatencyBuckets.size() + 1> buckets_{};  // not cumulative
  std::atomic<std::uint64_t> latency_sum_ns_{0};
  std::atomic<std::uint64_t> errors_{0};
};

// Prometheus label value escaping (backslash, double quote, line feed).
std::string prometheus_label(std::string_view v);

// Writes `text` to `path` through a temporary file and rename (node_exporter's textfile
// collector never sees half a file). Returns false and sets `error` on failure.
bool write_textfile(const std::string& path, const std::string& text, std::string* error);

}  // namespace sm
