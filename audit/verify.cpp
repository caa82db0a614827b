// Audit log verification: the hash chain, the seals and the anchors, in one pass over the lines.
#include "audit/verify.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include "base/digest.h"
#include "base/json_fields.h"
#include "message/datetime.h"

namespace sm {

namespace {

// A record's times may go back behind the seal before them by this much (the writers take their
// time under one lock, so only a clock set back does it): more is a record written later than
// it claims.
constexpr TimeMs kClockSlackMs = 2000;
// How far past the last epoch seen a failed seal's MAC is tried with later keys.
constexpr std::uint64_t kLaterEpochsTried = 100000;

std::string range(std::uint64_t a, std::uint64_t b) {
  return a == b ? "seq " + std::to_string(a) : "seq " + std::to_string(a) + ".." + std::to_string(b);
}

std::string short_hash(const std::string& h) { return h.substr(0, 12) + "…"; }

// Keys of the epochs, derived forward from each verification key and kept for the next seal.
class EpochKeys {
 public:
  explicit EpochKeys(const std::vector<VerificationKey>& keys) : keys_(keys), cache_(keys.size()) {}
  SealKey at(std::size_t i, std::uint64_t epoch) {
    auto& c = cache_[i];
    if (!c || c->epoch() > epoch) c = SealKey::first(keys_[i]);
    while (c->epoch() < epoch) c = c->next();
    return *c;
  }
  std::size_t size() const { return keys_.size(); }

 private:
  const std::vector<VerificationKey>& keys_;
  std::vector<std::optional<SealKey>> cache_;
};

struct FailedSeal {
  std::string file;
  std::size_t line = 0;
  std::uint64_t epoch = 0, seq = 0, epoch_first_seq = 0;
  std::string message, mac;
  int key = -1;  // the era's key, when known
};

}  // namespace

// The state of one walk over a log's lines: the chain, the seals, the anchors.
struct ChainVerifier::State {
  const VerifyOptions& o;
  ChainReport r;
  std::vector<const FoundAnchor*> signed_anchors;
  std::multimap<std::uint64_t, const FoundAnchor*> anchors;  // of this log's instance
  std::map<const FoundAnchor*, bool> anchor_seen;
  std::uint64_t other_instances = 0;

  // The chain.
  std::string prev_hash;  // empty until the first record
  std::uint64_t prev_seq = 0;
  // The seals.
  EpochKeys keys{o.keys};
  int era_key = -1;                      // the verification key of the seals since the last keygen
  // (Plain values with flags: g++ 12 takes optionals of integers here for uninitialised.)
  bool have_epoch = false;                // a seal since the last keygen
  std::uint64_t last_epoch = 0;           // its epoch
  bool after_keygen = false;              // a keygen record since the last seal
  std::uint64_t keygen_seq = 0;           // its seq
  std::uint64_t epoch_first_seq = 0;     // the first record of the current epoch
  std::uint64_t max_epoch = 0;
  std::optional<FailedSeal> failed;
  std::uint64_t failed_later = 0, failed_later_first = 0, failed_later_last = 0;
  std::optional<TimeMs> sealed_at;  // the time of the last seal that verified
  std::uint64_t sealed_at_seq = 0;
  std::uint64_t sealed_at_epoch = 0;

  explicit State(const VerifyOptions& options) : o(options) {
    r.keys_given = !o.keys.empty();
    r.anchors_given = o.anchors_given || !o.anchors.empty();
    // Anchors with a good signature, by seq, once the log's instance is known (its first record).
    for (const auto& a : o.anchors) {
      bool good = std::any_of(o.anchor_keys.begin(), o.anchor_keys.end(), [&](const auto& k) { return a.signed_by(k); });
      if (good) signed_anchors.push_back(&a);
      else
        problem(a.origin, 0, "the anchor of " + a.head.time + " (seq " + std::to_string(a.head.seq) +
                                 ") is not signed by the anchor key given: forged or changed");
    }
    options_problems = r.problems.size();
  }
  std::size_t options_problems = 0;  // the first problems: those of the options (unsigned anchors)
  std::set<const FoundAnchor*> before_restore;  // anchors naming records read before restore()

  void problem(const std::string& file, std::size_t line, std::string what) {
    r.problems.push_back({file, line, std::move(what)});
  }

  void add(const std::string& file, std::size_t lineno, std::string_view line, const ChainLine& c) {
    if (!c.formed) {
      problem(file, lineno, "not an audit record (unparseable or without seq/prev)");
      prev_hash.clear();
      return;
    }
    const std::uint64_t seq = c.seq;
    const std::string& prev = c.prev;
    const std::string hash = sha256_hex(line);
    if (r.records == 0 && prev_hash.empty()) {
      r.first_seq = seq;
      r.instance = c.instance;
      for (const FoundAnchor* a : signed_anchors) {
        if (a->head.instance != r.instance) {
          ++other_instances;
          continue;
        }
        anchors.emplace(a->head.seq, a);
        anchor_seen[a] = false;
      }
      r.anchors = anchors.size();
      epoch_first_seq = seq;
      if (seq == 1) {
        if (prev != std::string(64, '0')) problem(file, lineno, "seq 1 does not start the chain (prev is not zero)");
      } else {
        auto [b, e] = anchors.equal_range(seq - 1);
        auto vouch = std::find_if(b, e, [&](const auto& a) { return a.second->head.head == prev; });
        if (vouch != e)
          r.notes.push_back("the chain starts at seq " + std::to_string(seq) + ", after the anchor of " +
                            vouch->second->head.time + " (seq " + std::to_string(seq - 1) +
                            "): the records before it were not checked");
        else
          problem(file, lineno, "the chain starts at seq " + std::to_string(seq) + ": the records before it (" +
                                    range(1, seq - 1) + ") are missing (give the older files first, oldest first)");
      }
    } else {
      if (seq != prev_seq + 1)
        problem(file, lineno, "seq " + std::to_string(seq) + " follows seq " + std::to_string(prev_seq) +
                                  (seq <= prev_seq ? " (records reordered or repeated)" : " (records deleted)"));
      else if (!prev_hash.empty() && prev != prev_hash)
        problem(file, lineno, "seq " + std::to_string(seq) + ": the record before it was changed");
    }

    const std::string& event = c.event;
    const std::string& time = c.time;
    const auto when = parse_rfc3339(time);
    if (sealed_at && when && *when + kClockSlackMs < *sealed_at)
      problem(file, lineno, "seq " + std::to_string(seq) + ": its time " + time + " is before the seal of epoch " +
                                std::to_string(sealed_at_epoch) + " (seq " + std::to_string(sealed_at_seq) +
                                ") that comes before it: written later than it says");

    if (event == "keygen") {
      after_keygen = true;
      keygen_seq = seq;
      era_key = -1;
      have_epoch = false;
      r.notes.push_back("a new sealing key from seq " + std::to_string(seq) + " on (audit keygen)");
    } else if (event == "seal") {
      ++r.seals;
      if (!c.seal_formed) {
        problem(file, lineno, "seq " + std::to_string(seq) + ": a seal without its epoch, reason or mac");
      } else {
        const std::uint64_t epoch = c.epoch;
        max_epoch = std::max(max_epoch, epoch);
        const std::string where = "the seal of epoch " + std::to_string(epoch) + " (seq " + std::to_string(seq) + ")";
        // The epochs, one after the other.
        if (have_epoch) {
          if (epoch == last_epoch)
            r.notes.push_back("epoch " + std::to_string(epoch) + " is sealed twice (the second at seq " +
                              std::to_string(seq) + "): a stop between a seal and its key's evolution");
          else if (epoch > last_epoch + 1)
            problem(file, lineno, (epoch - 1 > last_epoch + 1
                                       ? "the seals of epochs " + std::to_string(last_epoch + 1) + ".." +
                                             std::to_string(epoch - 1) + " are missing"
                                       : "the seal of epoch " + std::to_string(last_epoch + 1) + " is missing") +
                                      ", before " + where);
          else if (epoch < last_epoch)
            problem(file, lineno, where + " comes after the seal of epoch " + std::to_string(last_epoch) +
                                      ": epochs go back");
        } else if (after_keygen && epoch != 0) {
          problem(file, lineno, where + " is the first after the new key of seq " + std::to_string(keygen_seq) +
                                    ", which starts at epoch 0: the seals before it are missing");
        } else if (!after_keygen && r.first_seq == 1 && epoch != 0) {
          problem(file, lineno, where + " is the log's first: the seals of epochs 0.." + std::to_string(epoch - 1) +
                                    " are missing");
        }
        have_epoch = true;
        last_epoch = epoch;
        after_keygen = false;
        // The MAC.
        bool good = true;
        if (r.keys_given) {
          const std::string message = seal_message(c.instance, epoch, seq, prev, time, c.reason);
          const std::string& mac = c.mac;
          good = false;
          if (era_key >= 0) {
            good = keys.at(static_cast<std::size_t>(era_key), epoch).check(message, mac);
          } else {
            for (std::size_t i = 0; i < keys.size() && !good; ++i)
              if (keys.at(i, epoch).check(message, mac)) {
                good = true;
                era_key = static_cast<int>(i);
              }
          }
          if (!good) {
            if (!failed) {
              failed = FailedSeal{file, lineno, epoch, seq, epoch_first_seq, message, mac, era_key};
            } else {
              if (failed_later == 0) failed_later_first = epoch;
              failed_later_last = epoch;
              ++failed_later;
            }
          }
        }
        if (good && !failed) {
          r.sealed = true;
          r.sealed_epoch = epoch;
          r.sealed_seq = seq;
          r.sealed_time = time;
          if (r.keys_given && when) sealed_at = when, sealed_at_seq = seq, sealed_at_epoch = epoch;
        }
      }
      epoch_first_seq = seq + 1;
    }

    // The anchors that name this seq.
    for (auto [b, e] = anchors.equal_range(seq); b != e; ++b) {
      const FoundAnchor& a = *b->second;
      anchor_seen[&a] = true;
      if (a.head.head != hash) {
        problem(a.origin, 0, "the anchor of " + a.head.time + " (" + a.head.reason + ") names seq " +
                                 std::to_string(seq) + " with hash " + short_hash(a.head.head) + "; the log's seq " +
                                 std::to_string(seq) + " (" + file + ":" + std::to_string(lineno) + ") has hash " +
                                 short_hash(hash) + ": the log was changed after the anchor, or restarted from scratch");
        continue;
      }
      if (event != "seal" || !c.epoch_value || *c.epoch_value != a.head.epoch)
        problem(a.origin, 0, "the anchor of " + a.head.time + " names seq " + std::to_string(seq) +
                                 " as the seal of epoch " + std::to_string(a.head.epoch) + "; it is not");
      ++r.anchors_matched;
      if (seq >= r.anchored_seq) r.anchored_seq = seq, r.anchored_time = a.head.time;
    }

    prev_seq = seq;
    prev_hash = hash;
    r.last_seq = seq;
    r.head = prev_hash;
    ++r.records;
  }

  ChainReport finish() {
    if (failed) {
      std::string what = "epoch " + std::to_string(failed->epoch) + ": its seal (seq " + std::to_string(failed->seq) +
                         ") does not verify";
      what += failed->key >= 0 || keys.size() == 1
                  ? ": a record of this epoch (" + range(failed->epoch_first_seq, failed->seq) +
                        ") was changed after it was sealed, or the seal was made with another key"
                  : " with any key given: not this log's key, or a record of this epoch (" +
                        range(failed->epoch_first_seq, failed->seq) + ") was changed";
      // Made with a later epoch's key (whoever held the server then)?
      const std::uint64_t last_tried = std::min(max_epoch + 16, failed->epoch + kLaterEpochsTried);
      for (std::size_t i = 0; i < keys.size(); ++i) {
        if (failed->key >= 0 && static_cast<int>(i) != failed->key) continue;
        for (std::uint64_t e = failed->epoch + 1; e <= last_tried; ++e)
          if (keys.at(i, e).check(failed->message, failed->mac)) {
            what += " (it verifies with the key of epoch " + std::to_string(e) + ": it was made at epoch " +
                    std::to_string(e) + " or later, by whoever held the sealing key then)";
            i = keys.size();
            break;
          }
      }
      problem(failed->file, failed->line, what);
      if (failed_later > 0)
        problem(failed->file, 0, std::to_string(failed_later) + " later seal(s) (epochs " + std::to_string(failed_later_first) +
                                     (failed_later_last != failed_later_first ? ".." + std::to_string(failed_later_last) : "") +
                                     ") do not verify either");
    }

    // Anchors the walk did not reach (all of them when the log holds no record at all).
    if (r.records == 0) {
      for (const FoundAnchor* a : signed_anchors) anchors.emplace(a->head.seq, a);
      r.anchors = anchors.size();
    }
    std::uint64_t before = 0;
    if (!before_restore.empty())
      r.notes.push_back(std::to_string(before_restore.size()) +
                        " anchor(s) name records read before the report's checkpoint; not checked");
    for (const auto& [seq, a] : anchors) {
      if (anchor_seen[a] || before_restore.count(a) > 0) continue;
      if (r.records == 0 || seq > r.last_seq)
        problem(a->origin, 0, "the anchor of " + a->head.time + " (" + a->head.reason + ") names seq " + std::to_string(seq) +
                                  ", but the log ends " + (r.records == 0 ? std::string("before any record") : "at seq " + std::to_string(r.last_seq)) +
                                  ": the records after it are missing (cut off, or a file deleted)");
      else if (seq < r.first_seq)
        ++before;
      else
        problem(a->origin, 0, "the anchor of " + a->head.time + " names seq " + std::to_string(seq) +
                                  ", which the log does not hold");
    }
    if (before > 0)
      r.notes.push_back(std::to_string(before) + " anchor(s) name records before the files given; not checked");
    if (other_instances > 0)
      r.notes.push_back(std::to_string(other_instances) + " anchor(s) of other instances set aside");
    r.unsealed_tail = r.sealed ? r.last_seq - r.sealed_seq : r.records;
    return std::move(r);
  }
};

ChainVerifier::ChainVerifier(const VerifyOptions& options) : s_(std::make_unique<State>(options)) {}
ChainVerifier::~ChainVerifier() = default;

bool ChainVerifier::begin_file(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    s_->problem(file, 0, "cannot read the file");
    return false;
  }
  // A last line without its newline is cut short: said first (with its number), then left out.
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  bool cut = false;
  if (size > 0) {
    in.seekg(-1, std::ios::end);
    cut = in.get() != '\n';
  }
  if (cut) {
    in.seekg(0);
    std::size_t lines = 1;
    char buf[1 << 16];
    while (in.read(buf, sizeof buf) || in.gcount() > 0) lines += std::count(buf, buf + in.gcount(), '\n');
    s_->problem(file, lines, "the last record is cut short (truncated file)");
  }
  return true;
}

void ChainVerifier::add(const std::string& file, std::size_t lineno, std::string_view line, const ChainLine& fields) {
  s_->add(file, lineno, line, fields);
}

ChainReport ChainVerifier::finish() { return s_->finish(); }

nlohmann::json ChainVerifier::save() const {
  const State& s = *s_;
  const ChainReport& r = s.r;
  nlohmann::json problems = nlohmann::json::array();
  for (std::size_t i = s.options_problems; i < r.problems.size(); ++i)
    problems.push_back({r.problems[i].file, r.problems[i].line, r.problems[i].what});
  nlohmann::json seen = nlohmann::json::array();
  for (const auto& [a, was_seen] : s.anchor_seen)
    if (was_seen || s.before_restore.count(a) > 0) seen.push_back({a->head.seq, a->head.head});
  nlohmann::json failed = nullptr;
  if (s.failed)
    failed = {{"file", s.failed->file}, {"line", s.failed->line}, {"epoch", s.failed->epoch}, {"seq", s.failed->seq},
              {"epoch_first_seq", s.failed->epoch_first_seq}, {"message", s.failed->message}, {"mac", s.failed->mac},
              {"key", s.failed->key}};
  return {{"records", r.records}, {"first_seq", r.first_seq}, {"last_seq", r.last_seq}, {"head", r.head},
          {"instance", r.instance}, {"problems", problems}, {"notes", r.notes}, {"seals", r.seals},
          {"sealed", r.sealed}, {"sealed_epoch", r.sealed_epoch}, {"sealed_seq", r.sealed_seq},
          {"sealed_time", r.sealed_time}, {"anchors_matched", r.anchors_matched}, {"anchored_seq", r.anchored_seq},
          {"anchored_time", r.anchored_time}, {"anchors_seen", seen}, {"prev_hash", s.prev_hash},
          {"prev_seq", s.prev_seq}, {"era_key", s.era_key}, {"have_epoch", s.have_epoch}, {"last_epoch", s.last_epoch},
          {"after_keygen", s.after_keygen}, {"keygen_seq", s.keygen_seq}, {"epoch_first_seq", s.epoch_first_seq},
          {"max_epoch", s.max_epoch}, {"failed", failed}, {"failed_later", s.failed_later},
          {"failed_later_first", s.failed_later_first}, {"failed_later_last", s.failed_later_last},
          {"sealed_at", s.sealed_at ? nlohmann::json(*s.sealed_at) : nlohmann::json(nullptr)},
          {"sealed_at_seq", s.sealed_at_seq}, {"sealed_at_epoch", s.sealed_at_epoch}};
}

bool ChainVerifier::restore(const nlohmann::json& j, std::string* error) {
  State& s = *s_;
  ChainReport& r = s.r;
  try {
    r.records = j.at("records").get<std::uint64_t>();
    r.first_seq = j.at("first_seq").get<std::uint64_t>();
    r.last_seq = j.at("last_seq").get<std::uint64_t>();
    r.head = j.at("head").get<std::string>();
    r.instance = j.at("instance").get<std::string>();
    for (const auto& p : j.at("problems"))
      r.problems.push_back({p.at(0).get<std::string>(), p.at(1).get<std::size_t>(), p.at(2).get<std::string>()});
    r.notes = j.at("notes").get<std::vector<std::string>>();
    r.seals = j.at("seals").get<std::uint64_t>();
    r.sealed = j.at("sealed").get<bool>();
    r.sealed_epoch = j.at("sealed_epoch").get<std::uint64_t>();
    r.sealed_seq = j.at("sealed_seq").get<std::uint64_t>();
    r.sealed_time = j.at("sealed_time").get<std::string>();
    r.anchors_matched = j.at("anchors_matched").get<std::uint64_t>();
    r.anchored_seq = j.at("anchored_seq").get<std::uint64_t>();
    r.anchored_time = j.at("anchored_time").get<std::string>();
    s.prev_hash = j.at("prev_hash").get<std::string>();
    s.prev_seq = j.at("prev_seq").get<std::uint64_t>();
    s.era_key = j.at("era_key").get<int>();
    if (s.era_key >= static_cast<int>(s.keys.size())) throw std::runtime_error("its sealing key is not among those given");
    s.have_epoch = j.at("have_epoch").get<bool>();
    s.last_epoch = j.at("last_epoch").get<std::uint64_t>();
    s.after_keygen = j.at("after_keygen").get<bool>();
    s.keygen_seq = j.at("keygen_seq").get<std::uint64_t>();
    s.epoch_first_seq = j.at("epoch_first_seq").get<std::uint64_t>();
    s.max_epoch = j.at("max_epoch").get<std::uint64_t>();
    if (const auto& f = j.at("failed"); !f.is_null())
      s.failed = FailedSeal{f.at("file").get<std::string>(), f.at("line").get<std::size_t>(),
                            f.at("epoch").get<std::uint64_t>(), f.at("seq").get<std::uint64_t>(),
                            f.at("epoch_first_seq").get<std::uint64_t>(), f.at("message").get<std::string>(),
                            f.at("mac").get<std::string>(), f.at("key").get<int>()};
    s.failed_later = j.at("failed_later").get<std::uint64_t>();
    s.failed_later_first = j.at("failed_later_first").get<std::uint64_t>();
    s.failed_later_last = j.at("failed_later_last").get<std::uint64_t>();
    if (const auto& t = j.at("sealed_at"); !t.is_null()) s.sealed_at = t.get<TimeMs>();
    s.sealed_at_seq = j.at("sealed_at_seq").get<std::uint64_t>();
    s.sealed_at_epoch = j.at("sealed_at_epoch").get<std::uint64_t>();
    // The anchors of the instance, as the first record sets them up; those naming records read
    // before are matched by the state's list, or else not checked.
    if (r.records > 0) {
      std::set<std::pair<std::uint64_t, std::string>> seen;
      for (const auto& a : j.at("anchors_seen")) seen.emplace(a.at(0).get<std::uint64_t>(), a.at(1).get<std::string>());
      for (const FoundAnchor* a : s.signed_anchors) {
        if (a->head.instance != r.instance) {
          ++s.other_instances;
          continue;
        }
        s.anchors.emplace(a->head.seq, a);
        const bool was_seen = seen.count({a->head.seq, a->head.head}) > 0;
        s.anchor_seen[a] = was_seen;
        if (!was_seen && a->head.seq <= r.last_seq && a->head.seq >= r.first_seq) s.before_restore.insert(a);
      }
      r.anchors = s.anchors.size();
    }
  } catch (const std::exception& e) {
    if (error != nullptr) *error = std::string("the chain's state is not readable: ") + e.what();
    return false;
  }
  return true;
}

ChainLine chain_line(const nlohmann::json& j) {
  ChainLine c;
  if (!j.is_object()) return c;
  auto seq = j.find("seq");
  auto prev = j.find("prev");
  c.formed = seq != j.end() && seq->is_number_unsigned() && prev != j.end() && prev->is_string();
  if (!c.formed) return c;
  c.seq = seq->get<std::uint64_t>();
  c.prev = prev->get<std::string>();
  c.event = json_string(j, "event");
  c.time = json_string(j, "time");
  c.instance = json_string(j, "instance");
  if (c.event == "seal") {
    auto epoch = j.find("epoch");
    if (epoch != j.end()) c.epoch_value = *epoch;
    c.seal_formed = epoch != j.end() && epoch->is_number_unsigned() && j.contains("mac") && j["mac"].is_string() &&
                    j.contains("reason") && j["reason"].is_string();
    if (c.seal_formed) {
      c.epoch = epoch->get<std::uint64_t>();
      c.mac = j["mac"].get<std::string>();
      c.reason = j["reason"].get<std::string>();
    }
  }
  return c;
}

// chain_line() read with simdjson, for the lines it reads the way nlohmann does for certain: an
// object whose keys do not repeat, not a seal (its epoch is kept as nlohmann reads it), with no
// raw control character, escaped surrogate or -0 (which nlohmann reads otherwise or refuses).
// nullopt: ask nlohmann.
static std::optional<ChainLine> quick_chain_line(std::string_view line) {
  for (const char ch : line)
    if (static_cast<unsigned char>(ch) < 0x20) return std::nullopt;
  for (std::size_t pos = 0; (pos = line.find("\\u", pos)) != std::string_view::npos; pos += 2)
    if (pos + 2 < line.size() && (line[pos + 2] == 'd' || line[pos + 2] == 'D')) return std::nullopt;
  for (std::size_t pos = 0; (pos = line.find("-0", pos)) != std::string_view::npos; ++pos) {
    std::size_t b = pos;
    while (b > 0 && (line[b - 1] == ' ' || line[b - 1] == '\t')) --b;
    if (b > 0 && (line[b - 1] == ':' || line[b - 1] == ',' || line[b - 1] == '[')) return std::nullopt;
  }
  thread_local simdjson::dom::parser parser;
  thread_local std::vector<char> padded;
  padded.resize(line.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(padded.data(), line.data(), line.size());
  simdjson::dom::element doc;
  if (parser.parse(padded.data(), line.size(), false).get(doc) != simdjson::SUCCESS) return std::nullopt;
  simdjson::dom::object o;
  if (doc.get(o) != simdjson::SUCCESS) return std::nullopt;
  // Only the top level's keys matter to the fields read here.
  std::vector<std::string_view> keys;
  keys.reserve(32);
  for (auto field : o) keys.push_back(field.key);
  std::sort(keys.begin(), keys.end());
  if (std::adjacent_find(keys.begin(), keys.end()) != keys.end()) return std::nullopt;
  auto text = [&](std::string_view key) {
    std::string_view v;
    return o.at_key(key).get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
  };
  ChainLine c;
  simdjson::dom::element seq;
  std::string_view prev;
  std::uint64_t n = 0;
  if (o.at_key("seq").get(seq) == simdjson::SUCCESS) {
    std::int64_t i = 0;
    if (seq.type() == simdjson::dom::element_type::UINT64) c.formed = seq.get(n) == simdjson::SUCCESS;
    else if (seq.type() == simdjson::dom::element_type::INT64 && seq.get(i) == simdjson::SUCCESS && i >= 0)
      c.formed = true, n = static_cast<std::uint64_t>(i);
  }
  c.formed = c.formed && o.at_key("prev").get(prev) == simdjson::SUCCESS;
  if (!c.formed) return c;
  c.seq = n;
  c.prev = std::string(prev);
  c.event = text("event");
  if (c.event == "seal") return std::nullopt;
  c.time = text("time");
  c.instance = text("instance");
  return c;
}

ChainReport verify_audit_chain(const std::vector<std::string>& files, const VerifyOptions& o) {
  ChainVerifier v(o);
  for (const auto& file : files) {
    if (!v.begin_file(file)) continue;
    // Read line by line: the memory is one record's, whatever the size of the file.
    std::ifstream in(file, std::ios::binary);
    std::size_t lineno = 0;
    std::string line;
    while (std::getline(in, line)) {
      if (in.eof()) break;  // a cut last line: begin_file said so
      ++lineno;
      if (auto quick = quick_chain_line(line)) {
        v.add(file, lineno, line, *quick);
        continue;
      }
      auto j = nlohmann::json::parse(line, nullptr, false);
      v.add(file, lineno, line, j.is_discarded() ? ChainLine{} : chain_line(j));
    }
  }
  return v.finish();
}

std::vector<std::string> summary_lines(const ChainReport& r) {
  std::vector<std::string> out;
  const std::string tail = r.unsealed_tail == 0 ? std::string()
                           : "; tail after the last seal unsealed: " + std::to_string(r.unsealed_tail) + " record(s) (" +
                                 range(r.sealed_seq + 1, r.last_seq) + ")";
  if (r.seals == 0)
    out.push_back("unsealed: the log carries no seals (no sealing key configured: audit.seal_key_file)");
  else if (!r.keys_given)
    out.push_back("seals not checked (no verification key given): the log carries " + std::to_string(r.seals) +
                  " seal(s), the last seen of epoch " + std::to_string(r.sealed_epoch) + " at seq " +
                  std::to_string(r.sealed_seq));
  else if (!r.sealed)
    out.push_back("not sealed: no seal verifies with the key given");
  else
    out.push_back("sealed up to epoch " + std::to_string(r.sealed_epoch) + " (seq " + std::to_string(r.sealed_seq) +
                  ", " + r.sealed_time + ")" + tail);
  if (!r.anchors_given)
    out.push_back("anchors not checked (none given)");
  else if (r.anchors == 0)
    out.push_back("anchors: none of this log's instance found");
  else if (r.anchors_matched == 0)
    out.push_back("anchors: none of " + std::to_string(r.anchors) + " matched");
  else
    out.push_back("anchors matched up to seq " + std::to_string(r.anchored_seq) + " (" + r.anchored_time + "): " +
                  std::to_string(r.anchors_matched) + " of " + std::to_string(r.anchors) +
                  (r.last_seq > r.anchored_seq ? "; " + std::to_string(r.last_seq - r.anchored_seq) +
                                                     " record(s) after the last anchor"
                                               : std::string()));
  return out;
}

}  // namespace sm
