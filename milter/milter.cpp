// libmilter callbacks. Per-connection state lives only behind smfi_setpriv (callbacks of one
// connection may run on different worker threads). Every modification happens in eom.
#include "milter/milter.h"

#include <arpa/inet.h>
#include <libmilter/mfapi.h>
#include <libmilter/mfdef.h>
#include <netinet/in.h>
#include <strings.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <new>
#include <string>
#include <string_view>

#include "message/encoded_words.h"
#include "milter/notify.h"
#include "base/oplog.h"
#include "base/unicode.h"
#include "pipeline/agent_text.h"
#include "pipeline/pipeline.h"
#include "pipeline/transaction.h"
#include "message/headers.h"
#include "message/message.h"

namespace sm {

namespace {

MilterRuntime* g_rt = nullptr;

struct Connection {
  std::string client_addr;
  std::string daemon_name;  // read at connect: at eom it is cleanup's, not smtpd's

  // The current message.
  bool in_message = false;
  std::shared_ptr<const Config> cfg;
  Envelope env;
  std::string raw;           // header block + body, up to the scan limit
  std::size_t body_seen = 0;
  bool truncated = false;
  std::size_t size_hint = 0;  // the message's size as the client announced it (ESMTP SIZE=), 0: none

  // Protocol steps the MTA does not wait on (negotiated): an error in one of them is kept here
  // and answered at end of message.
  unsigned long no_reply = 0;
  std::string deferred_error;
  std::string deferred_where;

  void reset_message() {
    if (in_message) g_rt->in_flight.fetch_sub(1);
    in_message = false;
    cfg.reset();
    env = Envelope{};
    env.client_addr = client_addr;
    env.daemon_name = daemon_name;
    raw.clear();
    body_seen = 0;
    truncated = false;
    size_hint = 0;
    deferred_error.clear();
    deferred_where.clear();
  }
};

Connection* conn(SMFICTX* ctx) { return static_cast<Connection*>(smfi_getpriv(ctx)); }

// The size of an ESMTP "SIZE=n" parameter of MAIL FROM (RFC 1870); 0 for any other parameter
// or a value that is not a plain number.
std::size_t esmtp_size(std::string_view param) {
  if (param.size() < 6 || strncasecmp(param.data(), "SIZE=", 5) != 0) return 0;
  std::size_t n = 0;
  const char* end = param.data() + param.size();
  auto [at, ec] = std::from_chars(param.data() + 5, end, n);
  return ec == std::errc() && at == end ? n : 0;
}

std::string symval(SMFICTX* ctx, const char* name) {
  const char* v = smfi_getsymval(ctx, const_cast<char*>(name));
  return v != nullptr ? std::string(v) : std::string();
}

// The failure action for an error inside a callback.
sfsistat fail_status(SMFICTX* ctx, const char* where, const std::string& what) {
  std::shared_ptr<const Config> cfg = g_rt->config.load();
  FailAction a = cfg ? cfg->milter.on_internal_error : FailAction::tempfail;
  std::string qid = symval(ctx, "i");
  oplog(Severity::error, std::string(where) + ": " + what, qid);
  if (g_rt->metrics != nullptr) g_rt->metrics->count_error();
  if (g_rt->audit != nullptr) {
    write_audit_record(*g_rt->audit,
                       ErrorRecord{qid, where, sanitize_text(what), a == FailAction::accept ? "accept" : "tempfail"});
  }
  if (a == FailAction::accept) return SMFIS_ACCEPT;
  smfi_setreply(ctx, const_cast<char*>("451"), const_cast<char*>("4.3.0"),
                const_cast<char*>("support-milter: temporary failure, try again later"));
  return SMFIS_TEMPFAIL;
}

template <typename F>
sfsistat guarded(SMFICTX* ctx, const char* where, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return fail_status(ctx, where, e.what());
  } catch (...) {
    return fail_status(ctx, where, "unknown error");
  }
}

// A step the MTA may not wait on: answered with NOREPLY when that was negotiated; an error is
// then kept for end of message instead of answered now.
template <typename F>
sfsistat quiet(SMFICTX* ctx, const char* where, unsigned long nr_flag, F&& f) {
  Connection* c = conn(ctx);
  const bool no_reply = c != nullptr && (c->no_reply & nr_flag) != 0;
  if (!no_reply) return guarded(ctx, where, std::forward<F>(f));
  try {
    f();
  } catch (const std::exception& e) {
    if (c->deferred_error.empty()) c->deferred_error = e.what(), c->deferred_where = where;
  } catch (...) {
    if (c->deferred_error.empty()) c->deferred_error = "unknown error", c->deferred_where = where;
  }
  return SMFIS_NOREPLY;
}

// Every header, every body chunk and every recipient is a round trip unless the MTA is told not
// to wait for the answer: Postfix (milter protocol 6) then streams them. Only end of message is
// answered; the steps the milter has no use for are not sent at all.
constexpr unsigned long kNoReplySteps = SMFIP_NR_HELO | SMFIP_NR_RCPT | SMFIP_NR_HDR | SMFIP_NR_EOH | SMFIP_NR_BODY;
constexpr unsigned long kUnusedSteps = SMFIP_NOUNKNOWN | SMFIP_NODATA;
constexpr unsigned long kActions = SMFIF_ADDHDRS | SMFIF_CHGHDRS | SMFIF_ADDRCPT | SMFIF_QUARANTINE;

sfsistat on_negotiate(SMFICTX* ctx, unsigned long f0, unsigned long f1, unsigned long /*f2*/, unsigned long /*f3*/,
                      unsigned long* pf0, unsigned long* pf1, unsigned long* pf2, unsigned long* pf3) {
  auto* c = new Connection;
  smfi_setpriv(ctx, c);
  *pf0 = kActions & f0;
  *pf1 = f1 & (kNoReplySteps | kUnusedSteps);
  *pf2 = 0;
  *pf3 = 0;
  c->no_reply = *pf1 & kNoReplySteps;
  return SMFIS_CONTINUE;
}

std::string address_of(_SOCK_ADDR* sa) {
  if (sa == nullptr) return {};
  char buf[INET6_ADDRSTRLEN] = {0};
  if (sa->sa_family == AF_INET) {
    inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(sa)->sin_addr, buf, sizeof buf);
  } else if (sa->sa_family == AF_INET6) {
    inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(sa)->sin6_addr, buf, sizeof buf);
  }
  return buf;
}

sfsistat on_connect(SMFICTX* ctx, char* /*host*/, _SOCK_ADDR* addr) {
  return guarded(ctx, "connect", [&] {
    Connection* c = conn(ctx);  // made at negotiation
    if (c == nullptr) {
      c = new Connection;
      smfi_setpriv(ctx, c);
    }
    c->client_addr = address_of(addr);
    c->daemon_name = symval(ctx, "{daemon_name}");
    return SMFIS_CONTINUE;
  });
}

sfsistat on_helo(SMFICTX* ctx, char* /*name*/) {
  return quiet(ctx, "helo", SMFIP_NR_HELO, [] { return SMFIS_CONTINUE; });
}

sfsistat on_envfrom(SMFICTX* ctx, char** argv) {
  return guarded(ctx, "mail from", [&] {
    Connection* c = conn(ctx);
    if (c == nullptr) {
      c = new Connection;
      smfi_setpriv(ctx, c);
    }
    c->reset_message();
    // Counted first, then the stop checked: the stopping thread sets the flag before it waits for
    // the count to reach zero, so a message either is waited for or is told to come back.
    g_rt->in_flight.fetch_add(1);
    if (g_rt->stopping.load()) {
      // Also on a connection the MTA opened before the stop: only messages already in flight finish.
      g_rt->in_flight.fetch_sub(1);
      oplog(Severity::debug, "stopping: a new message answered 451 4.3.2");
      smfi_setreply(ctx, const_cast<char*>("451"), const_cast<char*>("4.3.2"),
                    const_cast<char*>("support-milter: restarting, try again later"));
      return SMFIS_TEMPFAIL;
    }
    c->in_message = true;
    c->cfg = g_rt->config.load();
    c->env.mail_from = argv != nullptr && argv[0] != nullptr ? argv[0] : "";
    if (argv != nullptr && argv[0] != nullptr)
      for (char** a = argv + 1; *a != nullptr; ++a) c->size_hint = std::max(c->size_hint, esmtp_size(*a));
    c->env.auth_user = symval(ctx, "{auth_authen}");
    return SMFIS_CONTINUE;
  });
}

sfsistat on_envrcpt(SMFICTX* ctx, char** argv) {
  return quiet(ctx, "rcpt to", SMFIP_NR_RCPT, [&] {
    Connection* c = conn(ctx);
    if (c != nullptr && argv != nullptr && argv[0] != nullptr && c->env.rcpt_to.size() < 1000)
      c->env.rcpt_to.emplace_back(argv[0]);
    return SMFIS_CONTINUE;
  });
}

sfsistat on_header(SMFICTX* ctx, char* name, char* value) {
  return quiet(ctx, "header", SMFIP_NR_HDR, [&] {
    Connection* c = conn(ctx);
    if (c == nullptr || !c->in_message) return SMFIS_CONTINUE;
    std::size_t limit = c->cfg->limits.max_header_bytes;
    if (c->raw.size() >= limit) {
      c->truncated = true;
      return SMFIS_CONTINUE;
    }
    c->raw.append(name != nullptr ? name : "");
    c->raw.append(": ");
    // Postfix hands folded values with bare LF; the parser accepts any line end.
    c->raw.append(value != nullptr ? value : "");
    c->raw.append("\r\n");
    return SMFIS_CONTINUE;
  });
}

sfsistat on_eoh(SMFICTX* ctx) {
  return quiet(ctx, "end of headers", SMFIP_NR_EOH, [&] {
    Connection* c = conn(ctx);
    if (c != nullptr && c->in_message) {
      c->raw.append("\r\n");
      // Room for the body the client announced, up to the scan limit, at once: the buffer is not
      // copied as it grows, and only the pages the body fills are touched. Only a hint: without
      // the room the buffer grows as the body comes.
      if (c->size_hint > 0) {
        try {
          c->raw.reserve(std::min(c->cfg->limits.max_scan_bytes, c->raw.size() + c->size_hint));
        } catch (const std::bad_alloc&) {
        }
      }
    }
    return SMFIS_CONTINUE;
  });
}

sfsistat on_body(SMFICTX* ctx, unsigned char* chunk, size_t len) {
  return quiet(ctx, "body", SMFIP_NR_BODY, [&] {
    Connection* c = conn(ctx);
    if (c == nullptr || !c->in_message) return SMFIS_CONTINUE;
    c->body_seen += len;
    std::size_t limit = c->cfg->limits.max_scan_bytes;
    if (c->raw.size() < limit) {
      std::size_t take = std::min(len, limit - c->raw.size());
      c->raw.append(reinterpret_cast<const char*>(chunk), take);
      if (take < len) c->truncated = true;
    } else {
      c->truncated = true;
    }
    return SMFIS_CONTINUE;
  });
}

void apply(SMFICTX* ctx, const Verdict& v, const std::string& qid) {
  for (const auto& m : v.modifications) {
    int rc = MI_SUCCESS;
    std::string what;
    switch (m.kind) {
      case Modification::Kind::add_header: {
        std::string value = encode_header_value(m.name, m.value);
        rc = smfi_addheader(ctx, const_cast<char*>(m.name.c_str()), value.data());
        what = "add header " + m.name;
        break;
      }
      case Modification::Kind::change_header: {
        std::string value = iequals(m.name, "Cc") || iequals(m.name, "To")
                                ? encode_address_list(m.name, m.value)
                                : encode_header_value(m.name, m.value);
        rc = smfi_chgheader(ctx, const_cast<char*>(m.name.c_str()), m.index, value.data());
        what = "change header " + m.name;
        break;
      }
      case Modification::Kind::add_recipient: {
        std::string rcpt = "<" + sanitize_text(m.value, 320) + ">";
        rc = smfi_addrcpt(ctx, rcpt.data());
        what = "add recipient " + rcpt;
        break;
      }
    }
    if (rc != MI_SUCCESS) oplog(Severity::warning, what + ": refused by the MTA", qid);
  }
  if (v.action == FinalAction::hold) {
    std::string reason = v.quarantine_reason.empty() ? "support-milter" : v.quarantine_reason;
    if (smfi_quarantine(ctx, reason.data()) != MI_SUCCESS)
      oplog(Severity::warning, "quarantine refused by the MTA", qid);
  }
}

// Tells each failing rule's notify address (for the rules that held or rejected the message).
void notify(const Config& cfg, const Message& msg, const Envelope& env, const Verdict& v) {
  const Action level = v.action == FinalAction::hold ? Action::hold : Action::reject;
  for (const auto& f : v.findings) {
    if (f.result != Result::fail || f.action != level) continue;
    const std::string& to = cfg.rule(f.rule).notify;
    if (to.empty()) continue;
    Notice n;
    n.to = to;
    n.subject = std::string("support-milter ") + (level == Action::hold ? "held" : "rejected") +
                " a message: " + f.rule;
    const HoldWording hold = hold_wording(resolve_mta_kind(cfg.mta.kind), cfg.path, env.queue_id);
    n.body = (level == Action::hold ? "Held in " + hold.where : std::string("Rejected")) + " by rule " +
             f.rule + ".\n\nQueue ID: " + env.queue_id + "\nMessage-ID: " + msg.message_id +
             "\nFrom: " + (msg.from.empty() ? std::string() : msg.from.front().address()) +
             "\nSubject: " + msg.subject + "\nFinding: " + written_detail(f, judged_text(msg, v)) + "\n";
    if (level == Action::hold)
      n.body += "\nRelease with: " + hold.release + "\nDiscard with: " + hold.discard + "\n";
    send_notice(cfg.notify.command, cfg.notify.from, n);
  }
}

sfsistat on_eom(SMFICTX* ctx) {
  return guarded(ctx, "end of message", [&]() -> sfsistat {
    Connection* c = conn(ctx);
    if (c == nullptr || !c->in_message) return SMFIS_CONTINUE;
    if (!c->deferred_error.empty()) {
      std::string where = c->deferred_where, what = c->deferred_error;
      c->reset_message();
      return fail_status(ctx, where.c_str(), what);
    }
    const Config& cfg = *c->cfg;
    c->env.queue_id = symval(ctx, "i");
    const std::string qid = c->env.queue_id;
    const auto started = std::chrono::steady_clock::now();

    Message msg = c->truncated ? parse_message_start(c->raw, cfg.limits) : parse_message(c->raw, cfg.limits);
    Transaction t = run_message(g_rt->store, g_rt->audit, msg, c->env, now_ms(), cfg, started);
    Verdict& v = t.verdict;
    const double seconds = t.seconds;
    for (const auto& e : t.errors) oplog(Severity::error, e, qid);
    if (t.audit_failed && g_rt->metrics != nullptr) g_rt->metrics->count_error();
    if (g_rt->metrics != nullptr) g_rt->metrics->record(v, seconds);
    oplog(Severity::info,
          std::string("direction=") + to_string(v.direction.direction) + " thread=" + v.thread_id +
              " action=" + to_string(v.action) + (v.observe ? std::string(" would=") + to_string(v.would) : ""),
          qid);
    // One line per failing rule, the rule id as the record's Rule attribute ("QUEUEID: rule: ..."),
    // quoting what it found in the reply's words as written.
    for (const auto& f : v.findings)
      if (f.result == Result::fail)
        oplog(Severity::info, std::string(to_string(f.action)) + ": " + written_detail(f, judged_text(msg, v)), qid,
              f.rule);

    if (v.action == FinalAction::hold || v.action == FinalAction::reject) {
      notify(cfg, msg, c->env, v);
      for (const auto& n : agent_notices(cfg, msg, c->env, v, now_ms())) send_notice(cfg.notify.command, cfg.notify.from, n);
    }

    sfsistat status = SMFIS_CONTINUE;
    switch (v.action) {
      case FinalAction::tempfail:
        smfi_setreply(ctx, const_cast<char*>("451"), const_cast<char*>("4.3.0"),
                      const_cast<char*>("support-milter: temporary failure, try again later"));
        status = SMFIS_TEMPFAIL;
        break;
      case FinalAction::reject: {
        // An SMTP reply is US-ASCII (Sendmail strips the eighth bit of anything else): the text
        // in the agent's language, transliterated; the audit record keeps it as written. libmilter
        // reads '%' in reply text as a format escape.
        std::string text;
        for (char ch : ascii_transliteration(v.reply_text)) text += ch == '%' ? std::string("%%") : std::string(1, ch);
        smfi_setreply(ctx, const_cast<char*>(v.reply_code.c_str()), const_cast<char*>(v.reply_xcode.c_str()),
                      text.data());
        status = SMFIS_REJECT;
        break;
      }
      default:
        apply(ctx, v, qid);
        status = SMFIS_CONTINUE;
    }
    c->reset_message();
    return status;
  });
}

sfsistat on_abort(SMFICTX* ctx) {
  return guarded(ctx, "abort", [&] {
    if (Connection* c = conn(ctx)) c->reset_message();
    return SMFIS_CONTINUE;
  });
}

sfsistat on_close(SMFICTX* ctx) {
  Connection* c = conn(ctx);
  if (c != nullptr) {
    c->reset_message();
    delete c;
  }
  smfi_setpriv(ctx, nullptr);
  return SMFIS_CONTINUE;
}

}  // namespace

bool register_milter(MilterRuntime* runtime) {
  g_rt = runtime;
  // Every callback, in the order of libmilter's struct.
  static smfiDesc desc{.xxfi_name = const_cast<char*>("support-milter"), .xxfi_version = SMFI_VERSION,
                       .xxfi_flags = kActions, .xxfi_connect = on_connect, .xxfi_helo = on_helo,
                       .xxfi_envfrom = on_envfrom, .xxfi_envrcpt = on_envrcpt, .xxfi_header = on_header,
                       .xxfi_eoh = on_eoh, .xxfi_body = on_body, .xxfi_eom = on_eom, .xxfi_abort = on_abort,
                       .xxfi_close = on_close, .xxfi_unknown = nullptr, .xxfi_data = nullptr,
                       .xxfi_negotiate = on_negotiate};
  return smfi_register(desc) == MI_SUCCESS;
}

}  // namespace sm
