// Anchor lines: signed with Ed25519 (crypto_sign_detached), found again in any text and checked.
#include "audit/anchor.h"

#include <sodium.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "audit/key_file.h"
#include "audit/sodium_init.h"
#include "base/strings.h"

namespace sm {

namespace {

constexpr char kPublicPrefix[] = "sm-anchor-v1:";
constexpr std::string_view kMarker = "{\"anchor\":";

nlohmann::json unsigned_object(const AnchorHead& h) {
  nlohmann::json counts = nlohmann::json::object();
  for (const auto& [event, n] : h.counts) counts[event] = n;
  return {{"anchor", 1},      {"counts", counts},     {"counts_from", h.counts_from}, {"epoch", h.epoch},
          {"head", h.head},   {"instance", h.instance}, {"reason", h.reason},         {"seq", h.seq},
          {"time", h.time}};
}

bool is_uint(const nlohmann::json& j, const char* key) { return j.contains(key) && j[key].is_number_unsigned(); }
bool is_str(const nlohmann::json& j, const char* key) { return j.contains(key) && j[key].is_string(); }

}  // namespace

std::optional<AnchorPublicKey> parse_anchor_public_key(std::string_view text, std::string* error) {
  text = trim(text);
  AnchorPublicKey k;
  if (!text.starts_with(kPublicPrefix) || !unhex(text.substr(std::char_traits<char>::length(kPublicPrefix)), k.bytes.data(), k.bytes.size())) {
    *error = "not an anchor public key (sm-anchor-v1: and 64 hex digits, as audit keygen printed it)";
    return std::nullopt;
  }
  return k;
}

std::string format_anchor_public_key(const AnchorPublicKey& key) {
  return kPublicPrefix + hex(key.bytes.data(), key.bytes.size());
}

std::unique_ptr<AnchorSigner> AnchorSigner::open(const std::string& path, std::string* error) {
  ensure_sodium();
  std::string text, why;
  int fd = open_key_file(path, false, &text, &why);
  if (fd < 0) {
    *error = "anchor key " + why;
    return nullptr;
  }
  ::close(fd);
  auto j = nlohmann::json::parse(text, nullptr, false);
  sodium_memzero(text.data(), text.size());
  std::unique_ptr<AnchorSigner> s(new AnchorSigner());
  std::array<unsigned char, crypto_sign_SEEDBYTES> seed{};
  bool ok = !j.is_discarded() && j.is_object() && j.value("version", 0) == 1 && is_str(j, "seed") &&
            is_str(j, "public") && unhex(j["seed"].get<std::string>(), seed.data(), seed.size());
  if (ok) {
    crypto_sign_seed_keypair(s->public_.bytes.data(), s->secret_.data(), seed.data());
    ok = j["public"].get<std::string>() == hex(s->public_.bytes.data(), s->public_.bytes.size());
  }
  sodium_memzero(seed.data(), seed.size());
  if (!ok) {
    *error = "anchor key " + path + ": not an anchor key file (support-milter audit keygen writes one)";
    return nullptr;
  }
  return s;
}

std::optional<AnchorPublicKey> AnchorSigner::create(const std::string& path, bool replace, unsigned uid, unsigned gid,
                                                    std::string* error) {
  ensure_sodium();
  int old = -1;
  if (!may_replace_key_file(path, replace, &old, error)) return std::nullopt;
  std::array<unsigned char, crypto_sign_SEEDBYTES> seed{};
  std::array<unsigned char, crypto_sign_SECRETKEYBYTES> secret{};
  AnchorPublicKey pk;
  randombytes_buf(seed.data(), seed.size());
  crypto_sign_seed_keypair(pk.bytes.data(), secret.data(), seed.data());
  nlohmann::json j = {{"version", 1}, {"public", hex(pk.bytes.data(), pk.bytes.size())}, {"seed", hex(seed.data(), seed.size())}};
  std::string text = j.dump() + "\n";
  sodium_memzero(seed.data(), seed.size());
  sodium_memzero(secret.data(), secret.size());
  int fd = replace_key_file(path, text, uid, gid, error);
  sodium_memzero(text.data(), text.size());
  if (old >= 0) {
    if (fd >= 0) wipe_key_file(old);
    ::close(old);
  }
  if (fd < 0) return std::nullopt;
  ::close(fd);
  return pk;
}

AnchorSigner::~AnchorSigner() { sodium_memzero(secret_.data(), secret_.size()); }

std::string AnchorSigner::line(const AnchorHead& head) const {
  nlohmann::json j = unsigned_object(head);
  const std::string text = j.dump();
  std::array<unsigned char, crypto_sign_BYTES> sig{};
  crypto_sign_detached(sig.data(), nullptr, reinterpret_cast<const unsigned char*>(text.data()), text.size(),
                       secret_.data());
  j["sig"] = hex(sig.data(), sig.size());
  return j.dump();
}

bool FoundAnchor::signed_by(const AnchorPublicKey& key) const {
  ensure_sodium();
  return crypto_sign_verify_detached(sig.data(), reinterpret_cast<const unsigned char*>(signed_text.data()),
                                     signed_text.size(), key.bytes.data()) == 0;
}

void find_anchors(std::string_view text, const std::string& origin, std::vector<FoundAnchor>* out,
                  std::vector<std::string>* errors) {
  std::size_t lineno = 0;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    ++lineno;
    auto at = line.find(kMarker);
    if (at == std::string_view::npos) continue;
    const std::string where = origin + ":" + std::to_string(lineno);
    auto j = nlohmann::json::parse(trim(line.substr(at)), nullptr, false);
    FoundAnchor a;
    a.origin = where;
    bool ok = !j.is_discarded() && j.is_object() && j.value("anchor", 0) == 1 && is_uint(j, "seq") &&
              is_uint(j, "epoch") && is_uint(j, "counts_from") && is_str(j, "head") && is_str(j, "instance") &&
              is_str(j, "time") && is_str(j, "reason") && is_str(j, "sig") && j.contains("counts") &&
              j["counts"].is_object() && unhex(j["sig"].get<std::string>(), a.sig.data(), a.sig.size());
    if (ok) {
      for (const auto& [event, n] : j["counts"].items()) {
        if (!n.is_number_unsigned()) ok = false;
        else a.head.counts[event] = n.get<std::uint64_t>();
      }
    }
    if (!ok) {
      errors->push_back(where + ": not a readable anchor");
      continue;
    }
    a.head.instance = j["instance"].get<std::string>();
    a.head.seq = j["seq"].get<std::uint64_t>();
    a.head.head = j["head"].get<std::string>();
    a.head.epoch = j["epoch"].get<std::uint64_t>();
    a.head.time = j["time"].get<std::string>();
    a.head.reason = j["reason"].get<std::string>();
    a.head.counts_from = j["counts_from"].get<std::uint64_t>();
    j.erase("sig");
    a.signed_text = j.dump();
    out->push_back(std::move(a));
  }
}

}  // namespace sm
