// libsodium's one-time initialisation, before its first use (thread-safe: sodium_init() may be
// called again and from any thread; it only ever initialises once).
#pragma once
#include <sodium.h>

#include <stdexcept>

namespace sm {

inline void ensure_sodium() {
  static const bool ready = sodium_init() >= 0;
  if (!ready) throw std::runtime_error("libsodium could not be initialised");
}

}  // namespace sm
