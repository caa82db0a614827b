// Postfix's queue as `postqueue -j` lists it (one JSON object per message); Sendmail's is
// mta/sendmail_queue.h.
#pragma once
#include <cstddef>
#include <string>
#include <vector>

#include "mta/held.h"

namespace sm {

// Parses postqueue -j output (one JSON object per line). Lines that are not JSON objects with a
// queue_id are reported in `bad` (1-based line numbers) and skipped.
std::vector<QueueEntry> parse_postqueue_json(const std::string& text, std::vector<std::size_t>* bad = nullptr);

}  // namespace sm
