// Limits on what the message model reads. A message over a limit is still parsed up to the limit
// and still gets a verdict; the parse notes say which limit was hit.
#pragma once
#include <cstddef>

namespace sm {

struct Limits {
  std::size_t max_scan_bytes = 10 * 1024 * 1024;  // bytes of a message that are parsed at all
  std::size_t max_header_bytes = 100 * 1024;      // size of the header block
  std::size_t max_headers = 1000;                 // header fields kept
  std::size_t max_line = 2048;                    // longer lines are cut for parsing only
  unsigned max_mime_depth = 64;                   // multipart/message nesting
  unsigned max_parts = 1000;                      // MIME parts
  std::size_t max_text_bytes = 1024 * 1024;       // decoded body text handed to the rules
  std::size_t max_ids = 200;                      // ids kept from References
  unsigned message_ms = 10000;                    // time for the rules of one message, from the
                                                  // end of its data; rules not reached are skipped
};

}  // namespace sm
