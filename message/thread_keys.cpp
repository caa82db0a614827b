// Thread-Index roots and ticket tokens.
#include "message/thread_keys.h"

#include <unicode/regex.h>

#include <stdexcept>

#include "base/strings.h"
#include "message/headers.h"
#include "message/mime.h"

namespace sm {

std::string thread_index_root(const Message& msg) {
  const HeaderField* h = first(msg.headers, "Thread-Index");
  if (h == nullptr) return {};
  std::string raw = decode_base64(h->value.substr(0, 512));
  if (raw.size() < 22) return {};
  return hex(std::string_view(raw).substr(0, 22));
}

struct TicketPattern::Compiled {
  std::unique_ptr<icu::RegexPattern> regex;
};

TicketPattern::TicketPattern(const std::string& pattern) : pattern_(pattern), compiled_(std::make_unique<Compiled>()) {
  UErrorCode err = U_ZERO_ERROR;
  UParseError where{};
  compiled_->regex.reset(icu::RegexPattern::compile(icu::UnicodeString::fromUTF8(pattern), where, err));
  if (U_FAILURE(err) || !compiled_->regex)
    throw std::invalid_argument(std::string(u_errorName(err)) + " at offset " + std::to_string(where.offset));
}

TicketPattern::~TicketPattern() = default;

std::string TicketPattern::find(std::string_view subject) const {
  subject = subject.substr(0, std::min<std::size_t>(subject.size(), 2000));
  UErrorCode err = U_ZERO_ERROR;
  icu::UnicodeString text = icu::UnicodeString::fromUTF8(icu::StringPiece(subject.data(), static_cast<int32_t>(subject.size())));
  std::unique_ptr<icu::RegexMatcher> m(compiled_->regex->matcher(text, err));
  if (U_FAILURE(err) || !m) return {};
  m->setTimeLimit(10, err);  // in steps of the matcher: a bad pattern costs at most a few ms
  if (!m->find(err) || U_FAILURE(err)) return {};
  icu::UnicodeString token = m->groupCount() >= 1 ? m->group(1, err) : m->group(err);
  if (U_FAILURE(err)) return {};
  std::string out;
  token.toUTF8String(out);
  return out;
}

}  // namespace sm
