// Operational log through Boost.Log: a syslog or stderr sink, severity filter, queue id and rule
// as record attributes.
#include "base/oplog.h"

// Debian builds Boost.Log with the native syslog(3) implementation; the header only offers it
// when told so.
#ifndef BOOST_LOG_USE_NATIVE_SYSLOG
#define BOOST_LOG_USE_NATIVE_SYSLOG
#endif

#include <boost/core/null_deleter.hpp>
#include <boost/log/attributes/attribute_value_impl.hpp>
#include <boost/log/attributes/value_extraction.hpp>
#include <boost/log/core.hpp>
#include <boost/log/expressions.hpp>
#include <boost/log/sinks/sync_frontend.hpp>
#include <boost/log/sinks/syslog_backend.hpp>
#include <boost/log/sinks/text_ostream_backend.hpp>
#include <boost/log/sources/record_ostream.hpp>
#include <boost/log/sources/severity_channel_logger.hpp>

#include <iostream>
#include <mutex>
#include <string>
#include <vector>

namespace sm {

namespace logging = boost::log;
namespace sinks = boost::log::sinks;
namespace expr = boost::log::expressions;

BOOST_LOG_ATTRIBUTE_KEYWORD(a_severity, "Severity", Severity)
BOOST_LOG_ATTRIBUTE_KEYWORD(a_channel, "Channel", std::string)
BOOST_LOG_ATTRIBUTE_KEYWORD(a_queue, "QueueId", std::string)
BOOST_LOG_ATTRIBUTE_KEYWORD(a_rule, "Rule", std::string)

namespace {

const char* severity_name(Severity s) {
  switch (s) {
    case Severity::debug: return "debug";
    case Severity::info: return "info";
    case Severity::warning: return "warning";
    case Severity::error: return "error";
  }
  return "info";
}

std::mutex g_mu;
boost::shared_ptr<sinks::basic_sink_frontend> g_sink;
std::string g_sink_kind;  // the target (and syslog facility) g_sink writes to
// Sinks taken out of the core when a reload changed the target or facility: another thread may
// still be writing a record through one, so they are kept, never destroyed (one per such change).
std::vector<boost::shared_ptr<sinks::basic_sink_frontend>> g_retired;
bool g_initialized = false;

logging::sources::severity_channel_logger_mt<Severity, std::string>& logger() {
  static logging::sources::severity_channel_logger_mt<Severity, std::string> lg(
      logging::keywords::channel = "op");
  return lg;
}

Severity parse_level(const std::string& level) {
  if (level == "debug") return Severity::debug;
  if (level == "warning") return Severity::warning;
  if (level == "error") return Severity::error;
  return Severity::info;
}

// "QUEUEID: rule: message", as Postfix-style tools expect queue ids first.
void format(logging::record_view const& rec, logging::formatting_ostream& out) {
  if (auto q = rec[a_queue]; q && !q->empty()) out << *q << ": ";
  if (auto r = rec[a_rule]; r && !r->empty()) out << *r << ": ";
  out << rec[expr::smessage];
}

void install(boost::shared_ptr<sinks::basic_sink_frontend> sink, std::string kind) {
  auto core = logging::core::get();
  if (g_sink) {
    core->remove_sink(g_sink);
    g_retired.push_back(g_sink);
  }
  g_sink = std::move(sink);
  g_sink_kind = std::move(kind);
  core->add_sink(g_sink);
}

void init_locked(const std::string& target, const std::string& level, const std::string& facility) {
  Severity min = parse_level(level);
  auto filter = a_channel == "op" && a_severity >= min;
  // A reload to the same target only changes the level: the sink stays, threads that log keep it.
  const std::string kind = target == "syslog" ? target + "/" + facility : target;
  if (g_sink && kind == g_sink_kind) {
    g_sink->set_filter(filter);
    g_initialized = true;
    return;
  }
  if (target == "syslog") {
    sinks::syslog::facility fac = sinks::syslog::mail;
    if (facility == "daemon") fac = sinks::syslog::daemon;
    if (facility.starts_with("local") && facility.size() == 6) {
      static const sinks::syslog::facility locals[] = {
          sinks::syslog::local0, sinks::syslog::local1, sinks::syslog::local2, sinks::syslog::local3,
          sinks::syslog::local4, sinks::syslog::local5, sinks::syslog::local6, sinks::syslog::local7};
      fac = locals[facility[5] - '0'];
    }
    auto backend = boost::make_shared<sinks::syslog_backend>(
        logging::keywords::facility = fac, logging::keywords::use_impl = sinks::syslog::impl_types::native,
        logging::keywords::ident = "support-milter");
    sinks::syslog::custom_severity_mapping<Severity> mapping("Severity");
    mapping[Severity::debug] = sinks::syslog::debug;
    mapping[Severity::info] = sinks::syslog::info;
    mapping[Severity::warning] = sinks::syslog::warning;
    mapping[Severity::error] = sinks::syslog::error;
    backend->set_severity_mapper(mapping);
    auto sink = boost::make_shared<sinks::synchronous_sink<sinks::syslog_backend>>(backend);
    sink->set_filter(filter);
    sink->set_formatter(&format);
    install(sink, kind);
  } else {
    auto backend = boost::make_shared<sinks::text_ostream_backend>();
    backend->add_stream(boost::shared_ptr<std::ostream>(&std::clog, boost::null_deleter()));
    backend->auto_flush(true);
    auto sink = boost::make_shared<sinks::synchronous_sink<sinks::text_ostream_backend>>(backend);
    sink->set_filter(filter);
    sink->set_formatter([](logging::record_view const& rec, logging::formatting_ostream& out) {
      out << "support-milter: ";
      if (auto s = rec[a_severity]) out << severity_name(*s) << ": ";
      format(rec, out);
    });
    install(sink, kind);
  }
  g_initialized = true;
}

}  // namespace

void init_oplog(const std::string& target, const std::string& level, const std::string& facility) {
  std::lock_guard lock(g_mu);
  init_locked(target, level, facility);
}

void oplog(Severity s, std::string_view message, std::string_view queue_id, std::string_view rule) {
  {
    std::lock_guard lock(g_mu);
    if (!g_initialized) init_locked("stderr", "warning", "mail");
  }
  // The record's attributes set directly: a record stream would set up an ostream and its
  // locale for every line, which costs more than the line.
  auto& lg = logger();
  logging::record rec = lg.open_record(logging::keywords::severity = s);
  if (!rec) return;
  auto& values = rec.attribute_values();
  values.insert("QueueId", logging::attributes::make_attribute_value(std::string(queue_id)));
  values.insert("Rule", logging::attributes::make_attribute_value(std::string(rule)));
  values.insert("Message", logging::attributes::make_attribute_value(std::string(message)));
  lg.push_record(std::move(rec));
}

}  // namespace sm
