// Replay of mbox files and Maildir folders.
#include "tools/replay.h"

#include <algorithm>
#include <filesystem>

#include "pipeline/pipeline.h"
#include "pipeline/transaction.h"
#include "tools/mailbox.h"
#include "pipeline/sweeper.h"
#include "message/headers.h"

namespace sm {

namespace {

namespace fs = std::filesystem;

struct Item {
  std::string origin;  // file, or file#N for the Nth message of an mbox
  std::string bytes;
  TimeMs time = 0;
};

}  // namespace

ReplayResult replay(const std::vector<std::string>& sources, const Config& cfg, ThreadStore& store, AuditLog& audit,
                    std::ostream& notes) {
  ReplayResult r;
  std::vector<MailItem> mail;
  for (const auto& s : sources) {
    fs::path p(s);
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      if (!is_maildir(s)) {
        notes << s << ": not a Maildir (no cur/ or new/)\n";
        continue;
      }
      read_maildir(s, mail);
    } else if (fs::is_regular_file(p, ec)) {
      read_mbox(s, mail);
    } else {
      notes << s << ": cannot read\n";
    }
  }
  std::vector<Item> items;
  items.reserve(mail.size());
  for (auto& m : mail) items.push_back({std::move(m.origin), std::move(m.bytes), 0});
  std::vector<Item> dated;
  for (auto& it : items) {
    HeaderBlock hb = split_headers(it.bytes, cfg.limits);
    const HeaderField* date = first(hb.fields, "Date");
    auto t = date != nullptr ? parse_mail_date(date->value) : std::nullopt;
    if (!t) {
      ++r.skipped;
      notes << it.origin << ": no readable Date; skipped\n";
      continue;
    }
    it.time = *t;
    dated.push_back(std::move(it));
  }
  std::stable_sort(dated.begin(), dated.end(), [](const Item& a, const Item& b) { return a.time < b.time; });

  for (const auto& it : dated) {
    r.events += sweep(store, it.time, sla_settings(cfg), &audit);
    Message msg = parse_message(it.bytes, cfg.limits);
    Envelope env;
    // The milter's transaction: a message whose record cannot be written is taken back from the
    // store (audit.on_error = tempfail), as a sender's retry would find it, and counted apart.
    Transaction t = run_message(&store, &audit, msg, env, it.time, cfg, std::chrono::steady_clock::now(),
                                it.origin);
    for (const auto& e : t.errors) notes << it.origin << ": " << e << "\n";
    if (t.audit_failed) ++r.unrecorded;
    ++r.messages;
  }
  if (!dated.empty()) r.events += sweep(store, dated.back().time, sla_settings(cfg), &audit);
  return r;
}

}  // namespace sm
