// Splitting body text into new text and quoted history, and the text analysis of the rules.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "message/quote.h"
#include "store/fingerprint.h"
#include "text/message_text.h"
#include "text/segment.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  sm::QuoteSplit q = sm::split_quotes(in);
  sm::tokenize(sm::fold_for_match(q.new_text));
  sm::sentences(q.new_text);
  sm::word_count(q.new_text);
  sm::MessageText text(q.new_text, q.quoted, nullptr);
  text.question_count();
  text.answer_blocks();
  text.answered().question_count();
  sm::containment_in(sm::sketch(q.new_text), q.quoted);
  return 0;
}
