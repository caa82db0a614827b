// Copying one thread store into another (`support-milter store migrate`): every thread with its
// messages, participants, fingerprints and SLA state. Safe to run again: messages the target has
// are skipped, and a thread the target already had keeps its own SLA state.
#pragma once
#include <cstddef>
#include <functional>

#include "store/thread_store.h"

namespace sm {

struct CopyCounts {
  std::size_t threads = 0;           // threads created in the target
  std::size_t threads_present = 0;   // threads the target had
  std::size_t threads_empty = 0;     // source threads without messages (nothing to copy)
  std::size_t messages = 0;          // messages copied
  std::size_t messages_present = 0;  // messages the target had (skipped)
  std::size_t participants = 0;      // of the copied messages
  std::size_t fingerprints = 0;      // of the copied messages
  std::size_t sla_states = 0;        // SLA states (and due times) copied
};

// `from` and `to` must be different stores. Throws StoreError; what was copied before stays.
// `progress`, when given, is told after each thread.
CopyCounts copy_store(ThreadStore& from, ThreadStore& to,
                      const std::function<void(const CopyCounts&)>& progress = nullptr);

}  // namespace sm
