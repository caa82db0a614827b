// New text and quoted history. Splits a plain-text body (or HTML rendered by html_to_text) into
// what the author wrote now and what they quoted, as real clients write it: ">" quoting,
// attribution lines in many languages ("On ... wrote:", "El ... escribió:", "... пишет:",
// "Am ... schrieb", "Le ... a écrit", ...) also when wrapped over two lines, Outlook header blocks
// ("From: ... Sent: ..."), "-----Original Message-----" separators and forwarded-message blocks.
// The signature stays in the new text.
#pragma once
#include <string>
#include <string_view>

namespace sm {

enum class QuoteStyle {
  none,              // no quoted history found
  prefix,            // lines quoted with ">"
  attribution,       // an attribution line followed by the quoted message
  outlook_header,    // an Outlook "From: / Sent: / To: / Subject:" block
  original_message,  // "-----Original Message-----" and its translations
  forward,           // a forwarded-message block
  attached_message,  // the history came as an attached message/rfc822
};

const char* to_string(QuoteStyle s);

struct QuoteSplit {
  std::string new_text;       // the author's words, trailing blank lines trimmed
  std::string quoted;         // the quoted history with ">" markers removed, attribution included
  bool has_quote = false;
  QuoteStyle style = QuoteStyle::none;  // what announced the first quoted block
  std::string marker;         // the line that announced it (attribution, separator), if any
};

QuoteSplit split_quotes(std::string_view text);

}  // namespace sm
