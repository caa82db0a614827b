// One parsed message: headers raw and decoded, addresses, ids, date, body text, new text and
// quoted history. parse_message never throws and never fails: a broken message is a Message with
// notes saying what was wrong.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "message/address.h"
#include "message/datetime.h"
#include "message/headers.h"
#include "message/limits.h"
#include "message/quote.h"

namespace sm {

struct Message {
  std::vector<HeaderField> headers;  // raw fields in order (bounded by Limits)

  std::string subject;               // decoded, unfolded UTF-8
  std::vector<Address> from, reply_to, to, cc, sender;
  std::string message_id;            // without brackets; empty when absent
  std::vector<std::string> in_reply_to;
  std::vector<std::string> references;
  std::optional<TimeMs> date;

  std::string body_text;             // UTF-8 text chosen from the body
  bool body_from_html = false;
  QuoteSplit quote;                  // new text / quoted history of body_text (or attachment)

  std::size_t size = 0;              // bytes handed to the parser
  bool limit_hit = false;            // some limit was reached
  std::vector<std::string> notes;    // what was odd or broken, for the finding/audit

  // The id this message answers: last In-Reply-To id, else last References id, else empty.
  std::string parent_id() const;
};

Message parse_message(std::string_view bytes, const Limits& limits);

// `bytes` is the start of a larger message, cut at limits.scan_bytes by whoever read it (the
// milter, `check`): parsed as far as it goes, with the limit hit and a note that says so.
Message parse_message_start(std::string_view bytes, const Limits& limits);

}  // namespace sm
