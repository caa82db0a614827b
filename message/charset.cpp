// Charset conversion through ICU's converters (ucnv). Only U_FAILURE is failure: aliases such as
// windows-1252 or shift_jis answer U_AMBIGUOUS_ALIAS_WARNING and work.
#include "message/charset.h"

#include <unicode/ucnv.h>
#include <unicode/ucnv_err.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>

#include "base/strings.h"

namespace sm {

namespace {

struct ConverterCloser {
  void operator()(UConverter* c) const { ucnv_close(c); }
};
using Converter = std::unique_ptr<UConverter, ConverterCloser>;

std::string lower_trim(std::string_view s) { return ascii_lower(trim(s, " \"'")); }

// A label ICU should not be asked to open: empty after trimming, overlong, or with characters no
// charset name has (path separators, controls).
bool plausible_label(std::string_view label) {
  if (label.empty() || label.size() > 40) return false;
  for (unsigned char c : label)
    if (!(std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == ':' || c == '+')) return false;
  return true;
}

Converter open_converter(const std::string& name) {
  UErrorCode err = U_ZERO_ERROR;
  UConverter* c = ucnv_open(name.c_str(), &err);
  if (U_FAILURE(err) || c == nullptr) return Converter(nullptr);
  return Converter(c);
}

// Converts with ICU's substitution callback (invalid input becomes U+FFFD) and reports whether any
// substitution happened by comparing with a strict pass only when needed.
bool convert(UConverter* from, std::string_view bytes, std::string& out, bool& replaced) {
  UErrorCode err = U_ZERO_ERROR;
  UConverter* utf8 = ucnv_open("UTF-8", &err);
  if (U_FAILURE(err)) return false;
  Converter to(utf8);
  // Detect invalid input: a stop callback run first would cost a second pass on every message;
  // instead count substitutions through a wrapping callback.
  struct Counter {
    UConverterToUCallback prev_cb;
    const void* prev_ctx;
    bool hit = false;
  } counter{};
  auto cb = [](const void* ctx, UConverterToUnicodeArgs* args, const char* units, int32_t length,
               UConverterCallbackReason reason, UErrorCode* e) {
    auto* c = static_cast<Counter*>(const_cast<void*>(ctx));
    if (reason == UCNV_ILLEGAL || reason == UCNV_IRREGULAR || reason == UCNV_UNASSIGNED) c->hit = true;
    UCNV_TO_U_CALLBACK_SUBSTITUTE(nullptr, args, units, length, reason, e);
  };
  err = U_ZERO_ERROR;
  ucnv_setToUCallBack(from, cb, &counter, &counter.prev_cb, &counter.prev_ctx, &err);
  if (U_FAILURE(err)) return false;
  ucnv_reset(from);

  out.clear();
  std::size_t cap = bytes.size() * 3 + 16;
  out.resize(cap);
  char* target = out.data();
  const char* source = bytes.data();
  err = U_ZERO_ERROR;
  ucnv_convertEx(to.get(), from, &target, out.data() + cap, &source, bytes.data() + bytes.size(), nullptr,
                 nullptr, nullptr, nullptr, true, true, &err);
  if (err == U_BUFFER_OVERFLOW_ERROR) {
    // Stateful encodings can expand more; retry with ICU's own estimate.
    err = U_ZERO_ERROR;
    int32_t need = ucnv_toAlgorithmic(UCNV_UTF8, from, nullptr, 0, bytes.data(), static_cast<int32_t>(bytes.size()), &err);
    if (err != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(err)) return false;
    out.assign(static_cast<std::size_t>(need) + 1, '\0');
    err = U_ZERO_ERROR;
    ucnv_reset(from);
    need = ucnv_toAlgorithmic(UCNV_UTF8, from, out.data(), static_cast<int32_t>(out.size()), bytes.data(),
                              static_cast<int32_t>(bytes.size()), &err);
    if (U_FAILURE(err)) return false;
    out.resize(static_cast<std::size_t>(need));
  } else if (U_FAILURE(err)) {
    return false;
  } else {
    out.resize(static_cast<std::size_t>(target - out.data()));
  }
  replaced = counter.hit;
  return true;
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  // The well-formed byte sequences of the Unicode standard (its table 3-7): the second byte's
  // range depends on the first, which rules out overlong forms, surrogates and code points above
  // U+10FFFF without decoding.
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const std::size_t n = s.size();
  auto cont = [&](std::size_t k) { return (p[k] & 0xc0) == 0x80; };
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      // ASCII runs, eight bytes at a time.
      while (i + 8 <= n) {
        std::uint64_t w;
        std::memcpy(&w, p + i, 8);
        if (w & 0x8080808080808080ULL) break;
        i += 8;
      }
      continue;
    }
    // The sequence's length and the range of its second byte, by its first.
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      len = 2;
    } else if (c >= 0xe0 && c <= 0xef) {
      len = 3;
      if (c == 0xe0) lo = 0xa0;
      if (c == 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      len = 4;
      if (c == 0xf0) lo = 0x90;
      if (c == 0xf4) hi = 0x8f;
    } else {
      return false;
    }
    if (i + len > n || p[i + 1] < lo || p[i + 1] > hi) return false;
    for (std::size_t k = 2; k < len; ++k)
      if (!cont(i + k)) return false;
    i += len;
  }
  return true;
}

std::string sanitize_utf8(std::string_view s) {
  if (is_valid_utf8(s)) return std::string(s);
  Converter c = open_converter("UTF-8");
  std::string out;
  bool replaced = false;
  if (c && convert(c.get(), s, out, replaced)) return out;
  // Last resort: drop every non-ASCII byte.
  out.clear();
  for (char ch : s) out += static_cast<unsigned char>(ch) < 0x80 ? ch : '?';
  return out;
}

Utf8Text to_utf8(std::string_view bytes, std::string_view charset) {
  Utf8Text r;
  std::string label = lower_trim(charset);
  if (label.empty() || label == "us-ascii" || label == "ascii" || label == "ansi_x3.4-1968") {
    // Real mail often lies about us-ascii: 8-bit text is UTF-8 when valid, else windows-1252.
    if (is_ascii(bytes)) {
      r.text.assign(bytes);
      r.used = "us-ascii";
      return r;
    }
    label = is_valid_utf8(bytes) ? "utf-8" : "windows-1252";
  }
  if (label == "gb2312" || label == "gb_2312-80" || label == "x-gbk") label = "gbk";  // mail labelled gb2312 is GBK
  if (label == "utf8") label = "utf-8";

  if ((label == "utf-8") && is_valid_utf8(bytes)) {
    r.text.assign(bytes);
    r.used = "utf-8";
    return r;
  }

  Converter conv = plausible_label(label) ? open_converter(label) : Converter(nullptr);
  if (!conv) {
    r.fallback = true;
    label = is_valid_utf8(bytes) ? "utf-8" : "windows-1252";
    if (label == "utf-8") {
      r.text.assign(bytes);
      r.used = label;
      return r;
    }
    conv = open_converter(label);
  }
  r.used = label;
  bool replaced = false;
  if (conv && convert(conv.get(), bytes, r.text, replaced)) {
    r.replaced = replaced;
    return r;
  }
  r.fallback = true;
  r.used = "utf-8";
  r.text = sanitize_utf8(bytes);
  r.replaced = true;
  return r;
}

}  // namespace sm
