// Writing a whole buffer to a file descriptor: write(2) again after a short write or EINTR.
#pragma once
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <string_view>

namespace sm {

// Writes all of `data` to `fd`. On failure returns false with `*written` the bytes that did get
// out and errno set (0 when write returned 0).
inline bool write_all(int fd, std::string_view data, std::size_t* written) {
  std::size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = 0;
      *written = done;
      return false;
    }
    done += static_cast<std::size_t>(n);
  }
  *written = done;
  return true;
}

}  // namespace sm
