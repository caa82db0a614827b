// `held`, `release` and `discard` over the Mta of the config's [mta] kind (mta.h): the audit log
// joined with the held mail, the store and the audit record told what became of a message.
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
#include "pipeline/sweeper.h"
#include "store/thread_store.h"
#include "tools/held.h"
#include "tools/mta.h"
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
// read, said on stderr.
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
  const MtaSettings settings{cfg->mta.sendmail_command, cfg->mta.sendmail_config, postfix_dir};
  return resolve_mta_kind(cfg->mta.kind) == MtaKind::sendmail ? sendmail_mta(settings, command)
                                                               : postfix_mta(settings, command);
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

// A held message's release or discard in the store (the config's); what it did to the clock, for
// the audit record. A store that cannot be reached is said so on stderr and in the record.
SlaResult settle_held(const QueueActionOptions& opts, const std::string& message_id, const char* cmd) {
  auto unknown = [&](const std::string& why) {
    std::cerr << "support-milter " << cmd << ": the thread store was not updated: " << why << "\n";
    SlaResult r;
    r.status = SlaStatus::unknown;
    r.reason = why;
    return r;
  };
  try {
    auto cfg = load_config(opts.config_path);
    install_lexicons(*cfg);
    auto store = open_store(cfg->store.url, StoreOptions{cfg->store.pool_size, cfg->store.timeout_ms, false, false});
    if (opts.discard) {
      if (!store->discard_held(message_id)) return unknown("no held message " + message_id + " in the store");
      SlaResult r;
      r.status = SlaStatus::not_sent;
      r.reason = "discarded";
      return r;
    }
    auto r = sla_on_release(*store, message_id, now_ms(), sla_settings(*cfg));
    if (!r) return unknown("no held message " + message_id + " in the store");
    return *r;
  } catch (const std::exception& e) {
    return unknown(e.what());
  }
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
  HeldQueue q;
  if (int code = open_held_queue(opts.config_path, opts.audit_path, opts.postfix_dir, cmd, &q); code != 0) return code;
  const std::string& audit_path = q.audit_path;
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
  const HeldMessage* h = held ? &*held : nullptr;
  // The store learns what became of the message: released, it is sent now and the clock moves
  // (its figures go into the record); discarded, it never left and the customer keeps waiting.
  SettleRecord rec;
  rec.discard = opts.discard;
  rec.instance = instance_for(opts.config_path);
  rec.queue_id = opts.queue_id;
  rec.by = opts.by;
  rec.reason = opts.reason;
  rec.user = invoking_user(::getuid(), ::getenv("SUDO_USER"), ::getenv("SUDO_UID"));
  rec.sender = entry.sender;
  rec.recipients = entry.recipients;
  if (h != nullptr && h->audited) {
    rec.audited = true;
    rec.message_id = h->message_id;
    rec.thread_id = h->thread_id;
    rec.direction = h->direction;
    rec.author = h->author;
    if (!h->message_id.empty()) {
      rec.sla = settle_held(opts, h->message_id, cmd);
      rec.released = !opts.discard && rec.sla->status != SlaStatus::unknown;
    }
    for (const auto& f : h->findings) rec.rules.push_back(f.rule);
  }
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
