// The rule interface. A rule judges one message in its context and returns a Finding with
// evidence; what happens on a failure (the action) comes from config, never from the rule.
#pragma once
#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/catalog.h"
#include "checks/modification.h"
#include "checks/support_identity.h"
#include "message/envelope.h"
#include "message/message.h"
#include "store/thread_store.h"
#include "text/message_text.h"

namespace sm {

// Ordered by strength: the strongest action of all findings wins.
enum class Action { off, log, annotate, fix, hold, reject };
const char* to_string(Action a);
std::optional<Action> action_from_string(std::string_view s);

enum class Result { pass, fail, skip };
const char* to_string(Result r);

using ParamValue = std::variant<bool, std::int64_t, double, std::string, std::vector<std::string>>;

// One parameter of a rule's config section: name, default, bounds, one-line meaning.
struct ParamSpec {
  std::string name;
  ParamValue default_value;
  std::string doc;
  std::optional<double> min;  // for numbers
  std::optional<double> max;
};

// A rule's section of the config, validated against its schema.
struct RuleSettings {
  Action action = Action::log;
  std::string notify;  // address that receives a notice on hold/reject; empty = none
  std::map<std::string, ParamValue, std::less<>> params;

  bool get_bool(std::string_view name) const;
  std::int64_t get_int(std::string_view name) const;
  double get_double(std::string_view name) const;
  const std::vector<std::string>& get_list(std::string_view name) const;
};

// The conversation a message belongs to, as the store knew it before this message.
struct ThreadContext {
  ThreadInfo thread;
  std::optional<StoredMessage> answered;  // the message this one replies to, when stored
};

struct RuleContext {
  const Message& message;
  Direction direction;
  const Envelope& envelope;
  const SupportIdentity& support;
  const ThreadContext* thread;  // nullptr: not part of a known thread
  TimeMs time;
  // The message's text analysed once for every rule (and the SLA clock): greeting, body,
  // signature, sentences, questions, the acknowledgement, the message answered; with the
  // lexicons and the time zone of promised times.
  const MessageText& text;
};

struct Finding {
  std::string rule;
  Result result = Result::pass;
  Action action = Action::off;  // filled by the pipeline from config (and observe mode)
  std::string detail;           // one line for people: what is wrong, with the evidence
  nlohmann::json evidence = nlohmann::json::object();  // machine-readable evidence
  std::vector<Modification> fixes;                     // the rule's repair, when it can fix
  // What the agent must change: a message of the agents' catalog (base/catalog.h, key and
  // arguments), told in the agent's language in the reject text and the notices.
  struct Hint {
    std::string key;
    CatalogArgs args;
    bool empty() const { return key.empty(); }
  } hint;
};

// What a finding found, to find again in the reply as the agent wrote it: the entries its evidence
// names as a list found them ("phrases", "jargon", and the strings of "found"), in the evidence's
// "language" (text/lexicon.h EntryFinder). The review page marks those words and the agent's
// notice quotes them, both through this.
EntryFinder evidence_finder(const nlohmann::json& evidence);

// What names a rule and says what it judges, declared once by each rule.
struct RuleInfo {
  std::string_view id;       // the id from RULES.md
  std::string_view version;  // bumped when the judgement changes (tests hold the table)
  std::string_view summary;  // one line, for config docs
  std::string_view
      description;  // what it judges and how, for docs/RULES.md: a few sentences for a mail admin
};

class Rule {
 public:
  explicit Rule(const RuleInfo& info) : info_(info) {}
  virtual ~Rule() = default;
  std::string_view id() const { return info_.id; }
  std::string_view version() const { return info_.version; }
  std::string_view summary() const { return info_.summary; }
  std::string_view description() const { return info_.description; }
  virtual bool can_fix() const { return false; }
  // The lexicon lists whose words it reads (conf/lexicons/<lang>/<list>.txt): it judges the
  // languages that have every one of them and gives any other language skip, never pass. Empty:
  // it reads no words and judges every language.
  virtual std::vector<std::string> lists() const { return {}; }
  // It also reads promised times (text/promise.h), which are read in kTimeLanguages only.
  virtual bool reads_times() const { return false; }
  // What it judges in a language it does not read, if anything (" (host names and addresses:
  // any)"), for the docs.
  virtual std::string_view other_languages() const { return {}; }
  // Whether it judges a language with these lexicons (a text too short to tell: always).
  bool judges(Lang lang, const Lexicons* lexicons) const;
  // The languages it judges with these lexicons, for docs and `configtest`: "any", "en, es, ru".
  std::string languages(const Lexicons* lexicons) const;
  virtual Action default_action() const { return Action::log; }
  virtual std::vector<ParamSpec> params() const { return {}; }
  // Never throws for any message; returns skip when the rule does not apply.
  virtual Finding evaluate(const RuleContext& ctx, const RuleSettings& settings) const = 0;

 protected:
  Finding make(Result r, std::string detail = {}) const;
  // skip for a message in a language it does not judge, naming the language; nullopt when it
  // judges the message's language.
  std::optional<Finding> language_skip(const RuleContext& ctx) const;

 private:
  RuleInfo info_;  // string literals, or the strings of the rule object itself
};

}  // namespace sm
