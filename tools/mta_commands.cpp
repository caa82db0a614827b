// `held`, `release` and `discard` over the Mta of the config's [mta] kind (mta/mta.h): the audit
// log joined with the held mail; release and discard settle the message (mta/settle.h) under the
// settle lock the daemon's sweep of held mail takes too.
#include "tools/mta_commands.h"

#include <pwd.h>
#include <unistd.h>

#include <charconv>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <optional>

#include "audit/audit_log.h"
#include "config/config.h"
#include "sla/clock.h"
#include "store/thread_store.h"
#include "mta/held.h"
#include "mta/mta.h"
#include "mta/settle.h"
#include "tools/mta_process.h"

namespace sm {

namespace {

// The audit log path: the option, else the config's audit.path.
bool audit_path_for(const std::string& config_path, const std::string& audit_option, std::string* out, int* code,
                    const char* command) {
  if (!audit_option.empty()) {
    *out = audit_option;
    return true;
  }
  try {
    *out = load_config(config_path)->audit.path;
    return true;
  } catch (const std::exception& e) {
    std::cerr << "support-milter " << command << ": " << e.what() << " (give -c FILE or --audit FILE)\n";
    *code = kConfig;
    return false;
  }
}

// The name this server's audit records carry: the config's audit.instance, else the host name.
std::string instance_for(const std::string& config_path) {
  try {
    return audit_instance(*load_config(config_path));
  } catch (const std::exception&) {
    return audit_instance(Config{});
  }
}

// The MTA to work on and how to reach it: the config's [mta] section (the built-in defaults when
// only --audit is given and the config file does not exist); nothing when the config cannot be
// read, said on stderr. What goes wrong with the MTA is said on stderr.
std::unique_ptr<Mta> mta_for(const std::string& config_path, bool audit_given, const std::string& postfix_dir,
                             const char* command) {
  std::shared_ptr<const Config> cfg;
  try {
    std::error_code ec;
    cfg = audit_given && !std::filesystem::exists(config_path, ec) ? default_config() : load_config(config_path);
  } catch (const std::exception& e) {
    std::cerr << "support-milter " << command << ": " << e.what() << "\n";
    return nullptr;
  }
  return mta_of(
      *cfg, [command](const std::string& problem) { std::cerr << "support-milter " << command << ": " << problem << "\n"; },
      postfix_dir);
}


bool single_line(const std::string& s) {
  for (unsigned char c : s)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

}  // namespace

std::string invoking_user(uid_t real_uid, const char* sudo_user, const char* sudo_uid) {
  // sudo sets both; anybody can set them in their own environment, so they count only when the
  // real user is root and the uid named agrees with the user named.
  if (real_uid == 0 && sudo_user != nullptr && *sudo_user != '\0' && sudo_uid != nullptr) {
    uid_t claimed = 0;
    const char* end = sudo_uid + std::strlen(sudo_uid);
    auto [at, ec] = std::from_chars(sudo_uid, end, claimed);
    struct passwd* pw = ::getpwnam(sudo_user);
    if (ec == std::errc() && at == end && at != sudo_uid && pw != nullptr && pw->pw_uid == claimed)
      return sudo_user;
  }
  if (struct passwd* pw = ::getpwuid(real_uid)) return pw->pw_name;
  return std::to_string(real_uid);
}

std::vector<HeldMessage> held_messages(const std::vector<QueueEntry>& queue, const std::string& audit_path,
                                       const char* command) {
  std::vector<std::string> unreadable, problems;
  auto held = join_held_files(queue, audit_files_oldest_first(audit_path), &unreadable, &problems);
  for (const auto& file : unreadable)
    std::cerr << "support-milter " << command << ": cannot read audit log " << file
              << "; reasons from it are missing\n";
  for (const auto& p : problems) std::cerr << "support-milter " << command << ": " << p << "\n";
  return held;
}

int open_held_queue(const std::string& config_path, const std::string& audit_option, const std::string& postfix_dir,
                    const char* cmd, HeldQueue* out) {
  int code = 0;
  if (!audit_path_for(config_path, audit_option, &out->audit_path, &code, cmd)) return code;
  out->mta = mta_for(config_path, !audit_option.empty(), postfix_dir, cmd);
  if (!out->mta) return kConfig;
  if (!out->mta->read_queue(&out->queue)) return kUnavailable;
  return 0;
}

int run_held(const HeldOptions& opts) {
  const char* cmd = "held";
  HeldQueue q;
  if (int code = open_held_queue(opts.config_path, opts.audit_path, opts.postfix_dir, cmd, &q); code != 0) return code;
  auto held = held_messages(q.queue, q.audit_path, cmd);
  if (opts.json) std::cout << held_json(held).dump(2) << "\n";
  else std::cout << format_held_text(held);
  return std::cout ? 0 : kIoErr;
}

namespace {

// A held message's release or discard in the store (the config's, settle.h); what it did to the
// clock, for the audit record. A store that cannot be reached is said so on stderr and in the record.
SlaResult settle_held(const QueueActionOptions& opts, const std::string& message_id, const char* cmd) {
  SlaResult r;
  try {
    auto cfg = load_config_in_force(opts.config_path);
    auto store = open_store(cfg->store.url, StoreOptions{cfg->store.pool_size, cfg->store.timeout_ms, false, false});
    r = settle_in_store(*store, message_id, opts.discard, now_ms(), sla_settings(*cfg));
  } catch (const std::exception& e) {
    r.status = SlaStatus::unknown;
    r.reason = e.what();
  }
  if (r.status == SlaStatus::unknown)
    std::cerr << "support-milter " << cmd << ": the thread store was not updated: " << r.reason << "\n";
  return r;
}

}  // namespace

int run_queue_action(const QueueActionOptions& opts) {
  const char* cmd = opts.discard ? "discard" : "release";
  if (!valid_queue_id(opts.queue_id)) {
    std::cerr << "support-milter " << cmd << ": \"" << opts.queue_id
              << "\" is not a queue id (5 to 32 letters and digits)\n";
    return kUsage;
  }
  for (auto [name, value] : {std::pair{"--by", &opts.by}, std::pair{"--reason", &opts.reason}}) {
    if (value->find_first_not_of(" \t") == std::string::npos) {
      std::cerr << "support-milter " << cmd << ": " << name << " must not be empty\n";
      return kUsage;
    }
    if (!single_line(*value) || value->size() > 1000) {
      std::cerr << "support-milter " << cmd << ": " << name << " must be one line of at most 1000 characters\n";
      return kUsage;
    }
  }
  // One settles a held message at a time (this command, another one, the daemon's sweep of held
  // mail): what it finds in the queue is what the others left.
  std::string audit_path;
  {
    int code = 0;
    if (!audit_path_for(opts.config_path, opts.audit_path, &audit_path, &code, cmd)) return code;
  }
  SettleLock lock(audit_path, true);
  if (!lock) {
    std::cerr << "support-milter " << cmd << ": " << lock.error() << "\n";
    return kIoErr;
  }
  HeldQueue q;
  if (int code = open_held_queue(opts.config_path, opts.audit_path, opts.postfix_dir, cmd, &q); code != 0) return code;
  const std::vector<QueueEntry>& queue = q.queue;
  Mta* mta = q.mta.get();
  const QueueEntry* found = nullptr;
  for (const auto& e : queue)
    if (e.queue_id == opts.queue_id) found = &e;
  if (found == nullptr || found->queue_name != "hold") {
    std::cerr << "support-milter " << cmd << ": " << opts.queue_id << mta->not_held(opts.queue_id, found) << "\n";
    return 1;
  }
  // What the queue and the audit log said of it before it goes.
  const QueueEntry entry = *found;
  std::optional<HeldMessage> held;
  for (auto& m : held_messages(queue, audit_path, cmd))
    if (m.queue.queue_id == opts.queue_id) held = std::move(m);
  if (int code = opts.discard ? mta->discard(opts.queue_id) : mta->release(opts.queue_id, queue); code != 0)
    return code;
  // The store learns what became of the message: released, it is sent now and the clock moves
  // (its figures go into the record); discarded, it never left and the customer keeps waiting.
  SettleRecord rec = settle_record(opts.discard, opts.queue_id, &entry, held ? &*held : nullptr,
                                   [&](const std::string& message_id) { return settle_held(opts, message_id, cmd); });
  rec.instance = instance_for(opts.config_path);
  rec.by = opts.by;
  rec.reason = opts.reason;
  rec.user = invoking_user(::getuid(), ::getenv("SUDO_USER"), ::getenv("SUDO_UID"));
  std::string error;
  if (!append_audit_record(audit_path, rec, &error)) {
    std::cerr << "support-milter " << cmd << ": " << opts.queue_id << (opts.discard ? " discarded" : " released")
              << ", but the audit record could not be written: " << error << "\n";
    return kIoErr;
  }
  std::cout << opts.queue_id << (opts.discard ? " discarded" : " released from hold") << " by " << opts.by
            << "; audit record written to " << audit_path << "\n";
  return 0;
}

}  // namespace sm
