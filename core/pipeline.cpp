// The per-message pipeline: classify, find the thread, run every rule, decide the action, record
// the message in the store. Store failures become the configured store failure action; nothing
// thrown leaves process().
#include "core/pipeline.h"

#include <algorithm>

#include "checks/registry.h"
#include "checks/subject.h"
#include "core/digest.h"
#include "core/header_value.h"
#include "text/message_text.h"
#include "core/sla.h"
#include "core/sweeper.h"
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

// Turns the findings into the final action and the changes it makes.
void decide(Verdict& v, const Config& cfg) {
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
    std::string text = "support policy:";
    bool first = true;
    for (const auto* f : failed) {
      if (f->action != Action::reject) continue;
      text += (first ? " " : "; ") + (f->agent_hint.empty() ? f->rule + ": " + f->detail : f->agent_hint);
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
          {Modification::Kind::add_header, cfg.rules.header + "-Detail", f->rule + ": " + f->detail, 1});

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

Verdict Pipeline::process(const Message& msg, const Envelope& env, TimeMs time, const Config& cfg,
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

    ThreadContext tctx;
    bool known_thread = false;
    if (store_ != nullptr && involved) {
      std::vector<std::string> ids(msg.in_reply_to.rbegin(), msg.in_reply_to.rend());
      ids.insert(ids.end(), msg.references.rbegin(), msg.references.rend());
      if (!ids.empty()) {
        if (auto tid = store_->find_thread(ids)) {
          if (auto info = store_->get_thread(*tid)) {
            tctx.thread = *info;
            known_thread = true;
            std::string parent = msg.parent_id();
            if (!parent.empty()) tctx.answered = store_->get_message(parent);
            if (!tctx.answered || tctx.answered->thread_id != *tid) {
              tctx.answered.reset();
              for (const auto& id : ids)
                if (auto m = store_->get_message(id); m && m->thread_id == *tid) {
                  tctx.answered = m;
                  break;
                }
            }
          }
        }
      }
    }
    v.thread_id = known_thread ? tctx.thread.thread_id : derive_thread_id(msg);
    v.new_thread = !known_thread;

    // The message's text, analysed once for every rule and the SLA clock.
    MessageText text(msg.quote.new_text, msg.quote.quoted, cfg.lexicons.loaded.get(), time, cfg.sla.time_zone);

    if (involved) {
      RuleContext ctx{msg, v.direction.direction, env, cfg.support, known_thread ? &tctx : nullptr, time, text};
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

    if (store_ != nullptr && involved && !msg.message_id.empty()) {
      StoredMessage sm;
      sm.message_id = msg.message_id;
      sm.thread_id = v.thread_id;
      sm.direction = v.direction.direction;
      sm.time = time;
      sm.subject = msg.subject;
      sm.participants = participants_of(msg);
      sm.question_count = text.question_count();
      sm.complaint = sm.direction == Direction::inbound && text.complains();
      sm.fingerprints = sketch(msg.quote.new_text);
      ThreadInfo info;
      if (!known_thread) {
        info.thread_id = v.thread_id;
        info.subject = split_subject(msg.subject).base;
        info.created = time;
        info.last_activity = time;
      }
      if (sm.direction == Direction::inbound || sm.direction == Direction::outbound) {
        // The SLA state after this message, saved with it in one step (only if it is new).
        ThreadSla state = ThreadSla::from_json(
            known_thread && !tctx.thread.sla.empty() ? nlohmann::json::parse(tctx.thread.sla, nullptr, false)
                                                     : nlohmann::json::object());
        const SlaSettings settings = sla_settings(cfg);
        // An outbound message's new text read as an acknowledgement (contact, with its promise).
        const Acknowledgement* ack = sm.direction == Direction::outbound ? &text.acknowledgement() : nullptr;
        SlaResult r = sla_on_message(state, sm.direction, time, settings, ack);
        ThreadStore::SlaUpdate update{state.to_json().dump(), sla_next_due(state, settings)};
        if (store_->record_with_sla(sm, known_thread ? nullptr : &info, update)) v.sla = r.to_json();
      } else {
        store_->record(sm, known_thread ? nullptr : &info);
      }
    }
    if (v.sla.empty()) v.sla = SlaResult{}.to_json();
    decide(v, cfg);
  } catch (const StoreError& e) {
    v.error = std::string("store: ") + e.what();
    v.action = cfg.store.on_error == FailAction::tempfail ? FinalAction::tempfail : FinalAction::accept;
    v.modifications.clear();
  } catch (const std::exception& e) {
    v.error = std::string("internal: ") + e.what();
    v.action = cfg.milter.on_internal_error == FailAction::tempfail ? FinalAction::tempfail
                                                                     : FinalAction::accept;
    v.modifications.clear();
  }
  if (!v.error.empty()) {
    v.would = v.action;
    // Observe mode changes nothing, not even on failure.
    if (cfg.rules.mode == Mode::observe) {
      v.observe = true;
      v.action = FinalAction::accept;
    }
  }
  return v;
}

}  // namespace sm
