// Splitting body text into new text and quoted history, and the text helpers of the rules.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "checks/text.h"
#include "message/quote.h"
#include "store/fingerprint.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  sm::QuoteSplit q = sm::split_quotes(in);
  sm::tokenize(sm::fold_for_match(q.new_text));
  sm::sentences(q.new_text);
  sm::word_count(q.new_text);
  sm::containment_in(sm::sketch(q.new_text), q.quoted);
  return 0;
}
