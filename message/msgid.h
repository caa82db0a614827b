// Message identifiers (Message-ID, In-Reply-To, References).
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace sm {

// Extracts the ids of a Message-ID / In-Reply-To / References value, without angle brackets, in
// order, duplicates removed. Tolerates missing brackets, comments, phrases and folding. Keeps at
// most `max_ids`: the first one (the thread's root) and the last max_ids-1.
std::vector<std::string> parse_msg_ids(std::string_view raw, std::size_t max_ids = 200);

}  // namespace sm
