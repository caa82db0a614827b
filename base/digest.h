// SHA-256 and HMAC-SHA-256 through OpenSSL, as lower-case hex.
#pragma once
#include <string>
#include <string_view>

namespace sm {

std::string sha256_hex(std::string_view data);
// The first `bytes` bytes (at most 32) of HMAC-SHA-256(key, data).
std::string hmac_sha256_hex(std::string_view key, std::string_view data, std::size_t bytes = 32);

}  // namespace sm
