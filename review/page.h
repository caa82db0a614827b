// The review page's HTML: the login form, the list of held replies (longest wait first) and one
// reply with the evidence of its findings marked, the customer message it answers (the head of the
// reply's quoted history: the store keeps no text) and its thread's SLA clock. Every text from mail,
// the audit log or the user is escaped; the pages load nothing from elsewhere.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "message/datetime.h"
#include "mta/held.h"
#include "review/auth.h"

namespace sm {

// One held reply with its thread's clock.
struct ReviewItem {
  HeldMessage held;
  std::string subject;                  // the message's, else the thread's
  std::optional<TimeMs> waiting_since;  // the customer's oldest unanswered message (the store's clock)
  std::int64_t waiting_s = 0;           // since then, else since the reply was held
  std::string clock;                    // "within target", "over target", "past the limit", "no wait known"
};

// Longest wait first; equal waits by queue id.
void sort_by_wait(std::vector<ReviewItem>* items);

// "45 s", "12 min", "3 h 05 min", "2 d 4 h".
std::string format_wait(std::int64_t seconds);

// The phrases a finding's evidence names (every string of at least 3 bytes in it, but for the
// fields that name no text: language, style, answered, promised_by), longest first, once each.
std::vector<std::string> evidence_phrases(const std::vector<FindingRecord>& findings);

// `text` as escaped HTML with <mark> around each place a phrase stands (ASCII letters in either
// case; the earliest and then longest match wins, marks never overlap).
std::string mark_phrases(std::string_view text, const std::vector<std::string>& phrases);

// `text` as escaped HTML with <mark> around the words the findings found, as the agent wrote them
// (checks/rule.h evidence_finder: accents, case and word forms), and around each other string of
// their evidence where it stands as in mark_phrases.
std::string mark_findings(std::string_view text, const std::vector<FindingRecord>& findings);

// What a page shows of who is looking.
struct ReviewViewer {
  std::string user;
  ReviewRole role = ReviewRole::auditor;
  std::string csrf;
};

// The login form with `error` (empty: none) and the form token of its pre-session.
std::string review_login_html(const std::string& error, const std::string& token);
std::string review_list_html(const std::vector<ReviewItem>& items, const ReviewViewer& viewer,
                             const std::string& notice);
// `new_text` and `quoted` are the reply's own words and its quoted history (empty: none found);
// `text_error` says why the text could not be read, when it could not.
std::string review_detail_html(const ReviewItem& item, const std::string& new_text, const std::string& quoted,
                               const std::string& text_error, const ReviewViewer& viewer, const std::string& notice);
// A page with one message and a link back to the list (a refusal, an action done).
std::string review_message_html(const std::string& title, const std::string& message, const ReviewViewer* viewer);

}  // namespace sm
