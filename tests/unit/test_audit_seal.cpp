// Sealing and anchors against someone with root on the server: every way of changing a sealed,
// anchored log that a plain hash chain lets through is found, named by its epoch or its anchor.
// The logs are real files written by AuditLog with real keys; the tampering is done on the lines,
// as an attacker would, recomputing every hash (and re-sealing with the key the server holds)
// where that is what hides the change from a plain chain.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "audit/anchor.h"
#include "audit/audit_log.h"
#include "audit/seal.h"
#include "audit/verify.h"
#include "base/digest.h"
#include "base/strings.h"
#include "message/datetime.h"

namespace sm {
namespace {

namespace fs = std::filesystem;

fs::path fresh_dir(const std::string& name) {
  auto p = fs::path(::testing::TempDir()) / (name + "-" + std::to_string(getpid()));
  fs::remove_all(p);
  fs::create_directories(p);
  return p;
}

std::vector<std::string> read_lines(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

void write_lines(const fs::path& p, const std::vector<std::string>& lines) {
  std::ofstream out(p, std::ios::trunc | std::ios::binary);
  for (const auto& l : lines) out << l << "\n";
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

constexpr unsigned kNobody = static_cast<unsigned>(-1);

// A log with real keys in a directory of its own; the anchors the daemon would send, collected.
struct Sealed {
  fs::path dir, log, key, anchor_key;
  VerificationKey verification;
  AnchorPublicKey anchor_public;
  AuditRotation rotation;
  std::vector<std::string> anchor_lines;
  std::unique_ptr<AuditLog> audit;

  explicit Sealed(const std::string& name, AuditRotation r = {}) : rotation(r) {
    dir = fresh_dir(name);
    log = dir / "audit.jsonl";
    key = dir / "seal.key";
    anchor_key = dir / "anchor.key";
    verification = new_verification_key();
    std::string error;
    EXPECT_TRUE(SealKeyFile::create(key.string(), SealKey::first(verification), false, kNobody, kNobody, &error)) << error;
    auto pk = AnchorSigner::create(anchor_key.string(), false, kNobody, kNobody, &error);
    EXPECT_TRUE(pk) << error;
    if (pk) anchor_public = *pk;
    open();
  }
  void open() {
    audit = std::make_unique<AuditLog>(log.string(), rotation, "mx1");
    audit->start_sealing({key.string(), 900, anchor_key.string(),
                          [this](const std::string& line, const AnchorHead&) { anchor_lines.push_back(line); }});
  }
  void close() { audit.reset(); }
  void message(int i) { ASSERT_TRUE(audit->write("message", {{"message_id", "m" + std::to_string(i) + "@client.example"}})); }
  std::vector<FoundAnchor> anchors() const {
    std::string text;
    for (const auto& l : anchor_lines) text += "Dec  7 10:00:00 mx1 support-milter[42]: audit anchor " + l + "\n";
    std::vector<FoundAnchor> out;
    std::vector<std::string> errors;
    find_anchors(text, "syslog", &out, &errors);
    EXPECT_TRUE(errors.empty());
    return out;
  }
  VerifyOptions options(bool with_anchors = true) const {
    VerifyOptions o;
    o.keys = {verification};
    if (with_anchors) {
      o.anchors = anchors();
      o.anchor_keys = {anchor_public};
      o.anchors_given = true;
    }
    return o;
  }
  // The key the server holds now (what an attacker who takes it finds).
  SealKey server_key() const {
    std::string error;
    auto f = SealKeyFile::open(key.string(), &error);
    EXPECT_TRUE(f) << error;
    return f ? f->key() : SealKey();
  }
};

// start, m0..m3, seal of epoch 0 (seq 6), m4..m7, seal 1 (day: anchored, seq 11), m8..m11, seal 2
// (seq 16), m12, m13, stop, seal 3 (stop: anchored, seq 20).
std::unique_ptr<Sealed> standard_log(const std::string& name) {
  auto s = std::make_unique<Sealed>(name);
  EXPECT_TRUE(s->audit->write("start", {{"pid", 1}}));
  int m = 0;
  for (const char* reason : {"epoch", "day", "epoch"}) {
    for (int i = 0; i < 4; ++i) s->message(m++);
    EXPECT_TRUE(s->audit->seal_now(reason));
  }
  s->message(m++);
  s->message(m++);
  EXPECT_TRUE(s->audit->write("stop", {{"pid", 1}}));
  EXPECT_TRUE(s->audit->seal_now("stop"));
  s->close();
  return s;
}

// Every line from `from` on given the hash of the line before it (and, with `renumber`, the seq
// after it): what hides a change from a plain chain.
void rechain(std::vector<std::string>& lines, std::size_t from, bool renumber = false) {
  for (std::size_t i = from; i < lines.size(); ++i) {
    auto j = nlohmann::ordered_json::parse(lines[i]);
    j["prev"] = i == 0 ? std::string(64, '0') : sha256_hex(lines[i - 1]);
    if (renumber) j["seq"] = i == 0 ? 1 : nlohmann::ordered_json::parse(lines[i - 1])["seq"].get<std::uint64_t>() + 1;
    lines[i] = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
}

// Every seal from `from` on made again with `key` (the server's current key), after rechain.
void reseal(std::vector<std::string>& lines, std::size_t from, const SealKey& key) {
  for (std::size_t i = from; i < lines.size(); ++i) {
    auto j = nlohmann::ordered_json::parse(lines[i]);
    if (j["event"] == "seal") {
      j["mac"] = key.mac(seal_message(j.value("instance", ""), j["epoch"].get<std::uint64_t>(), j["seq"].get<std::uint64_t>(),
                                      j["prev"].get<std::string>(), j["time"].get<std::string>(), j["reason"].get<std::string>()));
      lines[i] = j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    if (i + 1 < lines.size()) {
      auto next = nlohmann::ordered_json::parse(lines[i + 1]);
      next["prev"] = sha256_hex(lines[i]);
      lines[i + 1] = next.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
}

std::string problems_of(const ChainReport& r) {
  std::string s;
  for (const auto& p : r.problems) s += p.file.substr(p.file.rfind('/') + 1) + ":" + std::to_string(p.line) + ": " + p.what + "\n";
  return s;
}

TEST(AuditSeal, AnIntactSealedLogVerifiesSealedAndAnchoredToTheEnd) {
  auto s = standard_log("seal-intact");
  ASSERT_EQ(read_lines(s->log).size(), 20u);
  ASSERT_EQ(s->anchor_lines.size(), 2u) << "the day's seal and the stop's";
  auto r = verify_audit_chain({s->log.string()}, s->options());
  EXPECT_TRUE(r.ok()) << problems_of(r);
  EXPECT_EQ(r.seals, 4u);
  EXPECT_TRUE(r.sealed);
  EXPECT_EQ(r.sealed_epoch, 3u);
  EXPECT_EQ(r.sealed_seq, 20u);
  EXPECT_EQ(r.unsealed_tail, 0u);
  EXPECT_EQ(r.anchors, 2u);
  EXPECT_EQ(r.anchors_matched, 2u);
  EXPECT_EQ(r.anchored_seq, 20u);
  auto lines = summary_lines(r);
  EXPECT_EQ(lines[0].rfind("sealed up to epoch 3 (seq 20, ", 0), 0u) << lines[0];
  EXPECT_EQ(lines[1].rfind("anchors matched up to seq 20 (", 0), 0u) << lines[1];
  // Without the keys, the same log is a plain chain that says what it could not check.
  auto plain = verify_audit_chain({s->log.string()});
  EXPECT_TRUE(plain.ok());
  EXPECT_EQ(summary_lines(plain)[0].rfind("seals not checked", 0), 0u);
  EXPECT_EQ(summary_lines(plain)[1], "anchors not checked (none given)");
}

TEST(AuditSeal, TheKeyOnDiskMovesOnAndTheOldOneIsGone) {
  auto s = std::make_unique<Sealed>("seal-evolve");
  const std::string before = slurp(s->key);
  const SealKey first = SealKey::first(s->verification);
  EXPECT_NE(before.find(hex(first.bytes().data(), first.bytes().size())), std::string::npos);
  EXPECT_TRUE(s->audit->seal_now("epoch"));
  EXPECT_EQ(s->audit->epoch(), 1u);
  const std::string after = slurp(s->key);
  EXPECT_EQ(after.find(hex(first.bytes().data(), first.bytes().size())), std::string::npos) << "epoch 0's key is gone";
  const SealKey second = first.next();
  EXPECT_NE(after.find(hex(second.bytes().data(), second.bytes().size())), std::string::npos);
  struct stat st {};
  ASSERT_EQ(::stat(s->key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_FALSE(fs::exists(s->key.string() + ".new"));
  // Whoever holds the key of epoch 1 holds no earlier one: next() only goes forward, and the
  // MAC of epoch 0 is not that of epoch 1.
  EXPECT_NE(first.mac("x"), second.mac("x"));
  EXPECT_TRUE(first.check("x", first.mac("x")));
  EXPECT_FALSE(second.check("x", first.mac("x")));
}

TEST(AuditSeal, KeysThatOthersMayReadOrThatADaemonHoldsAreRefused) {
  auto s = std::make_unique<Sealed>("seal-refuse");
  // Held by the open log: a second sealer (another daemon, keygen --force) is refused.
  std::string error;
  EXPECT_FALSE(SealKeyFile::open(s->key.string(), &error));
  EXPECT_NE(error.find("in use by another process"), std::string::npos) << error;
  EXPECT_FALSE(SealKeyFile::create(s->key.string(), SealKey::first(new_verification_key()), true, kNobody, kNobody, &error));
  EXPECT_NE(error.find("stop it first"), std::string::npos) << error;
  s->close();
  EXPECT_FALSE(SealKeyFile::create(s->key.string(), SealKey::first(new_verification_key()), false, kNobody, kNobody, &error));
  EXPECT_NE(error.find("refusing to replace"), std::string::npos) << error;
  ::chmod(s->key.c_str(), 0640);
  EXPECT_FALSE(SealKeyFile::open(s->key.string(), &error));
  EXPECT_NE(error.find("mode 0640"), std::string::npos) << error;
  ::chmod(s->anchor_key.c_str(), 0604);
  EXPECT_FALSE(AnchorSigner::open(s->anchor_key.string(), &error));
  EXPECT_NE(error.find("mode 0604"), std::string::npos) << error;
  AuditLog again(s->log.string(), {}, "mx1");
  EXPECT_THROW(again.start_sealing({s->key.string(), 900, "", {}}), std::runtime_error);
}

struct Tamper {
  const char* label;
  std::function<void(Sealed&, std::vector<std::string>&)> change;
  bool with_anchors;
  const char* want;        // substring of a problem
  std::size_t want_line;   // its line (0: any)
};

// The log after `change`, verified with the keys (and the anchors, where the row says so).
ChainReport tampered(const Tamper& t, const std::string& name) {
  auto s = standard_log(name);
  auto lines = read_lines(s->log);
  t.change(*s, lines);
  write_lines(s->log, lines);
  return verify_audit_chain({s->log.string()}, s->options(t.with_anchors));
}

TEST(AuditSeal, EveryTamperingIsFoundAndNamed) {
  const Tamper cases[] = {
      {"tail cut: the stop and its seal removed",
       [](Sealed&, auto& l) { l.resize(l.size() - 2); }, true, "the log ends at seq 18", 0},
      {"last record changed (the stop's seal)",
       [](Sealed&, auto& l) { l.back().replace(l.back().find("\"stop\""), 6, "\"epoc\""); }, false,
       "epoch 3: its seal (seq 20) does not verify", 20},
      {"last record before the stop seal changed, every later hash recomputed",
       [](Sealed&, auto& l) {
         l[18].replace(l[18].find("\"pid\":1"), 7, "\"pid\":9");
         rechain(l, 19);
       },
       false, "epoch 3: its seal (seq 20) does not verify: a record of this epoch (seq 17..20)", 20},
      {"head records deleted (start and the first two messages)",
       [](Sealed&, auto& l) { l.erase(l.begin(), l.begin() + 3); }, false,
       "the chain starts at seq 4: the records before it (seq 1..3) are missing", 1},
      {"head records deleted, the rest renumbered and rechained from seq 1",
       [](Sealed&, auto& l) {
         l.erase(l.begin(), l.begin() + 3);
         rechain(l, 0, true);
       },
       false, "epoch 0: its seal (seq 3) does not verify", 3},
      {"a record edited, every later hash recomputed",
       [](Sealed&, auto& l) {
         l[7].replace(l[7].find("m5@"), 3, "m9@");
         rechain(l, 8);
       },
       false, "epoch 1: its seal (seq 11) does not verify: a record of this epoch (seq 7..11)", 11},
      {"a record edited, every later hash recomputed: the anchors disagree too",
       [](Sealed&, auto& l) {
         l[7].replace(l[7].find("m5@"), 3, "m9@");
         rechain(l, 8);
       },
       true, "names seq 11 with hash", 0},
      {"the seal key of a later epoch used to re-seal an earlier one",
       [](Sealed& s, auto& l) {
         l[7].replace(l[7].find("m5@"), 3, "m9@");
         rechain(l, 8);
         reseal(l, 8, s.server_key());  // the key of epoch 4, which the server holds after the stop
       },
       false, "it verifies with the key of epoch 4: it was made at epoch 4 or later", 11},
      {"a seal deleted, the rest renumbered, rechained and re-sealed with the server's key",
       [](Sealed& s, auto& l) {
         l.erase(l.begin() + 10);  // the seal of epoch 1
         rechain(l, 10, true);
         reseal(l, 10, s.server_key());
       },
       false, "the seal of epoch 1 is missing, before the seal of epoch 2", 0},
      {"a seal deleted: the chain breaks where it was",
       [](Sealed&, auto& l) { l.erase(l.begin() + 10); }, false, "seq 12 follows seq 10 (records deleted)", 11},
      {"forged append after the stop's seal, backdated an hour",
       [](Sealed&, std::vector<std::string>& l) {
         auto last = nlohmann::ordered_json::parse(l.back());
         nlohmann::ordered_json forged;
         forged["time"] = format_rfc3339_ms(*parse_rfc3339(last["time"].get<std::string>()) - 3600000);
         forged["event"] = "release";
         forged["seq"] = last["seq"].get<std::uint64_t>() + 1;
         forged["prev"] = sha256_hex(l.back());
         forged["instance"] = "mx1";
         forged["queue_id"] = "4XyzForged";
         forged["by"] = "nobody we know";
         l.push_back(forged.dump());
       },
       false, "seq 21: its time", 21},
  };
  int n = 0;
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto r = tampered(c, "seal-tamper-" + std::to_string(n++));
    ASSERT_FALSE(r.ok()) << "not found";
    bool found = false;
    for (const auto& p : r.problems)
      if (p.what.find(c.want) != std::string::npos && (c.want_line == 0 || p.line == c.want_line)) found = true;
    EXPECT_TRUE(found) << problems_of(r);
  }
}

TEST(AuditSeal, AForgedAppendIsOutsideTheSealsAndTheAnchors) {
  auto s = standard_log("seal-append");
  // Appended after the stop with the right hash and the time of now: nothing seals it.
  std::string error;
  ASSERT_TRUE(append_audit_record(s->log.string(), "release", {{"queue_id", "4XyzForged"}, {"by", "invented"}}, &error)) << error;
  auto r = verify_audit_chain({s->log.string()}, s->options());
  EXPECT_TRUE(r.ok()) << problems_of(r);  // it may be a real release, made while the daemon was stopped
  EXPECT_EQ(r.sealed_seq, 20u);
  EXPECT_EQ(r.unsealed_tail, 1u);
  auto lines = summary_lines(r);
  EXPECT_NE(lines[0].find("tail after the last seal unsealed: 1 record(s) (seq 21)"), std::string::npos) << lines[0];
  EXPECT_NE(lines[1].find("1 record(s) after the last anchor"), std::string::npos) << lines[1];
}

TEST(AuditSeal, ATailCutIsAnUnsealedTailWithoutAnchorsAndTruncationWithThem) {
  auto s = standard_log("seal-tail");
  auto lines = read_lines(s->log);
  lines.resize(lines.size() - 2);  // the stop and its seal
  write_lines(s->log, lines);
  auto r = verify_audit_chain({s->log.string()}, s->options(false));
  EXPECT_TRUE(r.ok()) << problems_of(r);
  EXPECT_EQ(r.sealed_epoch, 2u);
  EXPECT_EQ(r.unsealed_tail, 2u);
  EXPECT_NE(summary_lines(r)[0].find("tail after the last seal unsealed: 2 record(s) (seq 17..18)"), std::string::npos)
      << summary_lines(r)[0];
  auto anchored = verify_audit_chain({s->log.string()}, s->options(true));
  EXPECT_FALSE(anchored.ok());
  EXPECT_EQ(anchored.anchored_seq, 11u);
}

TEST(AuditSeal, AFileDeletedBetweenRotationsIsFound) {
  auto s = std::make_unique<Sealed>("seal-rotation", AuditRotation{1500, false});
  for (int i = 0; i < 40; ++i) s->message(i);
  EXPECT_TRUE(s->audit->seal_now("stop"));
  s->close();
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(s->dir))
    if (e.path().filename().string().rfind("audit-", 0) == 0) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  files.push_back(s->log.string());
  ASSERT_GE(files.size(), 4u) << "rotations happened";
  // Each rotated file ends with the seal of its epoch, and each rotation is anchored.
  for (std::size_t i = 0; i + 1 < files.size(); ++i)
    EXPECT_NE(read_lines(files[i]).back().find("\"reason\":\"rotation\""), std::string::npos) << files[i];
  EXPECT_EQ(s->anchor_lines.size(), files.size());  // one per rotation, and the stop's
  auto whole = verify_audit_chain(files, s->options());
  EXPECT_TRUE(whole.ok()) << problems_of(whole);
  EXPECT_EQ(whole.unsealed_tail, 0u);
  EXPECT_EQ(whole.anchors_matched, files.size());

  // A middle file deleted.
  auto without = files;
  without.erase(without.begin() + 1);
  auto r = verify_audit_chain(without, s->options(false));
  EXPECT_FALSE(r.ok());
  EXPECT_NE(problems_of(r).find("(records deleted)"), std::string::npos) << problems_of(r);
  // The newest files deleted: only the anchors can tell.
  auto cut = files;
  cut.resize(files.size() - 2);
  auto plain = verify_audit_chain(cut, s->options(false));
  EXPECT_TRUE(plain.ok()) << "without anchors a log cut at a seal looks whole";
  auto anchored = verify_audit_chain(cut, s->options(true));
  EXPECT_FALSE(anchored.ok());
  EXPECT_NE(problems_of(anchored).find("the records after it are missing"), std::string::npos) << problems_of(anchored);
  // The oldest file deleted: the chain starts after seq 1; an anchor of its last record vouches
  // for the start, so a later part can be checked alone.
  auto later = files;
  later.erase(later.begin());
  auto unvouched = verify_audit_chain(later, s->options(false));
  EXPECT_FALSE(unvouched.ok());
  EXPECT_NE(problems_of(unvouched).find("are missing (give the older files first"), std::string::npos);
  auto vouched = verify_audit_chain(later, s->options(true));
  EXPECT_TRUE(vouched.ok()) << problems_of(vouched);
  ASSERT_FALSE(vouched.notes.empty());
  EXPECT_NE(vouched.notes[0].find("after the anchor of"), std::string::npos) << vouched.notes[0];
}

TEST(AuditSeal, AChainRestartedFromScratchDisagreesWithTheAnchors) {
  auto s = standard_log("seal-scratch");
  const auto anchors = s->anchors();
  // Everything deleted; a new key made (keygen --force) and a fresh log of the same length.
  fs::remove(s->log);
  std::string error;
  s->verification = new_verification_key();
  ASSERT_TRUE(SealKeyFile::create(s->key.string(), SealKey::first(s->verification), true, kNobody, kNobody, &error)) << error;
  s->anchor_lines.clear();
  s->open();
  for (int i = 0; i < 25; ++i) s->message(100 + i);
  s->audit->seal_now("stop");
  s->close();
  VerifyOptions o = s->options(false);  // the new verification key: the new log's seals verify
  o.anchors = anchors;                  // ... but the auditor holds the old anchors
  o.anchor_keys = {s->anchor_public};
  o.anchors_given = true;
  auto r = verify_audit_chain({s->log.string()}, o);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(problems_of(r).find("restarted from scratch"), std::string::npos) << problems_of(r);
  // A shorter new chain: the anchors name records it does not reach.
  fs::remove(s->log);
  s->open();
  s->message(1);
  s->close();
  auto shorter = verify_audit_chain({s->log.string()}, o);
  EXPECT_NE(problems_of(shorter).find("the records after it are missing"), std::string::npos) << problems_of(shorter);
}

TEST(AuditSeal, AnAnchorChangedOrFromAnotherKeyIsNotTrusted) {
  auto s = standard_log("seal-anchor-forged");
  auto o = s->options();
  // Someone edits the anchor he received to match a changed log.
  o.anchors[0].head.head = std::string(64, 'a');
  auto j = nlohmann::json::parse(o.anchors[0].signed_text);
  j["head"] = std::string(64, 'a');
  o.anchors[0].signed_text = j.dump();
  auto r = verify_audit_chain({s->log.string()}, o);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(problems_of(r).find("is not signed by the anchor key given"), std::string::npos) << problems_of(r);
  EXPECT_EQ(r.anchors, 1u) << "only the good one counts";
  // Another server's key.
  auto other = std::make_unique<Sealed>("seal-anchor-other");
  auto o2 = s->options();
  o2.anchor_keys = {other->anchor_public};
  EXPECT_EQ(verify_audit_chain({s->log.string()}, o2).problems.size(), 2u);
}

TEST(AuditSeal, AWrongVerificationKeyVerifiesNothing) {
  auto s = standard_log("seal-wrong-key");
  VerifyOptions o;
  o.keys = {new_verification_key()};
  auto r = verify_audit_chain({s->log.string()}, o);
  EXPECT_FALSE(r.ok());
  EXPECT_FALSE(r.sealed);
  EXPECT_NE(problems_of(r).find("epoch 0: its seal (seq 6) does not verify"), std::string::npos) << problems_of(r);
  EXPECT_NE(problems_of(r).find("3 later seal(s) (epochs 1..3) do not verify either"), std::string::npos) << problems_of(r);
  EXPECT_EQ(summary_lines(r)[0], "not sealed: no seal verifies with the key given");
}

TEST(AuditSeal, AnOldUnsealedLogVerifiesAsBeforeAndSaysSo) {
  auto dir = fresh_dir("seal-old");
  auto path = dir / "audit.jsonl";
  {
    AuditLog log(path.string());
    for (int i = 0; i < 5; ++i) log.write("message", {{"i", i}});
  }
  VerifyOptions o;
  o.keys = {new_verification_key()};
  auto r = verify_audit_chain({path.string()}, o);
  EXPECT_TRUE(r.ok()) << problems_of(r);
  EXPECT_EQ(r.records, 5u);
  EXPECT_EQ(summary_lines(r)[0].rfind("unsealed: the log carries no seals", 0), 0u) << summary_lines(r)[0];
}

TEST(AuditSeal, ARestartAfterASealWhoseKeyDidNotMoveOnTakesTheNextEpoch) {
  auto s = std::make_unique<Sealed>("seal-restart");
  s->message(0);
  const std::string key_of_epoch_0 = slurp(s->key);
  ASSERT_TRUE(s->audit->seal_now("epoch"));
  s->close();
  // As after a crash between the seal and the key's evolution: the file still holds epoch 0.
  {
    std::ofstream(s->key, std::ios::trunc) << key_of_epoch_0;
  }
  s->open();
  EXPECT_EQ(s->audit->epoch(), 1u);
  s->message(1);
  ASSERT_TRUE(s->audit->seal_now("stop"));
  s->close();
  auto r = verify_audit_chain({s->log.string()}, s->options());
  EXPECT_TRUE(r.ok()) << problems_of(r);
  EXPECT_EQ(r.sealed_epoch, 1u);
  // A plain restart goes on with the key as it was left.
  s->open();
  EXPECT_EQ(s->audit->epoch(), 2u);
}

TEST(AuditSeal, ANewKeyStartsAtEpochZeroAndTheAuditorGivesBothKeys) {
  auto s = standard_log("seal-rekey");
  const VerificationKey old_key = s->verification;
  std::string error;
  s->verification = new_verification_key();
  ASSERT_TRUE(SealKeyFile::create(s->key.string(), SealKey::first(s->verification), true, kNobody, kNobody, &error));
  ASSERT_TRUE(append_audit_record(s->log.string(), "keygen", {{"instance", "mx1"}}, &error)) << error;
  s->open();
  EXPECT_EQ(s->audit->epoch(), 0u) << "the keygen record says the key is new";
  s->message(50);
  ASSERT_TRUE(s->audit->seal_now("stop"));
  s->close();
  VerifyOptions both;
  both.keys = {old_key, s->verification};
  auto r = verify_audit_chain({s->log.string()}, both);
  EXPECT_TRUE(r.ok()) << problems_of(r);
  EXPECT_EQ(r.sealed_epoch, 0u);
  EXPECT_EQ(r.sealed_seq, 23u);
  VerifyOptions new_only;
  new_only.keys = {s->verification};
  EXPECT_FALSE(verify_audit_chain({s->log.string()}, new_only).ok()) << "the old seals need the old key";
}

TEST(AuditSeal, EpochsEndOnTheClockAndAtMidnight) {
  auto s = std::make_unique<Sealed>("seal-clock");
  const std::int64_t due = s->audit->next_seal_due();
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch()).count();
  const std::int64_t midnight = (now / 86400000 + 1) * 86400000;
  EXPECT_GT(due, now - 1000);
  EXPECT_EQ(due % (900 * 1000), 0) << "a multiple of the epoch length";
  EXPECT_LE(due - now, 900 * 1000);
  EXPECT_LE(due, midnight);
  EXPECT_TRUE(s->audit->seal_if_due(due - 1));
  EXPECT_EQ(s->audit->epoch(), 0u) << "not due yet";
  s->message(0);
  EXPECT_TRUE(s->audit->seal_if_due(due));
  EXPECT_EQ(s->audit->epoch(), 1u);
  EXPECT_GT(s->audit->next_seal_due(), due);
  // Midnight UTC ends the day (and the epoch that runs then): that seal is anchored with the
  // day's counts, which start again after it. An epoch's seal is not anchored.
  if (due < midnight) {
    EXPECT_TRUE(s->anchor_lines.empty()) << "an epoch's seal is not anchored";
    s->message(1);
    EXPECT_TRUE(s->audit->seal_if_due(midnight));
  }
  ASSERT_EQ(s->anchor_lines.size(), 1u);
  auto day = s->anchors()[0].head;
  EXPECT_EQ(day.reason, "day");
  EXPECT_EQ(day.counts_from, 1u);
  EXPECT_EQ(day.counts.at("seal"), day.epoch + 1);
  EXPECT_EQ(day.counts.at("message"), day.epoch + 1);
  EXPECT_GT(s->audit->next_seal_due(), midnight);
  s->message(2);
  EXPECT_TRUE(s->audit->seal_now("stop"));
  EXPECT_EQ(s->anchors()[1].head.counts_from, day.seq + 1);
  EXPECT_EQ(s->anchors()[1].head.counts.at("message"), 1u);
}

// The daemon's sealer seals while libmilter's workers write: one chain, every epoch sealed once.
TEST(AuditSeal, ConcurrentWritersAndTheSealerKeepOneSealedChain) {
  auto s = std::make_unique<Sealed>("seal-concurrent", AuditRotation{20000, false});
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t)
    writers.emplace_back([&s, t] {
      for (int i = 0; i < 150; ++i) s->audit->write("message", {{"t", t}, {"i", i}});
    });
  std::thread sealer([&s] {
    for (int i = 0; i < 20; ++i) s->audit->seal_now("epoch");
  });
  for (auto& w : writers) w.join();
  sealer.join();
  ASSERT_TRUE(s->audit->seal_now("stop"));
  s->close();
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(s->dir))
    if (e.path().filename().string().rfind("audit-", 0) == 0) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  files.push_back(s->log.string());
  auto r = verify_audit_chain(files, s->options());
  EXPECT_TRUE(r.ok()) << problems_of(r);
  EXPECT_EQ(r.records, 600u + r.seals);
  EXPECT_EQ(r.seals, 21u + (files.size() - 1)) << "20, the stop's, and one per rotation";
  EXPECT_EQ(r.sealed_epoch, r.seals - 1);
  EXPECT_EQ(r.unsealed_tail, 0u);
  EXPECT_EQ(r.anchors_matched, files.size());
}

// Files may grow only up to `bytes` while it lives (RLIMIT_FSIZE, as a full disk).
class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    getrlimit(RLIMIT_FSIZE, &old_);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit r = old_;
    r.rlim_cur = bytes;
    ok_ = setrlimit(RLIMIT_FSIZE, &r) == 0;
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }
  bool ok() const { return ok_; }

 private:
  rlimit old_{};
  void (*old_handler_)(int) = SIG_DFL;
  bool ok_ = false;
};

TEST(AuditSeal, ASealThatCannotBeWrittenKeepsItsEpochAndIsWrittenLater) {
  auto s = std::make_unique<Sealed>("seal-full");
  s->message(0);
  {
    FileSizeLimit limit(fs::file_size(s->log) + 40);
    ASSERT_TRUE(limit.ok());
    EXPECT_FALSE(s->audit->seal_now("epoch"));
    EXPECT_FALSE(s->audit->write("message", {{"message_id", "m1@client.example"}})) << "the message is tempfailed";
  }
  EXPECT_EQ(s->audit->epoch(), 0u) << "the key moves on only after its seal is written";
  s->message(2);
  EXPECT_TRUE(s->audit->seal_now("stop"));
  s->close();
  auto r = verify_audit_chain({s->log.string()}, s->options());
  EXPECT_TRUE(r.ok()) << problems_of(r);
  EXPECT_EQ(r.records, 3u) << "nothing of the failed records stays";
  EXPECT_EQ(r.sealed_epoch, 0u);
}

TEST(AuditSeal, AnchorsAreFoundInMailAndLogTextAndCarryTheDaysCounts) {
  auto s = standard_log("seal-anchor-text");
  ASSERT_EQ(s->anchor_lines.size(), 2u);
  auto found = s->anchors();
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].origin, "syslog:1");
  const AnchorHead& day = found[0].head;
  EXPECT_EQ(day.reason, "day");
  EXPECT_EQ(day.instance, "mx1");
  EXPECT_EQ(day.seq, 11u);
  EXPECT_EQ(day.epoch, 1u);
  EXPECT_EQ(day.counts_from, 1u);
  EXPECT_EQ(day.counts.at("message"), 8u);
  EXPECT_EQ(day.counts.at("seal"), 2u);
  EXPECT_EQ(day.counts.at("start"), 1u);
  // The day's seal starts a new count.
  const AnchorHead& stop = found[1].head;
  EXPECT_EQ(stop.counts_from, 12u);
  EXPECT_EQ(stop.counts.at("message"), 6u);
  EXPECT_TRUE(found[0].signed_by(s->anchor_public));
  // A line that holds the mark but is not an anchor is said, not taken.
  std::vector<FoundAnchor> more;
  std::vector<std::string> errors;
  find_anchors("x\n{\"anchor\":1,\"seq\":\"nine\"}\n", "mail#2", &more, &errors);
  EXPECT_TRUE(more.empty());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0], "mail#2:2: not a readable anchor");
}

TEST(AuditSeal, KeysAreReadOnlyInTheirOwnForm) {
  std::string error;
  const auto v = new_verification_key();
  auto back = parse_verification_key("  " + format_verification_key(v) + "\n", &error);
  ASSERT_TRUE(back) << error;
  EXPECT_EQ(back->bytes, v.bytes);
  for (const char* bad : {"", "sm-seal-v1:", "sm-seal-v1:00", "sm-anchor-v1:" "0000000000000000000000000000000000000000000000000000000000000000",
                          "sm-seal-v1:zz00000000000000000000000000000000000000000000000000000000000000"})
    EXPECT_FALSE(parse_verification_key(bad, &error)) << bad;
  EXPECT_FALSE(parse_anchor_public_key(format_verification_key(v), &error));
}

}  // namespace
}  // namespace sm
