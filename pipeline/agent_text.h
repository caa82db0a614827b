// What an agent reads about their own reply, in their language: the reject text's parts, the
// annotation detail and the notices (the texts come from the message catalogs, base/catalog.h).
#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "checks/rule.h"
#include "config/config.h"
#include "message/address.h"
#include "pipeline/verdict.h"

namespace sm {

// The language an agent reads: the one configured for their address, else for their domain, else
// agents.language, else the reply's own language when a catalog has it, else English.
std::string agent_language(const Config& cfg, const Address& agent, std::string_view reply_language);

// The text the rules judged of a reply: its new text, as the verdict split it (`v.quote`, when it
// found history that no marker announced), else as the message did. What the agent's words are
// found in (evidence_finder).
std::string_view judged_text(const Message& msg, const Verdict& v);

// "rule-id: what to change" in `lang`; the finding's detail (written_detail) when the rule gives no
// hint. The phrases to remove are named in the agent's own words as `text` has them (the annotation
// detail, the reject text).
std::string agent_hint_text(const Finding& f, std::string_view lang, std::string_view text);

// The finding's detail with each entry of its lists that it quotes ("tonteria") in the words of
// `text` as written ("Tonterías"), for the log line; an entry the text no longer has stays as the
// list writes it.
std::string written_detail(const Finding& f, std::string_view text);

// A catalog message in `lang` (base/catalog.h: English when the language or key is missing).
std::string agent_text(std::string_view lang, std::string_view key, const CatalogArgs& args = {});

// A notice for one reader, submitted through notify.command (milter/notify.h).
struct Notice {
  std::string to;       // one address
  std::string subject;  // UTF-8
  std::string body;     // UTF-8 plain text
};

// The notices for a reply the verdict holds or rejects (none for any other action, and none in
// observe mode): one to its agent when notify.agents is on (the From address, else the SMTP AUTH
// user, and only when it is a support address), one to each of notify.leads. Each is in its
// reader's language (agent_language) and says which rules, what they found, what to change, what
// happens next and how long the customer has been waiting at `now`.
std::vector<Notice> agent_notices(const Config& cfg, const Message& msg, const Envelope& env, const Verdict& v,
                                       TimeMs now);

}  // namespace sm
