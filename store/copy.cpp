// Store copy: thread by thread, oldest first, through the ThreadStore interface of both sides.
#include "store/copy.h"

namespace sm {

CopyCounts copy_store(ThreadStore& from, ThreadStore& to,
                      const std::function<void(const CopyCounts&)>& progress) {
  CopyCounts c;
  from.export_threads(
      [&](const ThreadInfo& t, std::optional<TimeMs> due, const std::vector<StoredMessage>& messages) {
        if (messages.empty()) {
          ++c.threads_empty;
          return;
        }
        const bool existed = to.get_thread(t.thread_id).has_value();
        ++(existed ? c.threads_present : c.threads);
        for (const auto& m : messages) {
          if (to.record_message(m, &t, t.keys, std::nullopt)) {
            ++c.messages;
            c.participants += m.participants.size();
            c.fingerprints += m.fingerprints.size();
          } else {
            ++c.messages_present;
          }
        }
        if (!existed && (!t.sla.empty() || due)) {
          to.save_sla(t.thread_id, t.sla, due);
          ++c.sla_states;
        }
        if (progress) progress(c);
      });
  return c;
}

}  // namespace sm
