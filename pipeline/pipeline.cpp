// The per-message pipeline: classify, find the thread, run every rule, decide the action, record
// the message in the store. Store failures become the configured store failure action; nothing
// thrown leaves process().
#include "pipeline/pipeline.h"

#include <algorithm>

#include "checks/registry.h"
#include "message/subject.h"
#include "base/digest.h"
#include "message/encoded_words.h"
#include "text/message_text.h"
#include "sla/clock.h"
#include "pipeline/agent_text.h"
#include "pipeline/sweeper.h"
#include "store/fingerprint.h"

namespace sm {

const char* to_string(FinalAction a) {
  switch (a) {
    case FinalAction::accept: return "accept";
    case FinalAction::annotate: return "annotate";
    case FinalAction::fix: return "fix";
    case FinalAction::hold: return "hold";
    case FinalAction::reject: return "reject";
    case FinalAction::tempfail: return "tempfail";
  }
  return "accept";
}

std::string derive_thread_id(const Message& msg) {
  std::string root;
  if (!msg.references.empty()) {
    root = msg.references.front();
  } else if (!msg.in_reply_to.empty()) {
    root = msg.in_reply_to.front();
  } else if (!msg.message_id.empty()) {
    root = msg.message_id;
  } else {
    // No ids at all: the best we have is who wrote what when.
    root = (msg.from.empty() ? std::string() : msg.from.front().key()) + "\n" + msg.subject + "\n" +
           std::to_string(msg.date.value_or(0));
  }
  return sha256_hex(root).substr(0, 20);
}

namespace {

std::vector<Participant> participants_of(const Message& m) {
  std::vector<Participant> out;
  auto add = [&](Role role, const std::vector<Address>& list) {
    for (const auto& a : list)
      if (!a.local_part.empty()) out.push_back({role, a.key(), a.address()});
  };
  add(Role::from, m.from);
  add(Role::reply_to, m.reply_to);
  add(Role::to, m.to);
  add(Role::cc, m.cc);
  return out;
}

FinalAction final_of(Action a) {
  switch (a) {
    case Action::reject: return FinalAction::reject;
    case Action::hold: return FinalAction::hold;
    case Action::fix: return FinalAction::fix;
    case Action::annotate: return FinalAction::annotate;
    default: return FinalAction::accept;
  }
}

std::string join_ids(const std::vector<const Finding*>& fs) {
  std::string s;
  for (const auto* f : fs) s += (s.empty() ? "" : ",") + f->rule;
  return s;
}

// Turns the findings into the final action and the changes it makes; `reply` is the new text the
// rules judged, whose words the reject text and the annotation detail quote as the agent wrote them.
void decide(Verdict& v, const Config& cfg, std::string_view reply) {
  Action strongest = Action::off;
  std::vector<const Finding*> failed;  // with an action above log
  for (const auto& f : v.findings) {
    if (f.result != Result::fail) continue;
    strongest = std::max(strongest, f.action);
    if (f.action >= Action::annotate) failed.push_back(&f);
  }
  v.would = final_of(strongest);
  v.observe = cfg.rules.mode == Mode::observe;
  if (v.observe || strongest <= Action::log) {
    v.action = FinalAction::accept;
    return;
  }
  v.action = v.would;

  if (v.action == FinalAction::reject) {
    std::string text = agent_text(v.agent_language, "reject_intro");
    bool first = true;
    for (const auto* f : failed) {
      if (f->action != Action::reject) continue;
      text += (first ? " " : "; ") + agent_hint_text(*f, v.agent_language, reply);
      first = false;
    }
    v.reply_text = sanitize_text(text, 400);
    return;
  }

  std::vector<const Finding*> fixed;
  for (const auto* f : failed)
    if (f->action == Action::fix && !f->fixes.empty()) {
      fixed.push_back(f);
      for (const auto& m : f->fixes) v.modifications.push_back(m);
    }

  std::string value = "fail=" + join_ids(failed);
  if (!fixed.empty()) value += "; fixed=" + join_ids(fixed);
  if (v.action == FinalAction::hold) value += "; held";
  v.modifications.push_back({Modification::Kind::add_header, cfg.rules.header, value, 1});
  if (cfg.rules.header_detail)
    for (const auto* f : failed)
      v.modifications.push_back(
          {Modification::Kind::add_header, cfg.rules.header + "-Detail", agent_hint_text(*f, v.agent_language, reply), 1});

  if (v.action == FinalAction::hold) {
    std::vector<const Finding*> held;
    for (const auto* f : failed)
      if (f->action == Action::hold) held.push_back(f);
    std::string reason = "support-milter: " + join_ids(held);
    for (const auto* f : held) reason += "; " + f->detail;
    v.quarantine_reason = sanitize_text(reason, 400);
  }
}

}  // namespace

namespace {

// A store or internal error decides the verdict: the configured failure action, no changes, and
// in observe mode still nothing changes.
void fail_verdict(Verdict& v, const Config& cfg, const std::string& error, bool store_error) {
  v.error = error;
  const FailAction a = store_error ? cfg.store.on_error : cfg.milter.on_internal_error;
  v.action = a == FailAction::tempfail ? FinalAction::tempfail : FinalAction::accept;
  v.modifications.clear();
  v.pending.reset();
  v.would = v.action;
  if (cfg.rules.mode == Mode::observe) {
    v.observe = true;
    v.action = FinalAction::accept;
  }
  SlaResult sla;
  sla.status = v.action == FinalAction::tempfail ? SlaStatus::not_sent : SlaStatus::unknown;
  sla.reason = store_error ? "store error" : "internal error";
  v.sla = sla;
}

// The thread a message belongs to, by the ways help desks find it: its ids (In-Reply-To,
// References), Outlook's Thread-Index root, a ticket token of the subject, and last the same
// subject from the same customer within a window. Fills tctx and says how it was found.
std::string find_thread(ThreadStore& store, const Message& msg, Direction d, const SupportIdentity& support,
                        TimeMs time, const Config& cfg, const ThreadKeys& keys, ThreadContext& tctx) {
  std::vector<std::string> ids(msg.in_reply_to.rbegin(), msg.in_reply_to.rend());
  ids.insert(ids.end(), msg.references.rbegin(), msg.references.rend());
  std::optional<std::string> tid;
  std::string by;
  // The message replied to is the first of the ids (Message::parent_id): read once, and when it
  // is stored its thread is the one the ids find first.
  std::optional<StoredMessage> parent;
  if (!ids.empty()) {
    parent = store.get_message(ids.front());
    if (parent) tid = parent->thread_id;
    else if (ids.size() > 1) tid = store.find_thread({ids.begin() + 1, ids.end()});
    if (tid) by = "references";
  }
  if (!tid && !keys.thread_index.empty() && (tid = store.find_thread_by_index(keys.thread_index))) by = "thread-index";
  if (!tid && !keys.ticket.empty() && (tid = store.find_thread_by_ticket(keys.ticket))) by = "ticket";
  if (!tid && cfg.thread.subject_window_days > 0) {
    // The customer: the author of an inbound message, the recipients of an outbound one.
    std::vector<std::string> customers;
    auto add = [&](const std::vector<Address>& list) {
      for (const auto& a : list)
        if (!a.local_part.empty() && !support.is_support(a)) customers.push_back(a.key());
    };
    if (d == Direction::inbound) {
      add(msg.from);
      add(msg.reply_to);
    } else if (d == Direction::outbound) {
      add(msg.to);
      add(msg.cc);
    }
    const std::string subject = split_subject(msg.subject).base;
    const TimeMs since = time - static_cast<TimeMs>(cfg.thread.subject_window_days) * 86'400'000;
    if (!subject.empty())
      for (const auto& c : customers)
        if ((tid = store.find_thread_by_subject(subject, c, since))) {
          by = "subject";
          break;
        }
  }
  if (!tid) return "new";
  auto info = store.get_thread(*tid);
  if (!info) return "new";
  tctx.thread = *info;
  tctx.answered = std::move(parent);
  if (!tctx.answered || tctx.answered->thread_id != *tid) {
    tctx.answered.reset();
    for (const auto& id : ids)
      if (auto m = store.get_message(id); m && m->thread_id == *tid) {
        tctx.answered = m;
        break;
      }
  }
  // Found by another way than its ids: it answers the thread's last customer message.
  if (!tctx.answered && d == Direction::outbound) tctx.answered = store.last_message(*tid, {Direction::inbound});
  return by;
}

}  // namespace

Verdict Pipeline::judge(const Message& msg, const Envelope& env, TimeMs time, const Config& cfg,
                        std::chrono::steady_clock::time_point started) {
  Verdict v;
  const auto deadline = started + std::chrono::milliseconds(cfg.limits.message_ms);
  v.time = time;
  try {
    v.direction = classify(msg, env, cfg.support);
    if (first(msg.headers, kNoticeHeader) != nullptr) {
      v.direction.direction = Direction::other;
      v.direction.reason = "a support-milter notice";
    }
    const bool involved = v.direction.direction != Direction::other;

    ThreadKeys keys;
    if (cfg.thread.outlook_thread_index) keys.thread_index = thread_index_root(msg);
    if (cfg.thread.ticket) keys.ticket = cfg.thread.ticket->find(msg.subject);

    ThreadContext tctx;
    v.thread_found_by = "new";
    if (store_ != nullptr && involved)
      v.thread_found_by = find_thread(*store_, msg, v.direction.direction, cfg.support, time, cfg, keys, tctx);
    const bool known_thread = v.thread_found_by != "new";
    v.thread_id = known_thread ? tctx.thread.thread_id : derive_thread_id(msg);
    v.new_thread = !known_thread;

    // History that no marker announced, found by the words of the message answered.
    std::optional<Message> resplit;
    if (known_thread && !msg.quote.has_quote && tctx.answered && !tctx.answered->fingerprints.empty()) {
      const auto& answered = tctx.answered->fingerprints;
      QuoteSplit q = split_unmarked(msg.body_text, found_from_each_line(msg.body_text, answered), answered.size());
      if (q.has_quote) {
        resplit = msg;
        resplit->quote = std::move(q);
        v.quote = resplit->quote;
      }
    }
    const Message& judged = resplit ? *resplit : msg;

    // The message's text, analysed once for every rule and the SLA clock.
    MessageText text(judged.quote.new_text, judged.quote.quoted, cfg.lexicons.loaded.get(), time, cfg.sla.time_zone);
    if (involved) v.language = to_string(text.lang());

    if (involved) {
      RuleContext ctx{judged, v.direction.direction, env, cfg.support, known_thread ? &tctx : nullptr, time, text};
      for (const auto& rule : rule_registry()) {
        const RuleSettings& settings = cfg.rule(rule->id());
        if (settings.action == Action::off) continue;
        Finding f;
        // Past the deadline a rule is not run: its finding says so, and the verdict stands on the
        // findings made in time.
        if (v.deadline_passed || std::chrono::steady_clock::now() >= deadline) {
          v.deadline_passed = true;
          f.rule = std::string(rule->id());
          f.result = Result::skip;
          f.detail = "not run: the message took longer than limits.message_ms (" +
                     std::to_string(cfg.limits.message_ms) + " ms)";
          f.action = Action::off;
          v.findings.push_back(std::move(f));
          continue;
        }
        try {
          f = rule->evaluate(ctx, settings);
        } catch (const std::exception& e) {
          f.rule = std::string(rule->id());
          f.result = Result::skip;
          f.detail = std::string("rule error: ") + e.what();
        }
        f.rule = std::string(rule->id());
        f.action = f.result == Result::fail ? settings.action : Action::off;
        v.findings.push_back(std::move(f));
      }
    }
    v.agent_language =
        agent_language(cfg, msg.from.empty() ? Address{} : msg.from.front(), involved ? v.language : std::string());
    decide(v, cfg, judged.quote.new_text);

    // What the store will keep of the message, now that the verdict is known. The clock moves
    // only for mail that leaves: a rejected message leaves nothing (its resend is the reply); a
    // held one is kept, and counts when it is released.
    ThreadSla state = known_thread ? ThreadSla::parse(tctx.thread.sla) : ThreadSla{};
    const bool timed = v.direction.direction == Direction::inbound || v.direction.direction == Direction::outbound;
    if (v.action == FinalAction::reject) {
      SlaResult sla;
      sla.status = SlaStatus::not_sent;
      sla.reason = "rejected";
      sla.waiting_since = state.waiting_since;
      v.sla = sla;
    } else if (store_ != nullptr && involved && !msg.message_id.empty()) {
      Verdict::PendingWrite w;
      StoredMessage& sm = w.message;
      sm.message_id = msg.message_id;
      sm.thread_id = v.thread_id;
      sm.direction = v.direction.direction;
      sm.time = time;
      sm.subject = msg.subject;
      sm.participants = participants_of(msg);
      sm.question_count = text.question_count();
      sm.complaint = sm.direction == Direction::inbound && text.complains();
      sm.fingerprints = sketch(judged.quote.new_text);
      w.keys = keys;
      if (!known_thread) w.thread = ThreadInfo{v.thread_id, split_subject(msg.subject).base, time, time, "", {}};
      // An outbound message's new text read as an acknowledgement (contact, with its promise).
      const Acknowledgement* ack = sm.direction == Direction::outbound ? &text.acknowledgement() : nullptr;
      if (v.action == FinalAction::hold) {
        sm.status = "held";
        sm.sla_pending = HeldClock(sm.direction, ack).dump();
        sm.queue_id = env.queue_id;
        sm.instance = audit_instance(cfg);
        sm.envelope_sender = bare_envelope_address(env.mail_from);
        // The recipients the MTA queued it for: the client's, and those a fix adds.
        for (const auto& r : env.rcpt_to) sm.envelope_recipients.push_back(bare_envelope_address(r));
        for (const auto& m : v.modifications)
          if (m.kind == Modification::Kind::add_recipient) sm.envelope_recipients.push_back(bare_envelope_address(m.value));
        SlaResult sla;
        sla.status = SlaStatus::held;
        sla.waiting_since = state.waiting_since;
        w.result = sla;
      } else if (timed) {
        const SlaSettings settings = sla_settings(cfg);
        if (known_thread) w.previous = ThreadStore::SlaUpdate{tctx.thread.sla, sla_next_due(state, settings)};
        SlaResult r = sla_on_message(state, sm.direction, time, settings, ack);
        w.sla = ThreadStore::SlaUpdate{state.dump(), sla_next_due(state, settings)};
        w.result = r;
      }
      v.pending = std::move(w);
    }
  } catch (const StoreError& e) {
    fail_verdict(v, cfg, std::string("store: ") + e.what(), true);
  } catch (const std::exception& e) {
    fail_verdict(v, cfg, std::string("internal: ") + e.what(), false);
  }
  return v;
}

void Pipeline::record(Verdict& v, const Config& cfg) {
  if (!v.pending || store_ == nullptr) return;
  try {
    auto& w = *v.pending;
    w.recorded = store_->record_message(w.message, w.thread ? &*w.thread : nullptr, w.keys, w.sla);
    // A message id stored before (a copy sent again): no second count on the clock.
    v.sla = w.recorded && w.result ? *w.result : SlaResult{};
  } catch (const StoreError& e) {
    fail_verdict(v, cfg, std::string("store: ") + e.what(), true);
  } catch (const std::exception& e) {
    fail_verdict(v, cfg, std::string("internal: ") + e.what(), false);
  }
}

bool Pipeline::undo(Verdict& v) {
  if (!v.pending || !v.pending->recorded || store_ == nullptr) return true;
  try {
    const auto& w = *v.pending;
    store_->unrecord_message(w.message.message_id, w.message.thread_id, w.previous);
    v.pending->recorded = false;
    return true;
  } catch (const std::exception&) {
    return false;
  }
}

Verdict Pipeline::process(const Message& msg, const Envelope& env, TimeMs time, const Config& cfg,
                          std::chrono::steady_clock::time_point started) {
  Verdict v = judge(msg, env, time, cfg, started);
  record(v, cfg);
  return v;
}

}  // namespace sm
