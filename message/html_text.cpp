// HTML to text with gumbo. The tree is walked with an explicit stack; quoted history keeps its
// shape for the quote splitter: "> " per blockquote level and per quote container of common
// clients (Yahoo, AOL, mail.ru); the separators Outlook puts above its reply header block
// (divRplyFwdMsg, Outlook.com's appendonsend, the top-bordered div of Outlook desktop and Windows
// Mail, <hr>) become the line of underscores Outlook writes in plain text, so that the header
// block after it reads as one. Paragraphs of Word HTML (class MsoNormal, no margins) are lines.
// Deeply nested input, which gumbo frees recursively, is first measured with a cheap tag count
// and, past a bound, reduced to its text without the parser.
#include "message/html_text.h"

#include <gumbo.h>

#include <cctype>
#include <cstring>
#include <string>
#include <vector>

namespace sm {

namespace {

constexpr int kMaxNesting = 400;
constexpr std::size_t kMaxOutput = 4 * 1024 * 1024;

bool has_class(const GumboElement& el, const char* cls) {
  const GumboAttribute* a = gumbo_get_attribute(&el.attributes, "class");
  if (a == nullptr) return false;
  std::string_view v = a->value;
  std::string_view c = cls;
  for (std::size_t pos = v.find(c); pos != std::string_view::npos; pos = v.find(c, pos + 1)) {
    bool start_ok = pos == 0 || std::isspace(static_cast<unsigned char>(v[pos - 1]));
    bool end_ok = pos + c.size() == v.size() || std::isspace(static_cast<unsigned char>(v[pos + c.size()]));
    if (start_ok && end_ok) return true;
  }
  return false;
}

bool class_starts_with(const GumboElement& el, const char* prefix) {
  const GumboAttribute* a = gumbo_get_attribute(&el.attributes, "class");
  return a != nullptr && std::strstr(a->value, prefix) != nullptr;
}

bool equals_ascii_ci(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

bool id_is(const GumboElement& el, const char* id) {
  const GumboAttribute* a = gumbo_get_attribute(&el.attributes, "id");
  return a != nullptr && std::strcmp(a->value, id) == 0;
}

// Outlook desktop's separator above the header block (`border:none;border-top:solid #E1E1E1
// 1.0pt`, #B5C4DF in older versions) and Windows Mail's (`border-top-style: solid`): a div whose
// style gives it a solid top border.
bool top_rule(const GumboElement& el) {
  if (el.tag != GUMBO_TAG_DIV) return false;
  const GumboAttribute* a = gumbo_get_attribute(&el.attributes, "style");
  if (a == nullptr) return false;
  std::string_view style = a->value;
  if (style.size() > 1024) return false;
  for (std::size_t pos = 0; pos < style.size();) {
    std::size_t end = style.find(';', pos);
    if (end == std::string_view::npos) end = style.size();
    std::string_view decl = style.substr(pos, end - pos);
    pos = end + 1;
    std::size_t colon = decl.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view prop = decl.substr(0, colon);
    while (!prop.empty() && std::isspace(static_cast<unsigned char>(prop.front()))) prop.remove_prefix(1);
    while (!prop.empty() && std::isspace(static_cast<unsigned char>(prop.back()))) prop.remove_suffix(1);
    if (!equals_ascii_ci(prop, "border-top") && !equals_ascii_ci(prop, "border-top-style")) continue;
    std::string_view value = decl.substr(colon + 1);
    for (std::size_t k = 0; k + 5 <= value.size(); ++k)
      if (equals_ascii_ci(value.substr(k, 5), "solid")) return true;
  }
  return false;
}

bool is_block(GumboTag t) {
  switch (t) {
    case GUMBO_TAG_P: case GUMBO_TAG_DIV: case GUMBO_TAG_TR: case GUMBO_TAG_LI: case GUMBO_TAG_UL:
    case GUMBO_TAG_OL: case GUMBO_TAG_H1: case GUMBO_TAG_H2: case GUMBO_TAG_H3: case GUMBO_TAG_H4:
    case GUMBO_TAG_H5: case GUMBO_TAG_H6: case GUMBO_TAG_BLOCKQUOTE: case GUMBO_TAG_PRE: case GUMBO_TAG_TABLE:
    case GUMBO_TAG_HR: case GUMBO_TAG_ADDRESS: case GUMBO_TAG_SECTION: case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_HEADER: case GUMBO_TAG_FOOTER: case GUMBO_TAG_DL: case GUMBO_TAG_DT: case GUMBO_TAG_DD:
    case GUMBO_TAG_CENTER: case GUMBO_TAG_BODY: case GUMBO_TAG_FORM:
      return true;
    default:
      return false;
  }
}

bool skipped(GumboTag t) {
  return t == GUMBO_TAG_SCRIPT || t == GUMBO_TAG_STYLE || t == GUMBO_TAG_HEAD || t == GUMBO_TAG_TITLE ||
         t == GUMBO_TAG_TEMPLATE || t == GUMBO_TAG_NOSCRIPT;
}

// Does this element hold quoted history as a whole?
bool quote_container(const GumboElement& el) {
  if (el.tag == GUMBO_TAG_BLOCKQUOTE) return true;
  return has_class(el, "yahoo_quoted") || class_starts_with(el, "AOLMsgPart") ||
         has_class(el, "js-helper") || has_class(el, "mail-quote-collapse");
}

class Writer {
 public:
  void text(std::string_view s, bool pre) {
    for (char c : s) {
      if (out_.size() > kMaxOutput) return;
      if (pre && c == '\n') {
        newline(true);
        continue;
      }
      bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
      if (space && !pre) {
        pending_space_ = !line_.empty();
        continue;
      }
      if (pending_space_) line_ += ' ';
      pending_space_ = false;
      line_ += c;
    }
  }
  // Ends the current line; `force` also emits an empty one (for <br><br>).
  // Each line carries its quote depth as "> " prefixes; the output's bound holds for them too (a
  // few bytes of <br> inside 400 blockquotes would otherwise write 800 bytes each).
  void newline(bool force = false) {
    if ((!line_.empty() || force) && out_.size() <= kMaxOutput) {
      for (int i = 0; i < depth; ++i) out_ += (i + 1 < depth || !line_.empty()) ? "> " : ">";
      out_ += line_;
      out_ += '\n';
      if (!line_.empty()) last_was_rule_ = false;
    }
    line_.clear();
    pending_space_ = false;
  }
  // The line of underscores Outlook writes above a reply header block; once, however many
  // separators stand together (Outlook.com has three).
  void rule() {
    newline();
    if (last_was_rule_) return;
    text("________________________________", false);
    newline();
    last_was_rule_ = true;
  }
  void blank_line() {
    newline();
    if (!out_.empty() && !(out_.size() >= 2 && out_[out_.size() - 2] == '\n')) newline(true);
  }
  std::string finish() {
    newline();
    // Trim trailing blank lines.
    while (!out_.empty() && out_.back() == '\n') out_.pop_back();
    return std::move(out_);
  }
  int depth = 0;

 private:
  std::string out_;
  std::string line_;
  bool pending_space_ = false;
  bool last_was_rule_ = false;
};

int estimate_nesting(std::string_view html) {
  int depth = 0;
  int max_depth = 0;
  for (std::size_t i = 0; i + 1 < html.size(); ++i) {
    if (html[i] != '<') continue;
    char c = html[i + 1];
    if (c == '/') {
      if (depth > 0) --depth;
    } else if (std::isalpha(static_cast<unsigned char>(c))) {
      // Void elements (br, img, hr, meta, input, link, wbr) do not nest.
      std::string_view rest = html.substr(i + 1, 6);
      bool void_el = rest.starts_with("br") || rest.starts_with("img") || rest.starts_with("hr") ||
                     rest.starts_with("meta") || rest.starts_with("input") || rest.starts_with("link") ||
                     rest.starts_with("wbr") || rest.starts_with("BR") || rest.starts_with("IMG");
      if (!void_el) max_depth = std::max(max_depth, ++depth);
    }
  }
  return max_depth;
}

// Text of HTML without a parser, for input too deeply nested to parse safely.
std::string strip_tags(std::string_view html) {
  std::string out;
  bool in_tag = false;
  for (char c : html) {
    if (out.size() > kMaxOutput) break;
    if (c == '<') in_tag = true;
    else if (c == '>') in_tag = false, out += ' ';
    else if (!in_tag) out += c;
  }
  return out;
}

}  // namespace

std::string html_to_text(std::string_view html) {
  if (estimate_nesting(html) > kMaxNesting) return strip_tags(html);

  // Parse errors are not looked at: gumbo is told to keep none (mail HTML is full of them, and
  // each kept error is an allocation).
  GumboOptions options = kGumboDefaultOptions;
  options.max_errors = 0;
  GumboOutput* doc = gumbo_parse_with_options(&options, html.data(), html.size());
  Writer w;
  struct Frame {
    const GumboNode* node;
    bool leaving;
  };
  struct ListState {
    bool ordered;
    int n;
  };
  std::vector<Frame> stack{{doc->root, false}};
  std::vector<ListState> lists;
  int pre = 0;
  while (!stack.empty()) {
    Frame f = stack.back();
    stack.pop_back();
    const GumboNode* n = f.node;
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_WHITESPACE || n->type == GUMBO_NODE_CDATA) {
      w.text(n->v.text.text, pre > 0);
      continue;
    }
    if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_TEMPLATE && n->type != GUMBO_NODE_DOCUMENT) continue;
    if (n->type == GUMBO_NODE_DOCUMENT) {
      const GumboVector& kids = n->v.document.children;
      for (unsigned i = kids.length; i-- > 0;) stack.push_back({static_cast<const GumboNode*>(kids.data[i]), false});
      continue;
    }
    const GumboElement& el = n->v.element;
    if (f.leaving) {
      if (quote_container(el)) {
        w.newline();
        --w.depth;
      }
      if (el.tag == GUMBO_TAG_PRE) --pre;
      if (el.tag == GUMBO_TAG_OL || el.tag == GUMBO_TAG_UL) {
        if (!lists.empty()) lists.pop_back();
      }
      if (el.tag == GUMBO_TAG_P && !has_class(el, "MsoNormal")) w.blank_line();
      else if (is_block(el.tag)) w.newline();
      else if (el.tag == GUMBO_TAG_TD || el.tag == GUMBO_TAG_TH) w.text(" ", false);
      if (el.tag == GUMBO_TAG_A) {
        const GumboAttribute* href = gumbo_get_attribute(&el.attributes, "href");
        if (href != nullptr && std::strncmp(href->value, "http", 4) == 0) {
          // The link text was already written; add the target when it is not the same.
          std::string h = href->value;
          if (h.size() < 300) w.text(" <" + h + ">", false);
        }
      }
      continue;
    }
    if (skipped(el.tag)) continue;
    if (el.tag == GUMBO_TAG_BR) {
      w.newline(true);
      continue;
    }
    if (el.tag == GUMBO_TAG_HR) {
      w.rule();
      continue;
    }
    if (el.tag == GUMBO_TAG_DIV && (id_is(el, "divRplyFwdMsg") || id_is(el, "appendonsend") || top_rule(el))) w.rule();
    if (is_block(el.tag)) w.newline();
    if (quote_container(el)) ++w.depth;
    if (el.tag == GUMBO_TAG_PRE) ++pre;
    if (el.tag == GUMBO_TAG_OL || el.tag == GUMBO_TAG_UL) lists.push_back({el.tag == GUMBO_TAG_OL, 0});
    if (el.tag == GUMBO_TAG_LI) {
      if (!lists.empty() && lists.back().ordered) w.text(std::to_string(++lists.back().n) + ". ", false);
      else w.text("- ", false);
    }
    stack.push_back({n, true});
    const GumboVector& kids = el.children;
    for (unsigned i = kids.length; i-- > 0;) stack.push_back({static_cast<const GumboNode*>(kids.data[i]), false});
  }
  gumbo_destroy_output(&options, doc);
  return w.finish();
}

}  // namespace sm
