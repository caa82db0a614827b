// Digests through OpenSSL's EVP and HMAC interfaces.
#include "base/digest.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <memory>

#include "base/strings.h"

namespace sm {

namespace {

// SHA-256 fetched from the default provider once, and one digest context per thread: EVP_Digest
// with EVP_sha256() looks the implementation up and allocates a context on every call, which
// cost more than hashing an audit record.
const EVP_MD* sha256_md() {
  static EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  return fetched != nullptr ? fetched : EVP_sha256();
}

struct CtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  if (ctx && EVP_DigestInit_ex2(ctx.get(), sha256_md(), nullptr) == 1 &&
      EVP_DigestUpdate(ctx.get(), data.data(), data.size()) == 1 && EVP_DigestFinal_ex(ctx.get(), md, &len) == 1)
    return hex(md, len);
  len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return hex(md, len);
}

std::string hmac_sha256_hex(std::string_view key, std::string_view data, std::size_t bytes) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
       data.size(), md, &len);
  return hex(md, std::min<std::size_t>(len, bytes));
}

}  // namespace sm
