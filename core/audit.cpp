// Audit log sink: a Boost.Log text file backend of its own (its own channel, so operational logs
// never mix in), appending, flushed after every record.
#include "core/audit.h"

#include <boost/core/null_deleter.hpp>
#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/sinks/text_file_backend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/log/sources/channel_logger.hpp>
#include <boost/log/sources/record_ostream.hpp>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <mutex>

#include "core/oplog.h"
#include "message/datetime.h"

namespace sm {

namespace logging = boost::log;
namespace sinks = boost::log::sinks;
namespace expr = boost::log::expressions;

struct AuditLog::Impl {
  std::string path;
  std::string channel;
  boost::shared_ptr<sinks::sink> sink;
  logging::sources::channel_logger_mt<std::string> logger;
  std::mutex mu;

  Impl(std::string p, std::string ch) : path(std::move(p)), channel(ch), logger(logging::keywords::channel = ch) {}
};

namespace {
std::atomic<unsigned> g_audit_count{0};

std::string escape_percent(const std::string& s) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '%') out += '%';
  }
  return out;
}
}  // namespace

AuditLog::AuditLog(const std::string& path)
    : impl_(std::make_unique<Impl>(path, "audit-" + std::to_string(g_audit_count++))) {
  const auto channel = impl_->channel;
  if (path == "-") {
    auto backend = boost::make_shared<sinks::text_ostream_backend>();
    backend->add_stream(boost::shared_ptr<std::ostream>(&std::cout, boost::null_deleter()));
    backend->auto_flush(true);
    auto sink = boost::make_shared<sinks::synchronous_sink<sinks::text_ostream_backend>>(backend);
    sink->set_filter(expr::attr<std::string>("Channel") == channel);
    sink->set_formatter(expr::stream << expr::smessage);
    impl_->sink = sink;
  } else {
    {
      // Fail early and clearly when the file cannot be opened for appending.
      std::ofstream probe(path, std::ios::app);
      if (!probe) throw std::runtime_error("audit log " + path + ": cannot open for appending: " + std::strerror(errno));
    }
    auto backend = boost::make_shared<sinks::text_file_backend>(
        logging::keywords::file_name = escape_percent(path),
        logging::keywords::open_mode = std::ios_base::out | std::ios_base::app);
    backend->auto_flush(true);
    auto sink = boost::make_shared<sinks::synchronous_sink<sinks::text_file_backend>>(backend);
    sink->set_filter(expr::attr<std::string>("Channel") == channel);
    sink->set_formatter(expr::stream << expr::smessage);
    impl_->sink = sink;
  }
  logging::core::get()->add_sink(impl_->sink);
}

AuditLog::~AuditLog() {
  if (impl_ && impl_->sink) {
    impl_->sink->flush();
    logging::core::get()->remove_sink(impl_->sink);
  }
}

const std::string& AuditLog::path() const { return impl_->path; }

bool AuditLog::write(const std::string& event, nlohmann::json record) {
  try {
    nlohmann::json line = {{"time", format_rfc3339_ms(now_ms())}, {"event", event}};
    for (auto& [k, val] : record.items()) line[k] = std::move(val);
    // ordered_json would keep insertion order; plain json sorts keys, which auditors' tools
    // handle equally well. Replace invalid UTF-8 instead of throwing.
    std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    std::lock_guard lock(impl_->mu);
    BOOST_LOG(impl_->logger) << text;
    return true;
  } catch (const std::exception& e) {
    oplog(Severity::error, std::string("audit log ") + impl_->path + ": write failed: " + e.what());
    return false;
  }
}

}  // namespace sm
