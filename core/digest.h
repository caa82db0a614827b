// SHA-256 through OpenSSL, as lower-case hex.
#pragma once
#include <string>
#include <string_view>

namespace sm {

std::string sha256_hex(std::string_view data);

}  // namespace sm
