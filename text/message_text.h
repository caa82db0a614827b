// One message's text, analysed once for every rule and for the SLA clock: the author's new text
// split by its shape, in any language, into greeting, body, closing lines (short courtesy closers
// and postscripts), the sign-off line, the signature block (name, role, company and
// contact lines, with or without a "-- " delimiter) and footer (what follows the signature: a
// postscript, a mobile client's line, a disclaimer); the body's language, paragraphs, sentences and
// questions (and which of them stand in a numbered list); the acknowledgement it makes and the
// time it promises; and the message it answers as it stands at the head of the quoted history.
// Each part is worked out on first use and then shared. One message is read on one thread; the
// object is not shared. It keeps views of the texts it is given, which must outlive it.
#pragma once
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "message/datetime.h"
#include "text/analysed.h"
#include "text/lexicon.h"
#include "text/promise.h"

namespace sm {

struct Sentence {
  std::string text;
  std::size_t paragraph = 0;  // index in MessageText::paragraphs()
  bool question = false;      // asks something: a '?' (or '？') that ends a clause
  bool numbered = false;      // stands in an item of a numbered list ("1.", "2)", "b)")
};

class MessageText {
 public:
  // `lexicons` gives the greeting, sign-off and acknowledgement lists (nullptr: none found).
  // `sent` and `time_zone` date what a promise means ("tomorrow" is the day after `sent` there).
  MessageText(std::string_view new_text, std::string_view quoted, const Lexicons* lexicons, TimeMs sent = 0,
              std::string time_zone = "UTC");
  ~MessageText();
  MessageText(const MessageText&) = delete;
  MessageText& operator=(const MessageText&) = delete;

  const TextAnalysis& full() const;  // all of the new text
  const TextAnalysis& body() const;  // the new text without greeting and signature block
  Lang lang() const;                 // the body's language, else the whole new text's

  std::string_view greeting() const;   // "Hi Ana,", "Здравствуйте, Ольга!"; empty when none
  // The closing lines between the body and the signature: short closers of courtesy ("Thanks
  // again for your patience!") and postscripts; empty when none.
  std::string_view closing() const;
  // The sign-off line that opens the signature ("Kind regards,", "Un saludo,"); empty when none.
  std::string_view signoff() const;
  // The signature block: from the sign-off line (or "-- ") through the name and contact lines;
  // empty when none.
  std::string_view signature() const;
  // After the signature: a postscript, a mobile client's line, a disclaimer; empty when none.
  std::string_view footer() const;
  std::string_view body_text() const;  // what body() reads

  const std::vector<std::string>& paragraphs() const;  // of the body
  const std::vector<Sentence>& sentences() const;     // of the body, in order
  // The sentences that ask, in order: those of sentences(), without splitting the text that holds
  // no question mark into sentences.
  const std::vector<Sentence>& questions() const;
  int question_count() const;                          // questions asked in the body
  // Paragraphs and numbered items of the body: the blocks a reply answers in.
  int answer_blocks() const;

  const Acknowledgement& acknowledgement() const;
  // What makes the new text a complaint: one cue of the complaint list, or two different ones of
  // complaint-weak, or one of complaint-weak and a word of a plain problem report (the problem
  // list); empty when it reads as none.
  const std::vector<std::string>& complaint_cues() const;
  bool complains() const { return !complaint_cues().empty(); }
  // The body's words besides the phrases of `lists` (canned, ack) and numbers such as ticket ids:
  // how much the message says beyond "we received it, ticket 4471".
  std::size_t words_besides(std::initializer_list<const char*> lists) const;

  // The message answered, as it stands at the head of the quote (older history further down, and
  // what it quoted in turn, is not read), analysed the same way; an empty text without a quote.
  const MessageText& answered() const;

  // Hits of a lexicon list in one of this message's texts (none without lexicons).
  std::vector<PhraseList::Hit> hits(const std::string& list, const TextAnalysis& in, std::size_t max_hits = 20) const;
  const Lexicons* lexicons() const { return lexicons_; }
  TimeMs sent() const { return sent_; }
  const std::string& time_zone() const { return time_zone_; }

 private:
  struct Layout {
    std::string_view greeting, closing, signoff, signature, footer, body;
  };
  const Layout& layout() const;
  // A courtesy question ("How are you?"): not a question to number or to answer.
  bool courtesy(std::string_view sentence) const;
  // A question sentence that asks the customer nothing: a heading over its answer ("What
  // happened?"), a title cited after a colon ("...: How do I reset my password?").
  bool not_asked(const Sentence& s) const;
  // The body has a phrase of the list somewhere (found once).
  bool body_has(const char* list) const;
  // The sentence opens with a word of one of the lists (its first words read in the message's
  // language).
  bool starts_with(std::initializer_list<const char*> lists, std::string_view sentence) const;
  // It answers the question before it ("Yes, ...", "Because ...": the answer-yes-no and answer-why
  // lists): that question was restated to be answered, not asked.
  bool answers(std::string_view sentence) const;
  // It opens with an ordinal ("First, ...", "Во-вторых, ..."): an item of a list written out.
  bool ordinal(std::string_view sentence) const;

  std::string_view new_text_, quoted_;
  const Lexicons* lexicons_;
  TimeMs sent_;
  std::string time_zone_;
  mutable std::optional<Layout> layout_;
  mutable std::optional<TextAnalysis> full_, body_;
  mutable std::optional<std::vector<std::string>> paragraphs_;
  mutable std::optional<std::vector<Sentence>> sentences_;
  mutable std::optional<std::vector<Sentence>> questions_;
  mutable std::optional<int> answer_blocks_;
  mutable std::optional<Acknowledgement> ack_;
  mutable std::vector<std::pair<std::string_view, bool>> body_has_;  // list name, has a phrase
  mutable std::optional<std::vector<std::string>> complaint_;
  // Hits of each list in full() and body(), found once: rules and the analysis ask again.
  mutable std::map<std::pair<std::string, const TextAnalysis*>, std::vector<PhraseList::Hit>, std::less<>> hits_;
  mutable std::string answered_text_;
  mutable std::unique_ptr<MessageText> answered_;
};

// A phone number (seven digits or more with the usual separators, not a date), an e-mail address or a
// web address (with http://, www. or bare: "muebleslopez.es").
bool has_contact(std::string_view text);

}  // namespace sm
