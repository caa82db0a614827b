// `audit verify`, `audit keygen`, and the integrity lines of `report` and `configtest`.
#include "tools/audit_command.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <ostream>

#include "audit/anchor.h"
#include "audit/audit_log.h"
#include "audit/seal.h"
#include "base/files.h"
#include "message/message.h"
#include "tools/mailbox.h"

namespace sm {

namespace {

namespace fs = std::filesystem;

// The anchors in mail: each message's body text (MIME decoded: a relay may have re-encoded it).
void anchors_in_mail(const std::vector<MailItem>& mail, std::vector<FoundAnchor>* out, std::vector<std::string>* notes) {
  const Limits limits;
  for (const auto& m : mail) find_anchors(parse_message(m.bytes, limits).body_text, m.origin, out, notes);
}

}  // namespace

bool load_verify_options(const IntegrityArgs& args, VerifyOptions* options, std::string* error, int* code,
                         std::vector<std::string>* notes) {
  *code = 64;
  for (const auto& k : args.keys) {
    auto v = parse_verification_key(k, error);
    if (!v) {
      *error = "--key: " + *error;
      return false;
    }
    options->keys.push_back(*v);
  }
  for (const auto& f : args.key_files) {
    std::string text;
    if (!read_file(f, &text)) {
      *error = "--key-file " + f + ": cannot read: " + std::strerror(errno);
      *code = 66;
      return false;
    }
    auto v = parse_verification_key(text, error);
    if (!v) {
      *error = "--key-file " + f + ": " + *error;
      return false;
    }
    options->keys.push_back(*v);
  }
  for (const auto& k : args.anchor_keys) {
    auto pk = parse_anchor_public_key(k, error);
    if (!pk) {
      *error = "--anchor-key: " + *error;
      return false;
    }
    options->anchor_keys.push_back(*pk);
  }
  if (!args.anchors.empty() && options->anchor_keys.empty()) {
    *error = "--anchors needs --anchor-key (the anchor public key audit keygen printed)";
    return false;
  }
  options->anchors_given = !args.anchors.empty();
  *code = 66;
  for (const auto& source : args.anchors) {
    std::error_code ec;
    if (fs::is_directory(source, ec)) {
      if (!is_maildir(source)) {
        *error = "--anchors " + source + ": a directory that is not a Maildir (no cur/ or new/)";
        return false;
      }
      std::vector<MailItem> mail;
      read_maildir(source, mail);
      anchors_in_mail(mail, &options->anchors, notes);
      continue;
    }
    if (!fs::is_regular_file(source, ec)) {
      *error = "--anchors " + source + ": not a file, a Maildir or an mbox";
      return false;
    }
    std::string text;
    if (!read_file(source, &text)) {
      *error = "--anchors " + source + ": cannot read: " + std::strerror(errno);
      return false;
    }
    if (text.starts_with("From ")) {
      std::vector<MailItem> mail;
      read_mbox(source, mail);
      anchors_in_mail(mail, &options->anchors, notes);
    } else {
      find_anchors(text, source, &options->anchors, notes);  // anchor lines, or the operational log
    }
  }
  return true;
}

int run_audit_verify(const std::vector<std::string>& files, const IntegrityArgs& args, std::ostream& out,
                     std::ostream& err) {
  VerifyOptions options;
  std::vector<std::string> notes;
  std::string error;
  int code = 0;
  if (!load_verify_options(args, &options, &error, &code, &notes)) {
    err << "support-milter audit verify: " << error << "\n";
    return code;
  }
  auto report = verify_audit_chain(files, options);
  for (const auto& p : report.problems)
    out << p.file << (p.line > 0 ? ":" + std::to_string(p.line) : std::string()) << ": " << p.what << "\n";
  for (const auto& n : notes) out << "note: " << n << "\n";
  for (const auto& n : report.notes) out << "note: " << n << "\n";
  if (!report.ok())
    out << "FAILED: " << report.problems.size() << " problem(s) in " << report.records << " records\n";
  else
    out << "ok: " << report.records << " records, seq " << report.first_seq << ".." << report.last_seq << ", head "
        << report.head << "\n";
  for (const auto& line : summary_lines(report)) out << line << "\n";
  return report.ok() ? 0 : 1;
}

int run_audit_keygen(const std::string& config_path, bool force, std::ostream& out, std::ostream& err) {
  std::shared_ptr<const Config> cfg;
  try {
    cfg = load_config(config_path);
  } catch (const std::exception& e) {
    err << "support-milter audit keygen: " << e.what() << "\n";
    return 78;
  }
  if (cfg->audit.seal_key_file.empty()) {
    err << "support-milter audit keygen: audit.seal_key_file is not set in " << config_path
        << ": name the file that holds the sealing key (in a directory the milter's user may write, such as "
           "/var/lib/support-milter/audit-seal.key)\n";
    return 78;
  }
  // The keys belong to the user the daemon runs as, who replaces the sealing key every epoch:
  // milter.user, or (the packaged unit runs as its own user and leaves milter.user empty) the
  // owner of the sealing key's directory, as the admin tools hand a new audit log to its
  // directory's owner.
  unsigned uid = static_cast<unsigned>(-1), gid = static_cast<unsigned>(-1);
  std::string owner;
  if (::geteuid() == 0) {
    struct passwd* pw = nullptr;
    if (!cfg->milter.user.empty()) {
      pw = ::getpwnam(cfg->milter.user.c_str());
      if (pw == nullptr) {
        err << "support-milter audit keygen: milter.user \"" << cfg->milter.user << "\": no such user\n";
        return 78;
      }
    } else {
      struct stat dir {};
      const std::string key_dir = fs::path(cfg->audit.seal_key_file).parent_path().string();
      if (::stat(key_dir.c_str(), &dir) == 0 && dir.st_uid != 0) pw = ::getpwuid(dir.st_uid);
      if (pw == nullptr) {
        err << "support-milter audit keygen: whose keys? milter.user is not set in " << config_path << ", and "
            << key_dir << " belongs to root: set milter.user, or keep the keys in a directory of the daemon's "
            << "user (the package's /var/lib/support-milter)\n";
        return 78;
      }
    }
    uid = pw->pw_uid, gid = pw->pw_gid;
    owner = pw->pw_name;
  } else if (struct passwd* pw = ::getpwuid(::geteuid())) {
    owner = pw->pw_name;
  }
  // Both refused before either is written.
  for (const std::string* path : {&cfg->audit.seal_key_file, &cfg->audit.anchor_key_file}) {
    if (path->empty()) continue;
    std::error_code ec;
    if (fs::exists(*path, ec) && !force) {
      err << "support-milter audit keygen: " << *path
          << " exists; refusing to replace it (--force makes new keys: the auditor then needs the new "
             "verification key for the seals that follow)\n";
      return 73;
    }
  }
  std::string error;
  const VerificationKey verification = new_verification_key();
  if (!SealKeyFile::create(cfg->audit.seal_key_file, SealKey::first(verification), force, uid, gid, &error)) {
    err << "support-milter audit keygen: " << error << "\n";
    return 73;
  }
  out << "sealing key written to " << cfg->audit.seal_key_file << " (epoch 0, mode 0600, owner " << owner << ")\n";
  std::optional<AnchorPublicKey> anchor;
  if (!cfg->audit.anchor_key_file.empty()) {
    anchor = AnchorSigner::create(cfg->audit.anchor_key_file, force, uid, gid, &error);
    if (!anchor) {
      err << "support-milter audit keygen: " << error << "\n";
      return 73;
    }
    out << "anchor signing key written to " << cfg->audit.anchor_key_file << " (mode 0600, owner " << owner << ")\n";
  }
  // The log learns that a new key starts at epoch 0 (and the daemon that it must not take the new
  // key for the successor of the log's last seal).
  const std::string audit_dir = fs::path(cfg->audit.path).parent_path().string();
  std::error_code ec;
  if (!audit_dir.empty() && !fs::is_directory(audit_dir, ec)) {
    out << "no audit log yet (" << audit_dir << " does not exist): the daemon's first seal is epoch 0\n";
  } else {
    nlohmann::json rec = {{"instance", audit_instance(*cfg)},
                          {"seal_key_file", cfg->audit.seal_key_file},
                          {"seal_epoch_seconds", cfg->audit.seal_epoch_seconds},
                          {"anchor_key", anchor ? nlohmann::json(format_anchor_public_key(*anchor)) : nlohmann::json(nullptr)}};
    if (!append_audit_record(cfg->audit.path, "keygen", rec, &error)) {
      err << "support-milter audit keygen: the keys are written, but the keygen record is not: " << error
          << "; fix that and run audit keygen --force again before the daemon starts\n";
      return 73;
    }
    out << "keygen record written to " << cfg->audit.path << "\n";
  }
  out << "\nVerification key, for the auditor only. It is shown this once and kept nowhere on this server;\n"
         "support-milter audit verify --key checks every seal with it:\n  "
      << format_verification_key(verification) << "\n";
  if (anchor)
    out << "Anchor public key, for audit verify --anchor-key (it may be published):\n  "
        << format_anchor_public_key(*anchor) << "\n";
  return 0;
}

std::vector<std::string> sealing_status(const Config& cfg, std::string* error) {
  std::vector<std::string> out;
  const auto& a = cfg.audit;
  if (a.seal_key_file.empty()) {
    out.push_back("audit sealing: off (audit.seal_key_file is not set): the log is hash-chained, not sealed "
                  "(support-milter audit keygen makes the keys)");
    return out;
  }
  // A key this user may not read (configtest as another user than the daemon's) is not judged.
  auto unreadable = [](const std::string& path) { return ::access(path.c_str(), R_OK) != 0 && errno == EACCES; };
  std::string why;
  std::string key_state = "not readable by this user, not checked";
  if (!unreadable(a.seal_key_file)) {
    if (auto epoch = SealKeyFile::peek_epoch(a.seal_key_file, &why)) {
      key_state = "at epoch " + std::to_string(*epoch);
    } else {
      *error = "audit.seal_key_file: " + why + " (support-milter audit keygen writes it)";
      key_state = "unusable";
    }
  }
  out.push_back("audit sealing: on, epochs of " + std::to_string(a.seal_epoch_seconds) + " s; key " + a.seal_key_file +
                " " + key_state);
  if (a.anchor_key_file.empty()) {
    out.push_back("audit anchors: off (audit.anchor_key_file is not set)");
    return out;
  }
  std::string to = "the operational log";
  for (const auto& addr : a.anchor_to) to += ", " + addr;
  if (unreadable(a.anchor_key_file)) {
    out.push_back("audit anchors: key " + a.anchor_key_file + " not readable by this user, not checked; sent to " + to);
  } else if (auto signer = AnchorSigner::open(a.anchor_key_file, &why)) {
    out.push_back("audit anchors: signed by " + format_anchor_public_key(signer->public_key()) + ", sent to " + to);
  } else {
    out.push_back("audit anchors: key " + a.anchor_key_file + " unusable");
    if (error->empty()) *error = "audit.anchor_key_file: " + why + " (support-milter audit keygen writes it)";
  }
  return out;
}

}  // namespace sm
