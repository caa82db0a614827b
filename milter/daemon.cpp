// Daemon life cycle.
//
// Signals: SIGHUP, SIGTERM and SIGINT are blocked in every thread from the start and taken by our
// own thread with sigwaitinfo(). libmilter's smfi_main starts a thread of its own that sigwait()s
// for the same signals and treats SIGHUP as "stop"; to keep reload deterministic this file
// provides sigwait() for the process (only libmilter calls it), which parks that thread until the
// process ends. Stopping goes through smfi_stop() from our thread.
//
// Stop: from the signal on, every new message is answered "try again later" (451), also on the
// connections the MTA opened before it, while the messages in flight finish; one deadline,
// milter.drain_seconds from the signal, bounds the whole stop, however many connections stay
// open. Then smfi_stop() ends the accept loop (libmilter looks at it every 5 seconds). (libmilter
// stops serving its open sessions at smfi_stop(): a message still waiting for its end-of-message
// reply would be cut off and tempfailed by the MTA, so the drain comes first.)
//
// Start: a relative -c is made absolute before the daemon leaves its directory (a reload reads the
// same file); a start refused after the socket was made removes that socket.
#include "milter/daemon.h"

#include <fcntl.h>
#include <grp.h>
#include <libmilter/mfapi.h>
#include <pwd.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "audit/anchor.h"
#include "audit/audit_log.h"
#include "config/config.h"
#include "base/oplog.h"
#include "mta/hold_sweep.h"
#include "pipeline/sweeper.h"
#include "milter/metrics.h"
#include "milter/metrics_server.h"
#include "milter/milter.h"
#include "milter/notify.h"
#include "store/thread_store.h"

namespace {
std::mutex g_park_mu;
std::condition_variable g_park_cv;
}  // namespace

// libmilter's signal thread waits here instead of on the signals (see the file comment).
extern "C" int sigwait(const sigset_t* /*set*/, int* sig) {
  std::unique_lock lock(g_park_mu);
  g_park_cv.wait(lock, [] { return false; });
  *sig = 0;
  return 0;
}

namespace sm {

namespace {

sigset_t daemon_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  return set;
}

bool same_restart_keys(const Config& a, const Config& b, std::string* which) {
  if (a.store.url != b.store.url) *which = "store.url";
  else if (a.store.pool_size != b.store.pool_size) *which = "store.pool_size";
  else if (a.store.timeout_ms != b.store.timeout_ms) *which = "store.timeout_ms";
  else if (a.audit.path != b.audit.path) *which = "audit.path";
  else if (a.audit.seal_key_file != b.audit.seal_key_file) *which = "audit.seal_key_file";
  else if (a.audit.seal_epoch_seconds != b.audit.seal_epoch_seconds) *which = "audit.seal_epoch_seconds";
  else if (a.audit.anchor_key_file != b.audit.anchor_key_file) *which = "audit.anchor_key_file";
  else if (a.milter.socket != b.milter.socket) *which = "milter.socket";
  else if (a.milter.user != b.milter.user) *which = "milter.user";
  else if (a.metrics.listen != b.metrics.listen) *which = "metrics.listen";
  else if (a.metrics.textfile != b.metrics.textfile) *which = "metrics.textfile";
  else if (a.metrics.textfile_seconds != b.metrics.textfile_seconds) *which = "metrics.textfile_seconds";
  else return true;
  return false;
}

// Deletes stored messages past store.retention_days.
void prune_store(MilterRuntime* rt) {
  auto cfg = rt->config.load();
  try {
    auto pruned = rt->store->prune(now_ms() - static_cast<TimeMs>(cfg->store.retention_days) * 86400000);
    if (pruned > 0) oplog(Severity::info, "pruned " + std::to_string(pruned) + " messages past retention");
  } catch (const std::exception& e) {
    oplog(Severity::warning, std::string("prune: ") + e.what());
  }
}

// The SLA sweeper's turn: events for every thread that is due. Milters sharing a store take
// turns: the one holding the store's sweep lock sweeps, the others skip this round.
void sweep_store(MilterRuntime* rt) {
  auto cfg = rt->config.load();
  try {
    SweepLock lock(*rt->store);
    if (!lock) {
      oplog(Severity::debug, "sla sweep: another instance is sweeping; skipped");
      return;
    }
    sweep(*rt->store, now_ms(), sla_settings(*cfg), rt->audit, [&](const SlaEventRecord& rec) {
      if (cfg->sla.notify.empty()) return;
      const std::string& event = rec.sla.event;
      Notice n;
      n.to = cfg->sla.notify;
      n.subject = "support-milter " + event + ": " + rec.subject;
      n.body = "SLA event " + event + " in thread " + rec.thread_id + " (" + rec.subject + ").\n\n" +
               to_json(rec).dump(2) + "\n";
      send_notice(cfg->notify.command, cfg->notify.from, n);
    });
  } catch (const std::exception& e) {
    oplog(Severity::warning, std::string("sla sweep: ") + e.what());
  }
}

// Held mail that left the hold queue by other means than release and discard (mta/hold_sweep.h):
// settled with a record by "mta". Each instance looks at its own MTA, every sweep; a queue that
// cannot be read settles nothing this round and is logged.
void sweep_held(MilterRuntime* rt, HoldSweep* held) {
  if (rt->audit == nullptr) return;  // its records are where held messages are found and settled
  auto cfg = rt->config.load();
  try {
    auto mta = mta_of(*cfg, [](const std::string& problem) { oplog(Severity::warning, "held mail: " + problem); });
    HoldSweep::Context c;
    c.store = rt->store;
    c.mta = mta.get();
    c.audit_path = cfg->audit.path;
    c.instance = audit_instance(*cfg);
    struct passwd* pw = ::getpwuid(::geteuid());
    c.user = pw != nullptr ? pw->pw_name : std::to_string(::geteuid());
    c.now = now_ms();
    c.sla = sla_settings(*cfg);
    c.write = [rt](const SettleRecord& rec) { return write_audit_record(*rt->audit, rec); };
    c.warn = [](const std::string& problem) { oplog(Severity::warning, problem); };
    const std::size_t n = held->run(c);
    if (n > 0) oplog(Severity::info, "held mail: " + std::to_string(n) + " left the hold queue by the MTA's own commands; settled");
  } catch (const std::exception& e) {
    oplog(Severity::warning, std::string("held mail: ") + e.what());
  }
}

// An anchor of the audit chain (audit/anchor.h): to the operational log, and by mail to each of
// audit.anchor_to through the notice queue (so the log's lock is never held for the MTA).
void send_anchor(MilterRuntime* rt, const std::string& line, const AnchorHead& head) {
  oplog(Severity::info, "audit anchor " + line);
  auto cfg = rt->config.load();
  for (const auto& to : cfg->audit.anchor_to) {
    Notice n;
    n.to = to;
    n.subject = "support-milter audit anchor: " + head.instance + " seq " + std::to_string(head.seq) + " (" +
                head.reason + ")";
    n.body = "The audit log of " + head.instance + " at seq " + std::to_string(head.seq) + ", the seal of epoch " +
             std::to_string(head.epoch) + " (" + head.reason + ", " + head.time +
             "), signed with the anchor key.\nKeep this message: `support-milter audit verify --anchors` reads "
             "it from a Maildir or an mbox and checks the log against it.\n\n" + line + "\n";
    send_notice(cfg->notify.command, cfg->notify.from, n);
  }
}

// The sealer: a seal at the end of every epoch, also while no mail comes (the key must evolve on
// time). It wakes at the epoch's end, or within a minute whatever the clock did.
std::mutex g_seal_mu;
std::condition_variable g_seal_cv;
bool g_seal_stop = false;

void seal_loop(AuditLog* audit) {
  std::unique_lock lock(g_seal_mu);
  while (!g_seal_stop) {
    const TimeMs now = now_ms();
    const TimeMs due = audit->next_seal_due();
    if (now >= due) {
      lock.unlock();
      audit->seal_if_due(now);
      lock.lock();
      continue;
    }
    g_seal_cv.wait_for(lock, std::chrono::milliseconds(std::min<TimeMs>(due - now, 60000)));
  }
}

// Waits for signals; between them, every sla.sweep_seconds, runs the SLA sweeper, and once a day
// prunes the store. One thread does both, so one sweep runs at a time.
void signal_loop(MilterRuntime* rt, const RunOptions& opts) {
  sigset_t set = daemon_signals();
  auto last_prune = std::chrono::steady_clock::now();
  HoldSweep held;
  for (;;) {
    siginfo_t info;
    struct timespec wait {static_cast<time_t>(rt->config.load()->sla.sweep_seconds), 0};
    int sig = sigtimedwait(&set, &info, &wait);
    if (sig < 0 && errno == EAGAIN) {
      sweep_store(rt);
      sweep_held(rt, &held);
      if (std::chrono::steady_clock::now() - last_prune >= std::chrono::hours(24)) {
        prune_store(rt);
        last_prune = std::chrono::steady_clock::now();
      }
      continue;
    }
    if (sig < 0) {
      if (errno == EINTR) continue;
      oplog(Severity::error, std::string("sigtimedwait: ") + std::strerror(errno));
      return;
    }
    if (sig == SIGHUP) {
      try {
        auto next = load_config(opts.config_path);
        auto current = rt->config.load();
        std::string which;
        if (!same_restart_keys(*current, *next, &which))
          oplog(Severity::warning, "reload: " + which + " changed; it takes effect on restart");
        init_oplog(opts.foreground ? "stderr" : next->log.target, next->log.level, next->log.facility);
        install_lexicons(*next);
        rt->config.store(next);
        oplog(Severity::info, "reloaded " + opts.config_path + " (sha256 " + next->digest.substr(0, 12) + ")");
        if (rt->audit != nullptr)
          write_audit_record(*rt->audit, ConfigRecord{opts.config_path, true, next->digest, std::nullopt});
      } catch (const std::exception& e) {
        oplog(Severity::error, std::string("reload refused, keeping the running config: ") + e.what());
        if (rt->audit != nullptr)
          write_audit_record(*rt->audit, ConfigRecord{opts.config_path, false, {}, std::string(e.what())});
      }
      continue;
    }
    oplog(Severity::info, sig == SIGTERM ? "SIGTERM: stopping" : "SIGINT: stopping");
    // One deadline for the whole stop: this drain and the one after smfi_main share it.
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(rt->config.load()->milter.drain_seconds);
    rt->stop_deadline_ns =
        std::chrono::duration_cast<std::chrono::nanoseconds>(deadline.time_since_epoch()).count();
    rt->stopping = true;
    while (rt->in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    smfi_stop();
    return;
  }
}

bool drop_privileges(const Config& cfg, std::string* error) {
  if (geteuid() != 0) return true;
  if (cfg.milter.user.empty()) {
    *error = "refusing to run as root: set milter.user to the user to run as";
    return false;
  }
  errno = 0;
  struct passwd* pw = getpwnam(cfg.milter.user.c_str());
  if (pw == nullptr) {
    *error = "milter.user \"" + cfg.milter.user + "\": no such user";
    return false;
  }
  if (pw->pw_uid == 0) {
    *error = "milter.user \"" + cfg.milter.user + "\" is root; name an unprivileged user";
    return false;
  }
  if (initgroups(pw->pw_name, pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
    *error = "switching to user \"" + cfg.milter.user + "\": " + std::strerror(errno);
    return false;
  }
  if (setuid(0) == 0) {
    *error = "could not drop root privileges";
    return false;
  }
  return true;
}

// Gives the unix socket its configured mode and group (and the run user) after libmilter made it.
bool prepare_socket_file(const Config& cfg, const std::string& spec, std::string* error) {
  std::string path;
  if (spec.starts_with("unix:")) path = spec.substr(5);
  else if (spec.starts_with("local:")) path = spec.substr(6);
  else return true;
  if (chmod(path.c_str(), cfg.milter.socket_mode) != 0) {
    *error = "chmod " + path + ": " + std::strerror(errno);
    return false;
  }
  uid_t uid = static_cast<uid_t>(-1);
  gid_t gid = static_cast<gid_t>(-1);
  if (geteuid() == 0 && !cfg.milter.user.empty())
    if (struct passwd* pw = getpwnam(cfg.milter.user.c_str())) uid = pw->pw_uid, gid = pw->pw_gid;
  // A set-group-ID directory gave the socket its own group (the package's socket directory in
  // Postfix's spool is group postfix): with no socket_group that group stays.
  struct stat dir {};
  std::string parent = path.substr(0, path.find_last_of('/') == std::string::npos ? 0 : path.find_last_of('/'));
  if (cfg.milter.socket_group.empty() && ::stat(parent.empty() ? "." : parent.c_str(), &dir) == 0 &&
      (dir.st_mode & S_ISGID) != 0)
    gid = static_cast<gid_t>(-1);
  if (!cfg.milter.socket_group.empty()) {
    struct group* gr = getgrnam(cfg.milter.socket_group.c_str());
    if (gr == nullptr) {
      *error = "milter.socket_group \"" + cfg.milter.socket_group + "\": no such group";
      return false;
    }
    gid = gr->gr_gid;
  }
  if ((uid != static_cast<uid_t>(-1) || gid != static_cast<gid_t>(-1)) && chown(path.c_str(), uid, gid) != 0) {
    *error = "chown " + path + ": " + std::strerror(errno);
    return false;
  }
  return true;
}

bool daemonize(std::string* error) {
  pid_t pid = fork();
  if (pid < 0) {
    *error = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  if (pid > 0) _exit(0);
  setsid();
  pid = fork();
  if (pid < 0) _exit(1);
  if (pid > 0) _exit(0);
  if (chdir("/") != 0) {
    *error = std::string("chdir /: ") + std::strerror(errno);
    return false;
  }
  int fd = open("/dev/null", O_RDWR);
  if (fd >= 0) {
    dup2(fd, 0);
    dup2(fd, 1);
    dup2(fd, 2);
    if (fd > 2) close(fd);
  }
  return true;
}

// The metrics page: counters plus the store's waiting customers (asked at most every 5 seconds:
// a scrape must not load the store).
std::string render_metrics(MilterRuntime* rt, TimeMs started) {
  static std::mutex mu;
  static std::optional<WaitingSummary> cached;
  static TimeMs cached_at = 0;
  MetricGauges g;
  g.now = now_ms();
  g.process_start = started;
  {
    std::lock_guard lock(mu);
    if (cached_at == 0 || g.now - cached_at >= 5000) {
      try {
        cached = rt->store->waiting_summary();
      } catch (const std::exception& e) {
        oplog(Severity::warning, std::string("metrics: store: ") + e.what());
        cached.reset();
      }
      cached_at = g.now;
    }
    g.waiting = cached;
  }
  return rt->metrics->render(g);
}

// The unix socket this start made, removed again when the start is refused after it: left
// behind, it would answer nobody while Postfix waits on it. Only the socket made here (the same
// inode) is removed.
class SocketCleanup {
 public:
  void made(const std::string& spec) {
    for (const char* prefix : {"unix:", "local:"})
      if (spec.starts_with(prefix)) path_ = spec.substr(std::strlen(prefix));
    struct stat st {};
    if (path_.empty() || ::lstat(path_.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode)) {
      path_.clear();
      return;
    }
    dev_ = st.st_dev;
    ino_ = st.st_ino;
  }
  void keep() { path_.clear(); }
  ~SocketCleanup() {
    if (path_.empty()) return;
    struct stat st {};
    if (::lstat(path_.c_str(), &st) != 0 || st.st_dev != dev_ || st.st_ino != ino_) return;
    if (::unlink(path_.c_str()) != 0)
      oplog(Severity::warning,
            "start refused: cannot remove the socket " + path_ + ": " + std::strerror(errno));
  }

 private:
  std::string path_;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
};

}  // namespace

int run_daemon(const RunOptions& given) {
  // Before any thread exists: every thread inherits these blocked.
  sigset_t set = daemon_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  const TimeMs started = now_ms();
  // The daemon leaves its directory (chdir /): a reload must find the same file.
  RunOptions opts = given;
  {
    std::error_code ec;
    auto absolute = std::filesystem::absolute(given.config_path, ec);
    if (!ec) opts.config_path = absolute.lexically_normal().string();
  }

  std::shared_ptr<const Config> cfg;
  try {
    cfg = load_config_in_force(opts.config_path);
  } catch (const std::exception& e) {
    std::cerr << "support-milter: " << e.what() << "\n";
    return 78;  // EX_CONFIG
  }
  const std::string socket = opts.socket.empty() ? cfg->milter.socket : opts.socket;
  init_oplog(opts.foreground ? "stderr" : cfg->log.target, cfg->log.level, cfg->log.facility);

  std::string error;
  if (geteuid() == 0 && cfg->milter.user.empty()) {
    oplog(Severity::error, "refusing to run as root: set milter.user to the user to run as");
    std::cerr << "support-milter: refusing to run as root: set milter.user in " << opts.config_path << "\n";
    return 77;  // EX_NOPERM
  }
  if (!opts.foreground && !daemonize(&error)) {
    oplog(Severity::error, error);
    return 71;
  }

  static MilterRuntime rt;
  rt.config.store(cfg);
  if (!register_milter(&rt)) {
    oplog(Severity::error, "smfi_register failed");
    return 70;
  }
  if (smfi_setconn(const_cast<char*>(socket.c_str())) != MI_SUCCESS) {
    oplog(Severity::error, "bad socket \"" + socket + "\"");
    return 78;
  }
  mode_t old_mask = umask(static_cast<mode_t>(~cfg->milter.socket_mode & 0777));
  int opened = smfi_opensocket(true);
  umask(old_mask);
  if (opened != MI_SUCCESS) {
    oplog(Severity::error, "cannot open socket \"" + socket + "\"");
    std::cerr << "support-milter: cannot open socket \"" << socket << "\"\n";
    return 71;
  }
  SocketCleanup socket_cleanup;
  socket_cleanup.made(socket);
  if (!prepare_socket_file(*cfg, socket, &error) || !drop_privileges(*cfg, &error)) {
    oplog(Severity::error, error);
    std::cerr << "support-milter: " << error << "\n";
    return 77;
  }

  std::unique_ptr<ThreadStore> store;
  std::unique_ptr<AuditLog> audit;
  try {
    audit = std::make_unique<AuditLog>(cfg->audit.path, AuditRotation{cfg->audit.rotate_bytes, cfg->audit.rotate_daily},
                                       audit_instance(*cfg));
    if (!cfg->audit.seal_key_file.empty()) {
      AuditSealing sealing{cfg->audit.seal_key_file, cfg->audit.seal_epoch_seconds, cfg->audit.anchor_key_file, {}};
      sealing.on_anchor = [](const std::string& line, const AnchorHead& head) { send_anchor(&rt, line, head); };
      audit->start_sealing(std::move(sealing));
      oplog(Severity::info, "audit log sealed: epoch " + std::to_string(audit->epoch()) + ", " +
                                std::to_string(cfg->audit.seal_epoch_seconds) + " s each" +
                                (cfg->audit.anchor_key_file.empty() ? std::string(", no anchors") : std::string(", anchored")));
    }
    StoreOptions store_opts{cfg->store.pool_size, cfg->store.timeout_ms};
    store_opts.background_checkpoints = true;
    try {
      store = open_store(cfg->store.url, store_opts);
    } catch (const StoreError& e) {
      // A database server that is down, a store file that is unreadable (owner or mode after a
      // restore), not a database or on a full disk: start anyway, give each message
      // store.on_error meanwhile (audited, like any store failure), and open the store at the first
      // call that can, without a restart. A milter that refused to start would leave every message
      // to Postfix's milter_default_action instead, whatever store.on_error says, and unaudited.
      // A URL of no known kind still stops the start (the lazy open below throws again).
      oplog(Severity::error, std::string(e.what()) + "; starting anyway: messages get store.on_error (" +
                                 to_string(cfg->store.on_error) + ") until the store opens");
      store_opts.lazy = true;
      store = open_store(cfg->store.url, store_opts);
    }
  } catch (const std::exception& e) {
    oplog(Severity::error, e.what());
    std::cerr << "support-milter: " << e.what() << "\n";
    return 73;  // EX_CANTCREAT
  }
  rt.store = store.get();
  rt.audit = audit.get();
  write_audit_record(*audit, StartRecord{cfg->digest, opts.config_path, socket, static_cast<long>(getpid())});

  static Metrics metrics;
  rt.metrics = &metrics;
  std::unique_ptr<MetricsExporter> exporter;
  if (!cfg->metrics.listen.empty() || !cfg->metrics.textfile.empty()) {
    ExporterSettings es;
    if (!cfg->metrics.listen.empty() && !parse_loopback_listen(cfg->metrics.listen, &es.host, &es.port, &error)) {
      oplog(Severity::error, "metrics.listen: " + error);
      return 78;
    }
    es.textfile = cfg->metrics.textfile;
    es.textfile_seconds = cfg->metrics.textfile_seconds;
    try {
      exporter = std::make_unique<MetricsExporter>(es, [started] { return render_metrics(&rt, started); });
    } catch (const std::exception& e) {
      oplog(Severity::error, e.what());
      std::cerr << "support-milter: " << e.what() << "\n";
      return 71;
    }
    exporter->start();
    if (!es.host.empty()) oplog(Severity::info, "metrics on http://" + cfg->metrics.listen + "/metrics");
  }

  prune_store(&rt);

  std::thread sealer;
  if (audit->next_seal_due() != 0) sealer = std::thread(seal_loop, audit.get());
  std::thread signals(signal_loop, &rt, opts);
  signals.detach();
  socket_cleanup.keep();
  oplog(Severity::info, "listening on " + socket);

  int rc = smfi_main();

  // Drain: messages in flight get what is left of drain_seconds since the stop began (all of it
  // when smfi_main ended by itself).
  rt.stopping = true;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(rt.config.load()->milter.drain_seconds);
  if (const std::int64_t ns = rt.stop_deadline_ns.load(); ns != 0)
    deadline = std::chrono::steady_clock::time_point(std::chrono::nanoseconds(ns));
  while (rt.in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  int left = rt.in_flight.load();
  write_audit_record(*audit, StopRecord{left, static_cast<long>(getpid())});
  if (sealer.joinable()) {
    {
      std::lock_guard lock(g_seal_mu);
      g_seal_stop = true;
    }
    g_seal_cv.notify_all();
    sealer.join();
    // The last epoch ends with the stop: its seal and anchor (mailed with the notices below).
    audit->seal_now("stop");
  }
  // Notices of the last messages and the stop's anchor: what the drain time leaves, at least a second.
  stop_notices(std::max(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()),
                        std::chrono::milliseconds(1000)));
  // The chain's head, outside the audit file: an anchor that also covers its last records.
  oplog(Severity::info, "audit chain head seq " + std::to_string(audit->seq()) + " sha256 " + audit->head());
  oplog(left > 0 ? Severity::warning : Severity::info,
        "stopped" + (left > 0 ? ", " + std::to_string(left) + " messages still in flight" : std::string()));
  // Worker threads of libmilter may still hold the store; leave without destructors.
  std::_Exit(rc == MI_SUCCESS ? 0 : 1);
}

}  // namespace sm
