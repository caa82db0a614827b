// New text and quoted history. Splits a plain-text body (or HTML rendered by html_to_text) into
// what the author wrote now and what they quoted, as real clients write it in some 25 languages:
// ">" quoting; attribution lines ("On ... wrote:", "El ... escribió:", "... пишет:", "Am ...
// schrieb", "Le ... a écrit", "... 写道：", "---- Ana wrote ----", ...) on one line or wrapped over
// up to three, followed by ">" lines or by the old message without marks; Outlook header blocks
// ("From: / Sent: / To: / Subject:" and their translations); "-----Original Message-----"
// separators and forwarded-message blocks in the same languages. The author's sign-off and
// signature stay in the new text; so do lines written after ">" lines (bottom posting, inline
// replies). Linear in the text's size. The words of these markers are the lexicon directory's
// (conf/lexicons/all/: header-label, original-message, forward-message, forward-intro,
// attribution-verb, attribution-opener, number-sign), from the data set in force (base/lexdata.h).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace sm {

enum class QuoteStyle {
  none,              // no quoted history found
  prefix,            // lines quoted with ">"
  attribution,       // an attribution line followed by the quoted message
  outlook_header,    // an Outlook "From: / Sent: / To: / Subject:" block
  original_message,  // "-----Original Message-----" and its translations
  forward,           // a forwarded-message block
  attached_message,  // the history came as an attached message/rfc822
  unmarked,          // no marker: the history was found by the words of the message answered
};

const char* to_string(QuoteStyle s);

class LexData;
// Builds the splitter's tables from `data` (once per data set); throws std::runtime_error naming
// the file and line of a malformed entry.
void check_quote_tables(const LexData& data);

struct QuoteSplit {
  std::string new_text;       // the author's words, trailing blank lines trimmed
  std::string quoted;         // the quoted history, attribution included, without its first level
                              // of ">" markers (what it quoted in turn keeps its own: "> ...")
  bool has_quote = false;
  QuoteStyle style = QuoteStyle::none;  // what announced the first quoted block
  std::string marker;         // the line that announced it (attribution, separator), if any
  bool inline_answers = false;  // the author wrote under quoted lines (answers between them)
  bool interleaved = false;     // ... and more quoted lines follow: answers between the quoted parts
};

QuoteSplit split_quotes(std::string_view text);

// History that no marker announces (a help desk's own heading, a client nobody knows), found by
// the words of the message answered: `found_from[i]` is how many of the `sketch_size` fingerprints
// of that message the text from line i on holds (store/fingerprint.h, found_from_each_line). The
// copy starts where those fingerprints start, with the lines that head it (a drawn line, a dated
// line, header fields) and runs to the end; when nothing stands above it, the author wrote below
// it and the words after the copy are theirs. No quote when less than half of the message
// answered is in the text.
QuoteSplit split_unmarked(std::string_view text, const std::vector<std::size_t>& found_from, std::size_t sketch_size);

}  // namespace sm
