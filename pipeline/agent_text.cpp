// The agent's language and texts.
#include "pipeline/agent_text.h"

#include <algorithm>
#include <cctype>
#include <optional>

#include "message/encoded_words.h"
#include "text/fold.h"
#include "text/segment.h"

namespace sm {

std::string agent_language(const Config& cfg, const Address& agent, std::string_view reply_language) {
  const auto& by = cfg.agents.languages;
  if (!agent.local_part.empty() && !agent.ascii_domain.empty()) {
    if (auto it = by.find(agent.key()); it != by.end()) return it->second;
    if (auto it = by.find(agent.ascii_domain); it != by.end()) return it->second;
  }
  if (!cfg.agents.language.empty()) return cfg.agents.language;
  if (!reply_language.empty() && catalog()->has(reply_language)) return std::string(reply_language);
  return std::string(kCatalogFallback);
}

std::string agent_text(std::string_view lang, std::string_view key, const CatalogArgs& args) {
  return catalog()->format(lang, key, args);
}

namespace {

// What to change in `lang`: the rule's hint, else its detail.
std::string hint_text(const Finding& f, std::string_view lang, std::string_view text) {
  return f.hint.empty() ? written_detail(f, text) : agent_text(lang, f.hint.key, f.hint.args);
}

// The words of the reply that hold what the finding found, as the agent wrote them (evidence_finder),
// each once, in the reply's order.
std::vector<std::string> agent_words(const Finding& f, std::string_view text) {
  std::vector<std::string> out;
  for (const auto& s : evidence_finder(f.evidence).find(text)) {
    std::string w = sanitize_text(text.substr(s.begin, s.end - s.begin), 200);
    if (!w.empty() && std::find(out.begin(), out.end(), w) == out.end()) out.push_back(std::move(w));
  }
  return out;
}

// The entries of the finding's lists (evidence "phrases", "jargon", "found"), each with the words
// of `text` that it stands for as written, each once, in the text's order: the text is read once
// for all of them, and each stretch found is then told apart by which entry finds it alone.
std::vector<std::pair<std::string, std::vector<std::string>>> words_by_entry(const Finding& f,
                                                                            std::string_view text) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  if (!f.evidence.is_object()) return out;
  const nlohmann::json language = f.evidence.value("language", nlohmann::json());
  for (const char* key : {"phrases", "jargon", "found"}) {
    auto it = f.evidence.find(key);
    if (it == f.evidence.end() || !it->is_array()) continue;
    for (const auto& e : *it)
      if (e.is_string() && out.size() < 20) out.push_back({e.get<std::string>(), {}});
  }
  if (out.empty()) return out;
  std::vector<EntryFinder> alone;
  for (const auto& [entry, words] : out) {
    nlohmann::json one = {{"phrases", nlohmann::json::array({entry})}};
    if (!language.is_null()) one["language"] = language;
    alone.push_back(evidence_finder(one));
  }
  for (const auto& s : evidence_finder(f.evidence).find(text)) {
    const std::string_view stretch = text.substr(s.begin, s.end - s.begin);
    std::string w = sanitize_text(stretch, 200);
    if (w.empty()) continue;
    for (std::size_t i = 0; i < out.size(); ++i) {
      if (alone[i].find(stretch).empty()) continue;
      auto& words = out[i].second;
      if (std::find(words.begin(), words.end(), w) == words.end()) words.push_back(w);
      break;
    }
  }
  return out;
}

// What to change in `lang`; a hint that names the phrases to remove names the agent's own words.
std::string change_text(const Finding& f, std::string_view lang, const std::vector<std::string>& words,
                        std::string_view text) {
  if (words.empty() || f.hint.key != "hint_remove") return hint_text(f, lang, text);
  std::string list;
  for (const auto& w : words) list += (list.empty() ? "\"" : ", \"") + w + "\"";
  CatalogArgs args = f.hint.args;
  for (auto& [key, value] : args)
    if (key == "phrases") value = list;
  return agent_text(lang, f.hint.key, args);
}

// What a finding's evidence quotes from the reply: the words the lists found as the agent wrote
// them (evidence_finder; the list's own form where the text no longer has them), the details
// found, the sentence or paragraph it read; at most five, each cut to a line's length.
std::string quoted_evidence(const Finding& f, std::string_view text) {
  static const char* const kEntries[] = {"phrases", "found", "jargon"};
  static const char* const kQuoting[] = {"acknowledgement", "examples", "longest_sentence", "last_paragraph",
                                         "dropped"};
  std::vector<std::string> items;
  auto add = [&](std::string_view s) {
    std::string item = sanitize_text(s, 200);
    if (!item.empty() && items.size() < 5 && std::find(items.begin(), items.end(), item) == items.end())
      items.push_back(std::move(item));
  };
  auto take = [&](const nlohmann::json& j) {
    if (j.is_string()) add(j.get_ref<const std::string&>());
  };
  auto take_key = [&](const char* key) {
    auto it = f.evidence.find(key);
    if (it == f.evidence.end()) return;
    if (it->is_array())
      for (const auto& e : *it) take(e);
    else
      take(*it);
  };
  for (const auto& w : agent_words(f, text)) add(w);
  if (items.empty())
    for (const char* key : kEntries) take_key(key);
  for (const char* key : kQuoting) take_key(key);
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "\"" : ", \"") + i + "\"";
  return out;
}

// The sentences of the reply's own words that hold what the finding found, as the agent wrote them
// (evidence_finder, the same reading as the quoted words above). At most three.
std::vector<std::string> sentences_holding(std::string_view text, const Finding& f) {
  std::vector<std::string> out;
  const EntryFinder finder = evidence_finder(f.evidence);
  if (finder.empty()) return out;
  // Paragraphs with their lines joined: a line break of a wrapped paragraph ends no sentence.
  for (auto paragraph : paragraphs(text.substr(0, std::min<std::size_t>(text.size(), 64 << 10)))) {
    std::replace(paragraph.begin(), paragraph.end(), '\n', ' ');
    for (auto& sentence : sentences(paragraph)) {
      if (finder.find(sentence).empty()) continue;
      out.push_back(sanitize_text(sentence, 300));
      if (out.size() == 3) return out;
    }
  }
  return out;
}

std::string waiting_line(std::string_view lang, const Verdict& v, TimeMs now) {
  if (!v.sla.waiting_since || *v.sla.waiting_since > now) return {};
  const std::int64_t minutes = (now - *v.sla.waiting_since) / 60000;
  if (minutes < 1) return agent_text(lang, "notice_waiting_just_now");
  if (minutes < 120) return agent_text(lang, "notice_waiting_minutes", {{"minutes", minutes}});
  if (minutes < 48 * 60) return agent_text(lang, "notice_waiting_hours", {{"hours", minutes / 60}});
  return agent_text(lang, "notice_waiting_days", {{"days", minutes / (24 * 60)}});
}

// A rule that decided the action, with what it found and the reply's sentences that hold it (the
// same for every reader).
struct Decided {
  const Finding* finding;
  std::string found;
  std::vector<std::string> sentences;
  std::vector<std::string> words;  // the agent's own words for what it found (agent_words)
};

// The rules that decided the action, each with what it found, the reply's sentences that hold it,
// and what to change, in `lang`.
std::string findings_block(std::string_view lang, const std::vector<Decided>& decided, std::string_view text) {
  std::string out;
  for (const auto& d : decided) {
    // One line each (a notice's lines are sanitized: no indentation survives).
    out += "- " + d.finding->rule + "\n";
    if (!d.found.empty()) out += agent_text(lang, "notice_found", {{"phrases", d.found}}) + "\n";
    for (const auto& sentence : d.sentences)
      out += agent_text(lang, "notice_sentence", {{"sentence", sentence}}) + "\n";
    out += agent_text(lang, "notice_change", {{"hint", change_text(*d.finding, lang, d.words, text)}}) + "\n";
  }
  return out;
}

// The support address that sent the reply: its From, else the SMTP AUTH user.
std::optional<Address> agent_of(const Config& cfg, const Message& msg, const Envelope& env) {
  if (!msg.from.empty() && cfg.support.is_support(msg.from.front())) return msg.from.front();
  if (!env.auth_user.empty()) {
    Address a = parse_address(env.auth_user);
    if (!a.local_part.empty() && cfg.support.is_support(a)) return a;
  }
  return std::nullopt;
}

}  // namespace

std::string_view judged_text(const Message& msg, const Verdict& v) {
  return v.quote ? std::string_view(v.quote->new_text) : std::string_view(msg.quote.new_text);
}

std::string agent_hint_text(const Finding& f, std::string_view lang, std::string_view text) {
  return f.rule + ": " + change_text(f, lang, agent_words(f, text), text);
}

std::string written_detail(const Finding& f, std::string_view text) {
  // Where the detail quotes each entry found (the first place, not inside another's quote), and
  // the words that stand there instead; replaced from the end, so the places stay right.
  struct Place {
    std::size_t at, size;
    std::string words;
  };
  std::vector<Place> places;
  for (const auto& [entry, words] : words_by_entry(f, text)) {
    if (words.empty()) continue;
    const std::string quoted = "\"" + entry + "\"";
    const auto at = f.detail.find(quoted);
    if (at == std::string::npos) continue;
    const bool overlaps = std::any_of(places.begin(), places.end(), [&](const Place& p) {
      return at < p.at + p.size && p.at < at + quoted.size();
    });
    if (overlaps) continue;
    std::string as_written;
    for (const auto& w : words) as_written += (as_written.empty() ? "\"" : ", \"") + w + "\"";
    places.push_back({at, quoted.size(), std::move(as_written)});
  }
  std::sort(places.begin(), places.end(), [](const Place& a, const Place& b) { return a.at > b.at; });
  std::string detail = f.detail;
  for (const auto& p : places) detail.replace(p.at, p.size, p.words);
  return detail;
}

std::vector<Notice> agent_notices(const Config& cfg, const Message& msg, const Envelope& env, const Verdict& v,
                                  TimeMs now) {
  std::vector<Notice> out;
  if (v.observe || (v.action != FinalAction::hold && v.action != FinalAction::reject)) return out;
  const bool held = v.action == FinalAction::hold;
  const Action level = held ? Action::hold : Action::reject;
  const std::string_view text = judged_text(msg, v);
  std::vector<Decided> decided;
  for (const auto& f : v.findings)
    if (f.result == Result::fail && f.action == level) decided.push_back({&f, quoted_evidence(f, text), sentences_holding(text, f), agent_words(f, text)});
  if (decided.empty()) return out;
  const auto rules = static_cast<std::int64_t>(decided.size());
  std::string customer;
  for (const auto& a : msg.to)
    if (!cfg.support.is_support(a)) customer += (customer.empty() ? "" : ", ") + a.address();
  if (customer.empty()) customer = msg.to.empty() ? std::string("?") : msg.to.front().address();
  const std::string subject = sanitize_text(msg.subject, 200);
  const std::string reference = "\nSubject: " + subject + "\nMessage-ID: <" + msg.message_id + ">" +
                                (env.queue_id.empty() ? std::string() : "\nQueue ID: " + env.queue_id) + "\n";

  const auto agent = agent_of(cfg, msg, env);
  if (cfg.notify.agents && agent) {
    const std::string lang = agent_language(cfg, *agent, v.language);
    Notice n;
    n.to = agent->address();
    n.subject = agent_text(lang, held ? "notice_held_subject" : "notice_rejected_subject", {{"subject", subject}});
    n.body = agent_text(lang, held ? "notice_held_intro" : "notice_rejected_intro",
                        {{"customer", customer}, {"rules", rules}}) +
             "\n\n" + findings_block(lang, decided, text) + "\n";
    if (auto w = waiting_line(lang, v, now); !w.empty()) n.body += w + "\n";
    n.body += agent_text(lang, held ? "notice_held_next" : "notice_rejected_next") + "\n" + reference;
    out.push_back(std::move(n));
  }
  const std::string agent_name = agent ? agent->address() : (msg.from.empty() ? "?" : msg.from.front().address());
  for (const auto& lead : cfg.notify.leads) {
    const std::string lang = agent_language(cfg, parse_address(lead), v.language);
    Notice n;
    n.to = lead;
    n.subject = agent_text(lang, "notice_lead_subject", {{"subject", subject}, {"agent", agent_name}});
    n.body = agent_text(lang, "notice_lead_intro", {{"agent", agent_name}, {"customer", customer}, {"rules", rules}}) +
             "\n\n" + findings_block(lang, decided, text) + "\n";
    if (auto w = waiting_line(lang, v, now); !w.empty()) n.body += w + "\n";
    if (held && !env.queue_id.empty()) n.body += agent_text(lang, "notice_lead_actions", {{"queue_id", env.queue_id}}) + "\n";
    n.body += reference;
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace sm
