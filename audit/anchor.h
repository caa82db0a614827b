// Anchors: the audit chain's head, signed (Ed25519, libsodium's crypto_sign) and sent off the
// server — by mail to the auditor and to the operational log — daily, at rotation and at stop.
// Whatever happens on the server later, the auditor holds what the log was at those points: a log
// cut after an anchor, a file deleted or a chain restarted from scratch no longer contains the
// anchored head at the anchored seq.
//
// An anchor is one line of JSON, its keys sorted, compact:
//   {"anchor":1,"counts":{"message":120,...},"counts_from":1001,"epoch":17,"head":"<sha256>",
//    "instance":"mx1","reason":"stop","seq":1130,"sig":"<128 hex>","time":"2026-12-07T10:00:00.000Z"}
// `sig` signs that same object without `sig`, dumped the same way. `head` is the SHA-256 of the
// record at `seq` (a seal record, of epoch `epoch`); `counts` are the records by event from seq
// `counts_from` (the first record of the UTC day, or of the daemon's run if it started later that
// day) to `seq`.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sm {

struct AnchorHead {
  std::string instance;
  std::uint64_t seq = 0;
  std::string head;  // SHA-256 (hex) of the line of record `seq`
  std::uint64_t epoch = 0;
  std::string time;    // RFC 3339, UTC, milliseconds
  std::string reason;  // day | rotation | stop
  std::uint64_t counts_from = 0;
  std::map<std::string, std::uint64_t> counts;
};

// The anchors' public key. Written "sm-anchor-v1:" + 64 hex digits.
struct AnchorPublicKey {
  std::array<unsigned char, 32> bytes{};
};
std::optional<AnchorPublicKey> parse_anchor_public_key(std::string_view text, std::string* error);
std::string format_anchor_public_key(const AnchorPublicKey& key);

// The signing key, from its file {"version":1,"public":"<64 hex>","seed":"<64 hex>"} (mode 0600).
class AnchorSigner {
 public:
  // Nullptr and `error` when the file is missing, unreadable, open to group or others, or not a key.
  static std::unique_ptr<AnchorSigner> open(const std::string& path, std::string* error);
  // A new key pair written to `path` (see SealKeyFile::create for `replace`, uid and gid).
  static std::optional<AnchorPublicKey> create(const std::string& path, bool replace, unsigned uid, unsigned gid,
                                               std::string* error);
  ~AnchorSigner();
  AnchorSigner(const AnchorSigner&) = delete;
  AnchorSigner& operator=(const AnchorSigner&) = delete;

  const AnchorPublicKey& public_key() const { return public_; }
  std::string line(const AnchorHead& head) const;  // the signed anchor line

 private:
  AnchorSigner() = default;
  AnchorPublicKey public_;
  std::array<unsigned char, 64> secret_{};
};

// An anchor read back: where it was found, what it says, and whether a key signed it.
struct FoundAnchor {
  std::string origin;  // file:line, or the mail it came in
  AnchorHead head;
  std::string signed_text;
  std::array<unsigned char, 64> sig{};
  bool signed_by(const AnchorPublicKey& key) const;
};

// The anchors in `text`: every line holding `{"anchor":` from there to the line's end (a file of
// anchor lines, a syslog file, a mail's body). A line that holds the marker but no valid anchor
// goes to `errors`, with its origin.
void find_anchors(std::string_view text, const std::string& origin, std::vector<FoundAnchor>* out,
                  std::vector<std::string>* errors);

}  // namespace sm
