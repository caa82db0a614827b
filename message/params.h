// Structured header values with parameters (Content-Type, Content-Disposition): RFC 2045 syntax
// with RFC 2231 extensions (charset/language, continuations name*0*=) decoded to UTF-8.
#pragma once
#include <map>
#include <string>
#include <string_view>

namespace sm {

struct ParamValue {
  std::string value;                         // lower-cased token, e.g. "text/plain"
  std::map<std::string, std::string> params; // lower-cased names; values decoded to UTF-8
};

ParamValue parse_param_header(std::string_view raw);

}  // namespace sm
