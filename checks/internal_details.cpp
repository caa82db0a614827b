// IPv4 addresses in a text, as written.
#include <algorithm>
#include <cctype>
#include <optional>
#include <string_view>
#include <unordered_set>

#include "base/lexdata.h"
#include "checks/rule_text.h"
#include "checks/rules.h"
#include "text/lexicon.h"
#include "text/message_text.h"
#include "text/promise.h"
#include "text/segment.h"

namespace sm {

namespace {

using namespace rule_text;

std::vector<std::string> ipv4_addresses(std::string_view s) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) continue;
    if (i > 0 && (std::isalnum(static_cast<unsigned char>(s[i - 1])) || s[i - 1] == '.')) continue;
    std::size_t j = i;
    int parts = 0;
    bool ok = true;
    while (parts < 4 && ok) {
      std::size_t k = j;
      unsigned v = 0;
      while (k < s.size() && k < j + 3 && std::isdigit(static_cast<unsigned char>(s[k]))) v = v * 10 + static_cast<unsigned>(s[k++] - '0');
      ok = k > j && v <= 255;
      j = k;
      ++parts;
      if (parts < 4) ok = ok && j < s.size() && s[j] == '.' && (j++, true);
    }
    if (!ok || parts != 4) continue;
    if (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || (s[j] == '.' && j + 1 < s.size() && std::isdigit(static_cast<unsigned char>(s[j + 1])))))
      continue;
    out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

bool private_ipv4(const std::string& a) {
  unsigned b1 = 0, b2 = 0;
  std::sscanf(a.c_str(), "%u.%u", &b1, &b2);
  return b1 == 10 || (b1 == 192 && b2 == 168) || (b1 == 172 && b2 >= 16 && b2 <= 31);
}

// A number shaped like an address that the words before it call a version ("version 10.2.3.4").
bool called_a_version(std::string_view text, std::size_t at) {
  std::string before = fold_for_match(text.substr(at >= 40 ? at - 40 : 0, at >= 40 ? 40 : at));
  auto tokens = tokenize(before);
  for (std::size_t k = tokens.size(), seen = 0; k > 0 && seen < 3; --k, ++seen) {
    if (version_word(tokens[k - 1].text)) return true;
  }
  return false;
}

// Host names of the kitchen: a name under an internal-only suffix, or an internal tool's
// (conf/lexicons/all/internal-host.txt: "*ending", "start*", "*part*").
struct InternalHosts {
  std::vector<std::string> suffixes, starts, parts;
  explicit InternalHosts(const LexData& data) {
    for (const auto& e : data.entries(kSharedLexFolder, "internal-host")) {
      const bool first = e.text.size() > 1 && e.text.front() == '*';
      const bool last = e.text.size() > 1 && e.text.back() == '*';
      if (first && last) parts.push_back(e.text.substr(1, e.text.size() - 2));
      else if (first) suffixes.push_back(e.text.substr(1));
      else if (last) starts.push_back(e.text.substr(0, e.text.size() - 1));
      else starts.push_back(e.text);  // a whole name: written as a start, it matches itself and below
    }
  }
};

bool internal_host(std::string_view host) {
  const auto data = lexdata();
  const auto& hosts = data->table<InternalHosts>();
  for (const auto& s : hosts.suffixes)
    if (host.size() > s.size() && host.compare(host.size() - s.size(), s.size(), s) == 0) return true;
  for (const auto& f : hosts.starts)
    if (host.starts_with(f)) return true;
  for (const auto& p : hosts.parts)
    if (host.find(p) != std::string_view::npos) return true;
  return false;
}

// Host names written in a text (words with a dot and letters: "jira.corp.example", URLs' hosts).
std::vector<std::string> host_names(std::string_view folded) {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < folded.size()) {
    auto hostchar = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_'; };
    if (!hostchar(folded[i])) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < folded.size() && hostchar(folded[j])) ++j;
    std::string_view w = folded.substr(i, j - i);
    while (!w.empty() && (w.back() == '.' || w.back() == '-')) w.remove_suffix(1);
    if (w.find('.') != std::string_view::npos && std::any_of(w.begin(), w.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }))
      out.emplace_back(w);
    i = j;
  }
  return out;
}

// internal-details: internal systems, staff trouble, outages and notes stay inside.
class InternalDetails final : public Rule {
 public:
  InternalDetails()
      : Rule({"internal-details", "4", "no internal systems, notes or staff matters in customer mail",
                 "An outbound message must not show the customer the kitchen: internal host names and URLs (the "
                 "hosts setting, names under .local, .internal, .corp, .lan and internal tools' names such as "
                 "jira. or staging.; not a name under an internal zone the quoted message names itself, the "
                 "customer's own network), private IPv4 addresses that the customer did not give us (not in the "
                 "quoted message, and only when there is a quote to tell; a number the text calls a version is "
                 "not an address), internal-note markers "
                 "and excuses about our own staff, holidays, sickness or outages from the language's internal "
                 "list, and the phrases setting. Saying that our team fixed something is not a finding."}) {}
  Action default_action() const override { return Action::hold; }
  std::vector<ParamSpec> params() const override {
    return {{"hosts", std::vector<std::string>{}, "internal host names and domains (suffix match)", {}, {}},
            {"phrases", std::vector<std::string>{}, "more phrases that must not reach a customer", {}, {}}};
  }
  std::vector<std::string> lists() const override { return {"internal"}; }
  std::string_view other_languages() const override { return " (host names and addresses: any)"; }
  Finding evaluate(const RuleContext& ctx, const RuleSettings& s) const override {
    if (!outbound(ctx)) return make(Result::skip, "not an outbound message");
    const TextAnalysis& text = ctx.text.full();
    // The customer's own matters told back to them are theirs, not our kitchen: what the message
    // answered (as quoted) says itself, and what the reply calls the customer's ("your server
    // crashed", "su servidor", "ваш сервер").
    const std::string_view quoted = ctx.message.quote.quoted;
    const bool judged = judges(text.lang, ctx.text.lexicons());
    std::vector<std::string> found;
    if (judged) {
      std::vector<PhraseList::Hit> hits = ctx.text.hits("internal", text);
      if (!hits.empty()) {
        std::unordered_set<std::string_view> theirs;
        if (!quoted.empty()) {
          TextAnalysis q(quoted, text.lang);
          for (const auto& h : ctx.text.hits("internal", q, 50)) theirs.insert(h.phrase);
        }
        for (const auto& h : hits)
          if (!theirs.count(h.phrase) && !said_of_yours(ctx, text, h)) found.emplace_back(h.phrase);
      }
    }
    // The admin's own phrases, in whatever language they are written.
    if (const auto& extra = s.get_list("phrases"); !extra.empty()) {
      PhraseList list(is_known(text.lang) ? text.lang : Lang::unknown);
      for (const auto& p : extra) list.add(p);
      for (const auto& h : list.find(text.tokens)) found.emplace_back(h.phrase);
    }
    const std::string folded_subject = fold_for_match(ctx.message.subject);
    std::optional<std::string> folded_quote;  // folded only when a host needs it
    // The internal zones the customer named (".lan" of "nas-oficina.lan", "home.arpa" of
    // "router.home.arpa"): a name under one of them is their own network's ("the NAS adds your home
    // network's .lan to the name"), not our kitchen.
    std::vector<std::string> their_zones;
    for (const std::string* hay : {&text.folded, &folded_subject})
      for (const auto& host : host_names(*hay)) {
        if (!internal_host(host)) continue;
        if (!folded_quote) {
          folded_quote = fold_for_match(quoted);
          for (const auto& q : host_names(*folded_quote))
            if (internal_host(q) && q.find('.') != std::string::npos) their_zones.push_back(q.substr(q.find('.')));
        }
        if (folded_quote->find(host) != std::string::npos) continue;
        if (std::any_of(their_zones.begin(), their_zones.end(), [&](const std::string& z) { return host.ends_with(z); }))
          continue;
        found.push_back(host);
      }
    for (const auto& host : s.get_list("hosts")) {
      std::string h = fold_for_match(host);
      if (h.empty()) continue;
      if (text.folded.find(h) != std::string::npos || folded_subject.find(h) != std::string::npos) found.push_back(host);
      for (const auto* list : {&ctx.message.to, &ctx.message.cc})
        for (const auto& a : *list)
          if (a.ascii_domain.size() >= h.size() && a.ascii_domain.compare(a.ascii_domain.size() - h.size(), h.size(), h) == 0)
            found.push_back(a.address());
    }
    // Private addresses, unless the customer gave them (they stand in the quote) or the text
    // calls them a version. Without a quote there is no telling whose an address is: a false hold
    // costs more than a miss, so none is held against the reply.
    // A number the text calls a version makes its siblings versions too ("la versión 10.2.3.4 ...
    // lo corregimos en la 10.2.3.5"); one in a web address's path is part of the address.
    const auto ips = ipv4_addresses(text.text);
    std::vector<std::string> versions;
    for (const auto& ip : ips)
      if (called_a_version(text.text, text.text.find(ip))) versions.push_back(ip.substr(0, ip.rfind('.')));
    for (const auto& ip : ips) {
      if (!ctx.message.quote.has_quote || !private_ipv4(ip) || quoted.find(ip) != std::string_view::npos) continue;
      const std::size_t at = text.text.find(ip);
      const bool in_path = at > 1 && text.text[at - 1] == '/' && text.text[at - 2] != '/';  // not "//host"
      if (called_a_version(text.text, at) || in_path) continue;
      if (std::find(versions.begin(), versions.end(), ip.substr(0, ip.rfind('.'))) != versions.end()) continue;
      found.push_back(ip);
    }
    std::sort(found.begin(), found.end());
    found.erase(std::unique(found.begin(), found.end()), found.end());
    if (found.empty()) {
      if (judged) return make(Result::pass);
      Finding f = *language_skip(ctx);
      f.detail += " (no internal host name or address found)";
      return f;
    }
    std::string list;
    for (const auto& x : found) list += (list.empty() ? "\"" : ", \"") + x + "\"";
    Finding f = make(Result::fail, "internal details: " + list);
    f.evidence = {{"found", found}};
    f.hint = {"hint_remove", {{"phrases", list}}};
    return f;
  }

 private:
  // A hit that the reply says of the customer's own thing: a word of the language's "yours" list
  // right before it ("your server ... crashed", "your own server ..."); not one further back,
  // which belongs to another word ("el técnico de su zona está de baja" is our technician).
  static bool said_of_yours(const RuleContext& ctx, const TextAnalysis& text, const PhraseList::Hit& h) {
    const Lexicons* lex = ctx.text.lexicons();
    if (lex == nullptr || h.first == 0 || h.first >= text.tokens.size()) return false;
    const std::size_t from = h.first >= 2 ? h.first - 2 : 0;
    std::vector<Token> before(text.tokens.begin() + static_cast<std::ptrdiff_t>(from),
                              text.tokens.begin() + static_cast<std::ptrdiff_t>(h.first));
    for (const auto& y : lex->get("yours", text.lang).find(before, 4))
      if (y.first + y.count == before.size()) return true;
    return false;
  }
};

}  // namespace

std::unique_ptr<Rule> make_internal_details() { return std::make_unique<InternalDetails>(); }

}  // namespace sm
