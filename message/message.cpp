// parse_message: the header block, the decoded fields, the body text and its quote split. Every
// step is bounded by Limits; nothing thrown leaves this file.
#include "message/message.h"

#include "message/encoded_words.h"
#include "message/mime.h"
#include "message/msgid.h"

namespace sm {

std::string Message::parent_id() const {
  if (!in_reply_to.empty()) return in_reply_to.back();
  if (!references.empty()) return references.back();
  return {};
}

namespace {

// Control characters have no place in a subject (an encoded word can smuggle CR, LF or ESC in):
// each becomes a space. True when one was found.
bool scrub_line(std::string& s) {
  bool changed = false;
  for (char& c : s) {
    auto u = static_cast<unsigned char>(c);
    if ((u < 0x20 && u != '\t') || u == 0x7f) {
      c = ' ';
      changed = true;
    }
  }
  return changed;
}

// Body text keeps its line breaks and tabs; NUL bytes go, other control characters become spaces.
void scrub_text(std::string& s) {
  // Most text has none: one branch-free pass to find out (bitwise operators, so the compiler can
  // test many bytes at once), the rewrite only when needed.
  unsigned bad = 0;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    bad |= (static_cast<unsigned>(u < 0x20) & static_cast<unsigned>(u != '\t') & static_cast<unsigned>(u != '\n') &
            static_cast<unsigned>(u != '\r') & static_cast<unsigned>(u != '\f')) |
           static_cast<unsigned>(u == 0x7f);
  }
  if (bad == 0) return;
  std::size_t out = 0;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u == 0) continue;
    s[out++] = (u < 0x20 && u != '\t' && u != '\n' && u != '\r' && u != '\f') || u == 0x7f ? ' ' : c;
  }
  s.resize(out);
}

void read_fields(Message& m, const Limits& limits) {
  std::vector<std::string> notes;
  if (const auto* f = first(m.headers, "Subject")) {
    m.subject = decode_header_text(f->value, &notes);
    if (scrub_line(m.subject)) notes.push_back("control characters in the Subject were read as spaces");
  }
  if (all(m.headers, "Subject").size() > 1) notes.push_back("more than one Subject header: the first was used");
  auto addresses = [&](const char* name, std::vector<Address>& out) {
    for (const auto* f : all(m.headers, name)) {
      auto list = parse_address_list(f->value);
      out.insert(out.end(), list.begin(), list.end());
      if (out.size() > 1000) {
        out.resize(1000);
        break;
      }
    }
  };
  addresses("From", m.from);
  addresses("Reply-To", m.reply_to);
  addresses("To", m.to);
  addresses("Cc", m.cc);
  addresses("Sender", m.sender);
  if (all(m.headers, "From").size() > 1) notes.push_back("more than one From header");
  if (m.from.size() > 1) notes.push_back("From names " + std::to_string(m.from.size()) + " addresses");
  if (const auto* f = first(m.headers, "Message-ID")) {
    auto ids = parse_msg_ids(f->value, 1);
    if (!ids.empty()) m.message_id = ids.front();
  }
  if (all(m.headers, "Message-ID").size() > 1) notes.push_back("more than one Message-ID header: the first was used");
  if (const auto* f = first(m.headers, "In-Reply-To")) m.in_reply_to = parse_msg_ids(f->value, limits.max_ids);
  if (const auto* f = first(m.headers, "References")) m.references = parse_msg_ids(f->value, limits.max_ids);
  if (const auto* f = first(m.headers, "Date")) {
    m.date = parse_mail_date(f->value);
    if (!m.date) notes.push_back("unreadable Date header");
  }
  for (auto& n : notes) m.notes.push_back(std::move(n));
}

}  // namespace

Message parse_message(std::string_view bytes, const Limits& limits) {
  Message m;
  m.size = bytes.size();
  try {
    HeaderBlock hb = split_headers(bytes.substr(0, std::min(bytes.size(), limits.max_scan_bytes)), limits);
    BodyText body = extract_body(bytes, hb, limits);
    m.headers = std::move(hb.fields);
    m.limit_hit = hb.truncated;
    for (auto& n : hb.notes) m.notes.push_back(std::move(n));
    read_fields(m, limits);

    m.body_text = std::move(body.text);
    scrub_text(m.body_text);
    m.body_from_html = body.from_html;
    m.limit_hit = m.limit_hit || body.limit_hit;
    for (auto& n : body.notes) m.notes.push_back(std::move(n));

    m.quote = split_quotes(m.body_text);
    if (!m.quote.has_quote && !body.attached_messages.empty()) {
      // The history came as an attached message: its text is the quote.
      Limits inner = limits;
      inner.max_mime_depth = limits.max_mime_depth > 1 ? limits.max_mime_depth / 2 : 1;
      BodyText attached = extract_body(body.attached_messages.front(), inner);
      m.quote.quoted = attached.text;
      scrub_text(m.quote.quoted);
      m.quote.has_quote = !attached.text.empty();
      m.quote.style = m.quote.has_quote ? QuoteStyle::attached_message : QuoteStyle::none;
    }
  } catch (const std::exception& e) {
    m.notes.push_back(std::string("message unreadable: ") + e.what());
  } catch (...) {
    m.notes.push_back("message unreadable");
  }
  return m;
}

Message parse_message_start(std::string_view bytes, const Limits& limits) {
  Message m = parse_message(bytes, limits);
  m.limit_hit = true;
  try {
    m.notes.push_back("scanned " + std::to_string(bytes.size()) + " bytes of a larger message");
  } catch (...) {
  }
  return m;
}

}  // namespace sm
