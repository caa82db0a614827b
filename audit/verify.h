// Verifies the audit log over one or more files given in order (rotated files oldest first):
//   - the hash chain: sequence numbers consecutive from 1, each "prev" equal to the SHA-256 of the
//     line before (a chain that starts at seq > 1 is a problem, unless an anchor vouches for the
//     record before its first);
//   - with verification keys (audit/seal.h): every seal's MAC under its epoch's key, the epochs
//     one after the other, and times that never go back behind a seal;
//   - with anchors (audit/anchor.h) and their public key: each anchor's signature, and that the log
//     holds the anchored head at the anchored seq (a log cut after an anchor, a deleted file and a
//     chain restarted from scratch all fail this).
// Problems break the log; notes are facts worth knowing that break nothing. summary_lines() says
// what could and could not be checked, for `audit verify` and every format of `report`.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "audit/anchor.h"
#include "audit/seal.h"

namespace sm {

struct ChainProblem {
  std::string file;
  std::size_t line = 0;  // 1-based; 0 when the problem is not at one line
  std::string what;
};

struct VerifyOptions {
  std::vector<VerificationKey> keys;       // empty: seals are counted, not checked
  std::vector<FoundAnchor> anchors;        // those of other instances are set aside
  std::vector<AnchorPublicKey> anchor_keys;  // anchors must be signed by one of these
  bool anchors_given = false;              // --anchors was given (even when it held none)
};

struct ChainReport {
  std::uint64_t records = 0;
  std::uint64_t first_seq = 0;
  std::uint64_t last_seq = 0;
  std::string head;  // SHA-256 of the last line: compare with the head the daemon logged
  std::string instance;  // of the records
  std::vector<ChainProblem> problems;
  std::vector<std::string> notes;

  // Seals.
  bool keys_given = false;
  std::uint64_t seals = 0;             // seal records seen
  bool sealed = false;                 // a seal verified (with keys) or was seen (without)
  std::uint64_t sealed_epoch = 0;      // the last seal that verified (or was seen), up to the first failure
  std::uint64_t sealed_seq = 0;        // its seq: the records up to it are covered
  std::string sealed_time;
  std::uint64_t unsealed_tail = 0;     // records after it

  // Anchors.
  bool anchors_given = false;
  std::uint64_t anchors = 0;           // of this log's instance, with a good signature
  std::uint64_t anchors_matched = 0;
  std::uint64_t anchored_seq = 0;      // the last anchored seq that matched
  std::string anchored_time;

  bool ok() const { return problems.empty(); }
};

ChainReport verify_audit_chain(const std::vector<std::string>& files, const VerifyOptions& options = {});

// The fields of one line that the chain check reads, taken from the one parse of the line its
// reader makes (chain_line below, or the audit record's reader: pipeline/audit_record.h).
struct ChainLine {
  bool formed = false;  // a JSON object with a whole "seq" of at least 0 and a string "prev"
  std::uint64_t seq = 0;
  std::string prev, event, time, instance;
  // A seal's own fields ("event": "seal").
  bool seal_formed = false;  // "epoch" a whole number of at least 0, "mac" and "reason" strings
  std::uint64_t epoch = 0;
  std::optional<nlohmann::json> epoch_value;  // "epoch" as written, when there is one
  std::string mac, reason;
};
ChainLine chain_line(const nlohmann::json& record);

// The check of verify_audit_chain, fed one line at a time by a reader that reads the log for
// other purposes too (report): the files of one instance in order, each line as it was read.
class ChainVerifier {
 public:
  explicit ChainVerifier(const VerifyOptions& options);
  ~ChainVerifier();
  // A file starts. False when it cannot be read. A last line without its newline is a problem
  // named here; the reader does not give it to add().
  bool begin_file(const std::string& file);
  // One line (its bytes, without the newline: the chain hashes them) and its fields.
  void add(const std::string& file, std::size_t lineno, std::string_view line, const ChainLine& fields);
  ChainReport finish();

  // The walk's state between two runs (tools/report_checkpoint.h): everything but the options,
  // which the next run gives again. restore() goes before the first add(); the anchors given then
  // that name records before the state's head are noted as not checked. False (and `error`) when
  // `state` is not such a state.
  nlohmann::json save() const;
  bool restore(const nlohmann::json& state, std::string* error);

 private:
  struct State;
  std::unique_ptr<State> s_;
};

// What was and was not checked, one line each: "sealed up to epoch N (seq S, TIME); the K records
// after it are not sealed", "anchors: M of M matched, up to seq S", "unsealed: ...".
std::vector<std::string> summary_lines(const ChainReport& report);

}  // namespace sm
