// `audit verify` and `audit keygen`, and what `report` and `configtest` say about the audit log's
// integrity: the verification keys and anchors given on the command line, read into the
// verifier's options (audit/verify.h), and the sealing settings of a config.
#pragma once
#include <ostream>
#include <string>
#include <vector>

#include "audit/verify.h"
#include "config/config.h"

namespace sm {

// The command line's keys and anchors, as given.
struct IntegrityArgs {
  std::vector<std::string> keys;         // --key sm-seal-v1:...
  std::vector<std::string> key_files;    // --key-file FILE (a file holding the key)
  std::vector<std::string> anchors;      // --anchors FILE|MAILDIR|MBOX
  std::vector<std::string> anchor_keys;  // --anchor-key sm-anchor-v1:...
};

// Reads the keys and the anchors (a file of anchor lines or a syslog file, a Maildir, an mbox:
// each mail's body decoded). False and `error` (with the exit code in `code`: 64 for a bad key or
// --anchors without --anchor-key, 66 for a source that cannot be read). Lines that hold an
// anchor's mark but no readable anchor go to `notes`.
bool load_verify_options(const IntegrityArgs& args, VerifyOptions* options, std::string* error, int* code,
                         std::vector<std::string>* notes);

// `audit verify`: problems, notes, then "ok: ..." or "FAILED: ...", then what was and was not
// checked. Exit 0 when the log holds no problem, 1 when it does, 64/66 as above.
int run_audit_verify(const std::vector<std::string>& files, const IntegrityArgs& args, std::ostream& out,
                     std::ostream& err);

// `audit keygen`: writes the sealing key (epoch 0) and, when audit.anchor_key_file is set, the
// anchors' key pair at the configured paths (mode 0600; run as root, owned by milter.user, or
// without one by the owner of the sealing key's directory),
// refusing to replace existing keys without `force` and keys a running daemon holds; appends a
// "keygen" record to the audit log; prints the verification key (once; it is kept nowhere on the
// server) and the anchors' public key.
int run_audit_keygen(const std::string& config_path, bool force, std::ostream& out, std::ostream& err);

// configtest's lines on sealing and anchors. `error` is set when the daemon could not seal with
// this config (a sealing key that does not exist or is not a key).
std::vector<std::string> sealing_status(const Config& cfg, std::string* error);

}  // namespace sm
