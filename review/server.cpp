// `support-milter review` (review/server.h): the routes, who is logged in, and the actions.
//
//   GET  /login, POST /login       the form (a pre-session cookie and its token); a good password
//                                  with both opens a session (cookie)
//   POST /logout                   closes it (CSRF token)
//   GET  /                         the held replies, longest wait first
//   GET  /held/ID                  one reply: its text with the evidence marked, the message it
//                                  answers, the clock, and (for leads) the forms that act
//   POST /held/ID/release|discard|send-back   a lead's decision with a reason (CSRF token)
//   GET  /report[?by=agent|day|week]           the audit log's report (tools/report.h), as HTML
#include "review/server.h"

#include <httplib.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>

#include <cerrno>
#include <ctime>
#include <iostream>
#include <mutex>
#include <sstream>
#include <thread>

#include "audit/sodium_init.h"
#include "base/strings.h"
#include "config/config.h"
#include "config/file_trust.h"
#include "message/message.h"
#include "milter/notify.h"
#include "pipeline/agent_text.h"
#include "sla/clock.h"
#include "store/thread_store.h"
#include "tools/mta_process.h"
#include "tools/report.h"
#include "review/auth.h"
#include "review/page.h"

namespace sm {

std::string cookie_value(const std::string& header, const std::string& name) {
  std::string_view rest = header;
  while (!rest.empty()) {
    auto semi = rest.find(';');
    std::string_view part = trim(rest.substr(0, semi));
    rest = semi == std::string_view::npos ? std::string_view() : rest.substr(semi + 1);
    auto eq = part.find('=');
    if (eq != std::string_view::npos && part.substr(0, eq) == name) return std::string(part.substr(eq + 1));
  }
  return "";
}

std::string session_cookie(const std::string& token, long max_age_s, bool secure) {
  return "sm_review=" + token + "; Path=/; Max-Age=" + std::to_string(token.empty() ? 0 : max_age_s) +
         "; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
}

std::string login_cookie(const std::string& value, long max_age_s, bool secure) {
  return "sm_login=" + value + "; Path=/login; Max-Age=" + std::to_string(value.empty() ? 0 : max_age_s) +
         "; HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "");
}

bool loopback_peer(const std::string& a) {
  return a == "::1" || a.starts_with("127.") || a.starts_with("::ffff:127.");
}

namespace {

// The CSP source list that lets exactly the inline scripts of `html` run: 'sha256-BASE64' of each.
std::string inline_script_hashes(const std::string& html) {
  ensure_sodium();
  std::string out;
  for (std::size_t at = html.find("<script>"); at != std::string::npos; at = html.find("<script>", at)) {
    at += 8;
    const std::size_t end = html.find("</script>", at);
    if (end == std::string::npos) break;
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, reinterpret_cast<const unsigned char*>(html.data() + at), end - at);
    char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_ORIGINAL);
    out += std::string(out.empty() ? "" : " ") + "'sha256-" + b64 + "'";
    at = end;
  }
  return out.empty() ? "'none'" : out;
}

constexpr const char* kCommand = "review";
constexpr int kMaxFailures = 5;            // failed logins per peer or user ...
constexpr std::int64_t kFailureWindow = 900;  // ... within 15 minutes
constexpr std::int64_t kLoginFormLifetime = 900;  // a login form is good for 15 minutes

std::int64_t now_s() { return static_cast<std::int64_t>(std::time(nullptr)); }

struct Viewer {
  ReviewViewer view;
  ReviewSession session;
};

class ReviewServer {
 public:
  ReviewServer(ReviewOptions opts, std::shared_ptr<const Config> cfg)
      : opts_(std::move(opts)),
        cfg_(std::move(cfg)),
        sessions_(static_cast<std::int64_t>(cfg_->review.session_minutes) * 60),
        limiter_(kMaxFailures, kFailureWindow),
        forms_(kLoginFormLifetime) {}

  void routes(httplib::Server& svr) {
    svr.set_payload_max_length(64 * 1024);
    svr.set_post_routing_handler([](const httplib::Request&, httplib::Response& res) {
      // Nothing loads from elsewhere, nothing frames the page, nothing is cached.
      if (!res.has_header("Content-Security-Policy"))
        res.set_header("Content-Security-Policy", std::string(kPolicy) + "'none'");
      res.set_header("X-Content-Type-Options", "nosniff");
      res.set_header("Referrer-Policy", "no-referrer");
      res.set_header("Cache-Control", "no-store");
    });
    svr.Get("/login", [this](const httplib::Request& req, httplib::Response& res) { login_form(req, res, 200, ""); });
    svr.Post("/login", [this](const httplib::Request& req, httplib::Response& res) { login(req, res); });
    svr.Post("/logout", [this](const httplib::Request& req, httplib::Response& res) {
      auto v = viewer(req, res);
      if (!v) return refuse(res, 403, "Not logged in.", nullptr);
      if (!csrf_ok(v->session, req.get_param_value("csrf"))) return refuse(res, 403, kCsrfRefused, &v->view);
      sessions_.close(cookie_value(req.get_header_value("Cookie"), "sm_review"));
      res.set_header("Set-Cookie", session_cookie("", 0, cfg_->review.secure_cookie));
      res.set_redirect("/login", 303);
    });
    svr.Get("/", [this](const httplib::Request& req, httplib::Response& res) {
      auto v = viewer(req, res);
      if (!v) return res.set_redirect("/login", 303);
      std::vector<ReviewItem> items;
      HeldQueue q;
      if (!read_items(&q, &items)) return refuse(res, 503, kMtaUnavailable, &v->view);
      html(res, 200, review_list_html(items, v->view, notice_text(req.get_param_value("done"))));
    });
    svr.Get(R"(/held/([0-9A-Za-z]{5,32}))", [this](const httplib::Request& req, httplib::Response& res) {
      auto v = viewer(req, res);
      if (!v) return res.set_redirect("/login", 303);
      detail(req.matches[1], v->view, res);
    });
    svr.Post(R"(/held/([0-9A-Za-z]{5,32})/(release|discard|send-back))",
             [this](const httplib::Request& req, httplib::Response& res) { act(req, res); });
    svr.Get("/report", [this](const httplib::Request& req, httplib::Response& res) {
      auto v = viewer(req, res);
      if (!v) return res.set_redirect("/login", 303);
      report(req.get_param_value("by"), res);
    });
  }

 private:
  // The policy of every page but for its scripts ('none', or the report's own by their hashes).
  static constexpr const char* kPolicy =
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; "
      "base-uri 'none'; script-src ";
  static constexpr const char* kCsrfRefused =
      "Refused: the form carried no valid token. Open the page again and repeat the action.";
  static constexpr const char* kLoginFormRefused =
      "Refused: the login form carried no valid token (it is good for 15 minutes, in this browser, from this "
      "page). Log in again with the form below.";
  static constexpr const char* kMtaUnavailable = "The MTA's queue cannot be read now; the server's log says why.";

  static void html(httplib::Response& res, int status, const std::string& body) {
    res.status = status;
    res.set_content(body, "text/html; charset=utf-8");
  }
  static void refuse(httplib::Response& res, int status, const std::string& why, const ReviewViewer* v) {
    html(res, status, review_message_html("Refused", why, v));
  }

  static std::string notice_text(const std::string& done) {
    if (done == "release") return "Released: the reply is on its way to the customer.";
    if (done == "discard") return "Discarded: the reply was deleted.";
    if (done == "send-back") return "Sent back: the reply was deleted and its agent told.";
    return "";
  }

  // The users file now (it is read at each use, so a change needs no restart).
  bool users(std::vector<ReviewUser>* out) {
    std::string text, error;
    if (!read_trusted_file(cfg_->review.users_file, TrustedFile::config, "", &text, &error) ||
        !parse_review_users(text, out, &error)) {
      std::cerr << "support-milter review: users file " << cfg_->review.users_file << ": " << error << "\n";
      return false;
    }
    return true;
  }
  std::optional<ReviewUser> user(const std::string& name) {
    std::vector<ReviewUser> all;
    if (!users(&all)) return std::nullopt;
    for (auto& u : all)
      if (u.name == name) return u;
    return std::nullopt;
  }

  // Who is asking: the session of the cookie, or the user a proxy in front names (only from a
  // loopback peer, and only a user of the users file), who gets a session of their own. The
  // role is the users file's now: a user removed or made auditor loses what they had at once.
  std::optional<Viewer> viewer(const httplib::Request& req, httplib::Response& res) {
    const std::int64_t now = now_s();
    const std::string token = cookie_value(req.get_header_value("Cookie"), "sm_review");
    std::optional<ReviewSession> s = token.empty() ? std::nullopt : sessions_.find(token, now);
    const std::string& header = cfg_->review.proxy_user_header;
    if (!header.empty() && loopback_peer(req.remote_addr) && req.has_header(header.c_str())) {
      const std::string name = req.get_header_value(header.c_str());
      if (!s || s->user != name) {
        auto u = user(name);
        if (!u) return std::nullopt;
        const std::string fresh = sessions_.open(u->name, u->role, now);
        res.set_header("Set-Cookie", session_cookie(fresh, static_cast<long>(cfg_->review.session_minutes) * 60,
                                                    cfg_->review.secure_cookie));
        s = sessions_.find(fresh, now);
      }
    }
    if (!s) return std::nullopt;
    auto u = user(s->user);
    if (!u) {
      sessions_.close(token);
      return std::nullopt;
    }
    s->role = u->role;
    return Viewer{ReviewViewer{s->user, s->role, s->csrf}, *s};
  }

  // The login form with `error`: its token is the one of the request's pre-session while that
  // lasts, else of a new pre-session whose cookie goes with the page.
  void login_form(const httplib::Request& req, httplib::Response& res, int status, const std::string& error) {
    const std::int64_t now = now_s();
    std::string token = forms_.token_of(cookie_value(req.get_header_value("Cookie"), "sm_login"), now);
    if (token.empty()) {
      const LoginForms::Form f = forms_.open(now);
      res.set_header("Set-Cookie", login_cookie(f.cookie, static_cast<long>(forms_.lifetime_s()),
                                                cfg_->review.secure_cookie));
      token = f.token;
    }
    html(res, status, review_login_html(error, token));
  }

  void login(const httplib::Request& req, httplib::Response& res) {
    const std::int64_t now = now_s();
    const std::string name = req.get_param_value("user"), password = req.get_param_value("password");
    // Without the form's token and its pre-session, nothing is looked at or counted.
    if (!forms_.ok(cookie_value(req.get_header_value("Cookie"), "sm_login"), req.get_param_value("csrf"), now)) {
      std::cerr << "support-milter review: login of \"" << name << "\" from " << req.remote_addr
                << " refused: no valid login form token\n";
      return login_form(req, res, 403, kLoginFormRefused);
    }
    if (std::int64_t wait = limiter_.wait(req.remote_addr, name, now); wait > 0) {
      std::cerr << "support-milter review: login of \"" << name << "\" from " << req.remote_addr
                << " refused: too many failures\n";
      return login_form(req, res, 429, "Too many failed logins. Try again in " + format_wait(wait) + ".");
    }
    auto u = valid_review_user_name(name) ? user(name) : std::nullopt;
    bool ok = false;
    if (u) ok = check_review_password(u->hash, password);
    else spend_review_password_time(password);
    if (!ok) {
      limiter_.failed(req.remote_addr, name, now);
      std::cerr << "support-milter review: failed login of \"" << name << "\" from " << req.remote_addr << "\n";
      return login_form(req, res, 401, "Wrong user name or password.");
    }
    limiter_.succeeded(name);
    const std::string token = sessions_.open(u->name, u->role, now);
    res.set_header("Set-Cookie", login_cookie("", 0, cfg_->review.secure_cookie));
    res.set_header("Set-Cookie", session_cookie(token, static_cast<long>(cfg_->review.session_minutes) * 60,
                                                cfg_->review.secure_cookie));
    std::cerr << "support-milter review: " << u->name << " (" << to_string(u->role) << ") logged in from "
              << req.remote_addr << "\n";
    res.set_redirect("/", 303);
  }

  // The held replies with their clocks, longest wait first; false when the queue cannot be read.
  bool read_items(HeldQueue* q, std::vector<ReviewItem>* items) {
    if (open_held_queue(opts_.config_path, opts_.audit_path, opts_.postfix_dir, kCommand, q) != 0) return false;
    std::unique_ptr<ThreadStore> store;
    try {
      store = open_store(cfg_->store.url, StoreOptions{cfg_->store.pool_size, cfg_->store.timeout_ms, false, false});
    } catch (const std::exception& e) {
      std::cerr << "support-milter review: the thread store cannot be read, the waits are the replies': " << e.what()
                << "\n";
    }
    const SlaSettings sla = sla_settings(*cfg_);
    const TimeMs now = now_ms();
    for (auto& m : held_messages(q->queue, q->audit_path, kCommand)) {
      ReviewItem it;
      it.held = std::move(m);
      if (store && !it.held.thread_id.empty()) {
        try {
          if (auto t = store->get_thread(it.held.thread_id)) {
            it.subject = t->subject;
            if (!t->sla.empty()) it.waiting_since = ThreadSla::parse(t->sla).waiting_since;
          }
        } catch (const std::exception& e) {
          std::cerr << "support-milter review: thread " << it.held.thread_id << ": " << e.what() << "\n";
        }
      }
      if (it.waiting_since) {
        it.waiting_s = waited_seconds(*it.waiting_since, now);
        it.clock = it.waiting_s <= sla.target_s ? "within target"
                   : it.waiting_s <= sla.limit_s ? "over target"
                                                 : "past the limit";
      } else {
        it.waiting_s = now / 1000 - it.held.queue.arrival_time;
        it.clock = "no wait known";
      }
      items->push_back(std::move(it));
    }
    sort_by_wait(items);
    return true;
  }

  void detail(const std::string& queue_id, const ReviewViewer& v, httplib::Response& res) {
    std::vector<ReviewItem> items;
    HeldQueue q;
    if (!read_items(&q, &items)) return refuse(res, 503, kMtaUnavailable, &v);
    for (auto& it : items) {
      if (it.held.queue.queue_id != queue_id) continue;
      std::string bytes, text_error, new_text, quoted;
      std::lock_guard lock(mta_mu_);
      if (!q.mta->read_message(queue_id, &bytes)) {
        text_error = "The reply's text cannot be read from the MTA; the server's log says why.";
      } else {
        Message m = parse_message(bytes, cfg_->limits);
        new_text = m.quote.has_quote ? m.quote.new_text : m.body_text;
        quoted = m.quote.quoted;
        if (!m.subject.empty()) it.subject = m.subject;
      }
      return html(res, 200, review_detail_html(it, new_text, quoted, text_error, v, ""));
    }
    refuse(res, 404, queue_id + " is not held (released, discarded or never held).", &v);
  }

  void act(const httplib::Request& req, httplib::Response& res) {
    auto v = viewer(req, res);
    if (!v) return refuse(res, 403, "Not logged in.", nullptr);
    const std::string queue_id = req.matches[1], action = req.matches[2];
    if (!csrf_ok(v->session, req.get_param_value("csrf"))) {
      std::cerr << "support-milter review: " << action << " of " << queue_id << " by " << v->view.user
                << " refused: no valid CSRF token\n";
      return refuse(res, 403, kCsrfRefused, &v->view);
    }
    if (v->view.role != ReviewRole::lead) {
      std::cerr << "support-milter review: " << action << " of " << queue_id << " by " << v->view.user
                << " refused: an auditor\n";
      return refuse(res, 403, "Refused: auditors read; only leads release, discard or send back.", &v->view);
    }
    // One line of at most 1000 characters, as release and discard take it.
    std::string reason;
    for (char c : req.get_param_value("reason")) reason += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? ' ' : c;
    reason = std::string(trim(reason));
    if (reason.empty() || reason.size() > 1000)
      return refuse(res, 400, "A reason of 1 to 1000 characters is needed.", &v->view);

    std::lock_guard lock(mta_mu_);
    // What the audit log says of it, for the notice of a reply sent back.
    std::optional<ReviewItem> item;
    if (action == "send-back") {
      std::vector<ReviewItem> items;
      HeldQueue q;
      if (read_items(&q, &items))
        for (auto& it : items)
          if (it.held.queue.queue_id == queue_id) item = std::move(it);
      if (!item) return refuse(res, 404, queue_id + " is not held (released, discarded or never held).", &v->view);
    }
    QueueActionOptions qa;
    qa.postfix_dir = opts_.postfix_dir;
    qa.config_path = opts_.config_path;
    qa.audit_path = opts_.audit_path;
    qa.queue_id = queue_id;
    qa.by = v->view.user;
    qa.reason = action == "send-back" ? "sent back to the agent: " + reason : reason;
    qa.discard = action != "release";
    if (int code = run_queue_action(qa); code != 0) {
      std::cerr << "support-milter review: " << action << " of " << queue_id << " by " << v->view.user
                << " failed (exit " << code << ")\n";
      return refuse(res, 409,
                    "The " + action + " of " + queue_id + " did not happen (exit " + std::to_string(code) +
                        "): it may have been released or discarded meanwhile; the server's log says why.",
                    &v->view);
    }
    if (item) tell_agent(*item, reason, v->view.user);
    res.set_redirect("/?done=" + action, 303);
  }

  // The report of `support-milter report -c CONFIG AUDIT...` over the audit log and its rotated
  // files, as its HTML form; its sorting script is allowed by its hash, nothing else runs.
  void report(const std::string& by, httplib::Response& res) {
    ReportOptions ro;
    ro.target_s = cfg_->sla.target_s;
    ro.limit_s = cfg_->sla.limit_s;
    ro.time_zone = cfg_->sla.time_zone;
    ro.business_calendar = cfg_->sla.business_calendar;
    if (by == "agent" || by == "day" || by == "week") ro.by = by;
    const std::string audit = opts_.audit_path.empty() ? cfg_->audit.path : opts_.audit_path;
    // Written as it is made: the lists stay in the report's temporary files until the page takes them.
    std::ostringstream out;
    write_report_html(Report(audit_files_oldest_first(audit), ro), out);
    const std::string page = out.str();
    res.set_header("Content-Security-Policy", std::string(kPolicy) + inline_script_hashes(page));
    html(res, 200, page);
  }

  // The notice of a reply sent back, to its agent in the agent's language.
  void tell_agent(const ReviewItem& it, const std::string& comment, const std::string& lead) {
    const std::string& who = it.held.author.empty() ? it.held.queue.sender : it.held.author;
    const Address agent = parse_address(who);
    if (agent.ascii_domain.empty()) {
      std::cerr << "support-milter review: no agent address for " << it.held.queue.queue_id << "; nobody told\n";
      return;
    }
    const std::string lang = agent_language(*cfg_, agent, "");
    std::string rules;
    for (const auto& f : it.held.findings) rules += (rules.empty() ? "" : ", ") + f.rule;
    Notice n;
    n.to = agent.address();
    n.subject = agent_text(lang, "notice_sent_back_subject", {{"subject", it.subject}});
    n.body = agent_text(lang, "notice_sent_back_intro", {{"lead", lead}}) + "\n\n" + comment + "\n\n" +
             (rules.empty() ? "" : agent_text(lang, "notice_sent_back_rules", {{"rule_list", rules}}) + "\n\n") +
             agent_text(lang, "notice_sent_back_next");
    if (cfg_->notify.command.empty()) {
      std::cerr << "support-milter review: notify.command is empty; " << n.to << " was not told\n";
      return;
    }
    send_notice(cfg_->notify.command, cfg_->notify.from, n);
  }

  ReviewOptions opts_;
  std::shared_ptr<const Config> cfg_;
  ReviewSessions sessions_;
  LoginLimiter limiter_;
  LoginForms forms_;
  std::mutex mta_mu_;  // one action, or one reading of a message, at a time
};

}  // namespace

int run_review(const ReviewOptions& opts) {
  std::shared_ptr<const Config> cfg;
  try {
    cfg = load_config_in_force(opts.config_path);
  } catch (const std::exception& e) {
    std::cerr << "support-milter review: " << e.what() << "\n";
    return kConfig;
  }
  std::string host, error;
  unsigned port = 0;
  const std::string listen = opts.listen.empty() ? cfg->review.listen : opts.listen;
  if (!parse_loopback_listen(listen, &host, &port, &error)) {
    std::cerr << "support-milter review: --listen: " << error << "\n";
    return kUsage;
  }
  std::vector<ReviewUser> users;
  std::string text;
  if (!read_trusted_file(cfg->review.users_file, TrustedFile::config, "", &text, &error) ||
      !parse_review_users(text, &users, &error)) {
    std::cerr << "support-milter review: users file " << cfg->review.users_file << ": " << error
              << " (add a user with: support-milter review-user NAME --role lead)\n";
    return kConfig;
  }
  // TERM and INT stop the server: the thread that waits for them, the only one that receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  httplib::Server svr;
  ReviewServer server(opts, cfg);
  server.routes(svr);
  if (!svr.bind_to_port(host, static_cast<int>(port))) {
    std::cerr << "support-milter review: cannot listen on " << listen << "\n";
    return kUnavailable;
  }
  std::thread stopper([&] {
    // sigwaitinfo, not sigwait: the daemon's code in this binary takes sigwait over for libmilter.
    while (sigwaitinfo(&stop_signals, nullptr) < 0 && errno == EINTR) {
    }
    svr.stop();
  });
  std::cerr << "support-milter review: serving http://" << listen << "/ (" << users.size() << " users)\n";
  svr.listen_after_bind();
  // listen_after_bind returned without a signal: wake the waiting thread.
  pthread_kill(stopper.native_handle(), SIGTERM);
  stopper.join();
  stop_notices(std::chrono::seconds(10));
  std::cerr << "support-milter review: stopped\n";
  return 0;
}

}  // namespace sm
