// The report's checkpoint: its file, and the checks that it matches the log before it is used.
#include "tools/report_checkpoint.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>

#include "audit/verify.h"
#include "base/digest.h"
#include "message/datetime.h"

namespace sm {

namespace {

constexpr std::string_view kMagic = "support-milter report checkpoint\n";

std::string refused(const std::string& why) { return "checkpoint does not match the log: " + why; }

// SHA-256 over what goes through it.
class Sha256 {
 public:
  Sha256() : ctx_(EVP_MD_CTX_new()) { EVP_DigestInit_ex(ctx_, EVP_sha256(), nullptr); }
  ~Sha256() { EVP_MD_CTX_free(ctx_); }
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void add(const char* data, std::size_t n) { EVP_DigestUpdate(ctx_, data, n); }
  std::array<unsigned char, 32> done() {
    std::array<unsigned char, 32> out{};
    unsigned int n = 0;
    EVP_DigestFinal_ex(ctx_, out.data(), &n);
    return out;
  }

 private:
  EVP_MD_CTX* ctx_;
};

// The digest of the first `size` bytes of `path`.
std::array<unsigned char, 32> digest_of(const std::string& path, std::uint64_t size) {
  std::ifstream in(path, std::ios::binary);
  Sha256 h;
  std::vector<char> buf(1 << 16);
  while (size > 0) {
    const auto n = static_cast<std::streamsize>(std::min<std::uint64_t>(size, buf.size()));
    if (!in.read(buf.data(), n)) throw CheckpointError("cannot read the checkpoint " + path);
    h.add(buf.data(), static_cast<std::size_t>(n));
    size -= static_cast<std::uint64_t>(n);
  }
  return h.done();
}

std::string describe(const nlohmann::json& v) { return v.is_null() ? std::string("none") : v.dump(); }

}  // namespace

nlohmann::json checkpoint_options(const ReportOptions& opts) {
  std::string keys;
  for (const auto& k : opts.verify.keys) keys.append(reinterpret_cast<const char*>(k.bytes.data()), k.bytes.size());
  return {{"from", opts.from ? nlohmann::json(format_rfc3339(*opts.from)) : nlohmann::json(nullptr)},
          {"to", opts.to ? nlohmann::json(format_rfc3339(*opts.to)) : nlohmann::json(nullptr)},
          {"target_s", opts.target_s},
          {"limit_s", opts.limit_s},
          {"time_zone", opts.time_zone},
          {"calendar", opts.business_calendar ? "business" : "24x7"},
          {"verification_keys", opts.verify.keys.empty() ? std::string() : sha256_hex(keys)}};
}

std::pair<std::uint64_t, std::uint64_t> file_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw CheckpointError("cannot read " + path + ": " + std::strerror(errno));
  return {static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino)};
}

std::string line_hash_before(const std::string& path, std::uint64_t end) {
  if (end == 0) return {};
  std::ifstream in(path, std::ios::binary);
  if (!in) return {};
  std::uint64_t chunk = 4096;
  for (;;) {
    const std::uint64_t start = end - 1 > chunk ? end - 1 - chunk : 0;
    std::string buf(end - start, '\0');
    in.clear();
    in.seekg(static_cast<std::streamoff>(start));
    if (!in.read(buf.data(), static_cast<std::streamsize>(buf.size()))) return {};
    if (buf.back() != '\n') return {};
    const std::size_t nl = buf.size() >= 2 ? buf.rfind('\n', buf.size() - 2) : std::string::npos;
    if (nl != std::string::npos) return sha256_hex(std::string_view(buf).substr(nl + 1, buf.size() - nl - 2));
    if (start == 0) return sha256_hex(std::string_view(buf).substr(0, buf.size() - 1));
    chunk *= 2;
  }
}

std::unique_ptr<CheckpointReader> CheckpointReader::open(const std::string& path, const ReportOptions& opts) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return nullptr;
  const auto size = std::filesystem::file_size(path, ec);
  auto bad = [&](const std::string& why) { return CheckpointError("the checkpoint " + path + " is not usable: " + why); };
  if (ec) throw bad(ec.message());
  auto r = std::unique_ptr<CheckpointReader>(new CheckpointReader());
  r->in_.open(path, std::ios::binary);
  if (!r->in_) throw bad("cannot read it");
  // The whole file first: its digest says whether it is whole and unchanged.
  if (size < kMagic.size() + 8 + 32) throw bad("too short to be one");
  {
    std::string magic(kMagic.size(), '\0');
    r->in_.read(magic.data(), static_cast<std::streamsize>(magic.size()));
    if (magic != kMagic) throw bad("not a report checkpoint");
  }
  const auto want = digest_of(path, size - 32);
  std::array<unsigned char, 32> have{};
  {
    std::ifstream tail(path, std::ios::binary);
    tail.seekg(static_cast<std::streamoff>(size - 32));
    tail.read(reinterpret_cast<char*>(have.data()), 32);
  }
  if (want != have) throw bad("its digest does not match its content (damaged or changed)");
  std::array<unsigned char, 8> len{};
  r->in_.read(reinterpret_cast<char*>(len.data()), 8);
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | len[static_cast<std::size_t>(i)];
  if (n > size - kMagic.size() - 8 - 32) throw bad("its header runs past its end");
  std::vector<std::uint8_t> header(n);
  r->in_.read(reinterpret_cast<char*>(header.data()), static_cast<std::streamsize>(n));
  const nlohmann::json h = nlohmann::json::from_cbor(header, true, false);
  if (h.is_discarded() || !h.is_object()) throw bad("its header is not readable");
  try {
    if (h.at("version").get<int>() != kCheckpointVersion)
      throw bad("version " + h.at("version").dump() + "; this support-milter reads version " + std::to_string(kCheckpointVersion));
    CheckpointData& d = r->data_;
    d.options = h.at("options");
    for (const auto& f : h.at("files"))
      d.files.push_back({f.at("path").get<std::string>(), f.at("dev").get<std::uint64_t>(), f.at("ino").get<std::uint64_t>(),
                         f.at("offset").get<std::uint64_t>(), f.at("lines").get<std::uint64_t>(),
                         f.at("last_hash").get<std::string>()});
    d.instance = h.at("instance").get<std::string>();
    d.head_seq = h.at("head_seq").get<std::uint64_t>();
    d.head_hash = h.at("head_hash").get<std::string>();
    d.chains = h.at("chains");
    d.state = h.at("state");
  } catch (const CheckpointError&) {
    throw;
  } catch (const std::exception& e) {
    throw bad(std::string("its header is not readable: ") + e.what());
  }
  // The counts hold for the options they were made with.
  const nlohmann::json now = checkpoint_options(opts);
  for (const auto& [key, value] : now.items()) {
    const nlohmann::json then = r->data_.options.value(key, nlohmann::json());
    if (then == value) continue;
    if (key == "verification_keys")
      throw CheckpointError("the checkpoint " + path + " was made with other verification keys (--key, --key-file) than this run's");
    static const std::map<std::string, std::string> names = {
        {"from", "--from"}, {"to", "--to"}, {"target_s", "sla.target (seconds)"}, {"limit_s", "sla.limit (seconds)"},
        {"time_zone", "sla.time_zone"}, {"calendar", "sla.calendar"}};
    const std::string name = names.count(key) > 0 ? names.at(key) : key;
    throw CheckpointError("the checkpoint " + path + " was made with " + name + " " + describe(then) + ", this run with " +
                          name + " " + describe(value) + ": a checkpoint counts one period with the same options in every run");
  }
  return r;
}

std::vector<FileStart> checkpoint_starts(const CheckpointData& d, const std::vector<std::string>& files) {
  std::vector<FileStart> starts(files.size());
  std::vector<bool> known(files.size(), false);
  std::optional<std::size_t> last_known;  // index in d.files of the last known file given so far
  bool new_seen = false;
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto [dev, ino] = file_identity(files[i]);
    auto it = std::find_if(d.files.begin(), d.files.end(), [&](const CheckpointFile& f) { return f.dev == dev && f.ino == ino; });
    if (it == d.files.end()) {
      new_seen = true;
      continue;
    }
    const auto k = static_cast<std::size_t>(it - d.files.begin());
    if (new_seen || (last_known && k <= *last_known))
      throw CheckpointError(refused(files[i] + " (read before as " + it->path +
                                    ") comes after a file the checkpoint read later, or after a new file: give the files oldest first"));
    last_known = k;
    known[i] = true;
    std::error_code ec;
    const auto size = std::filesystem::file_size(files[i], ec);
    if (ec || size < it->offset)
      throw CheckpointError(refused(files[i] + " holds " + std::to_string(ec ? 0 : size) + " bytes, fewer than the " +
                                    std::to_string(it->offset) + " the checkpoint read: the file was cut or replaced"));
    if (it->offset > 0 && line_hash_before(files[i], it->offset) != it->last_hash)
      throw CheckpointError(refused(files[i] + " no longer holds, at byte " + std::to_string(it->offset) + " (line " +
                                    std::to_string(it->lines) + "), the record the checkpoint read last there: the file was changed or replaced"));
    starts[i] = {it->offset, it->lines};
  }
  // The chain goes on from the head: the first record after it follows it.
  if (d.head_seq == 0) return starts;
  for (std::size_t i = 0; i < files.size(); ++i) {
    std::ifstream in(files[i], std::ios::binary);
    in.seekg(static_cast<std::streamoff>(starts[i].offset));
    std::string line;
    if (!std::getline(in, line) || in.eof()) continue;  // nothing whole after it yet
    const auto j = nlohmann::json::parse(line, nullptr, false);
    const ChainLine c = j.is_discarded() ? ChainLine{} : chain_line(j);
    if (!c.formed) return starts;  // not a record: the chain check names it
    if (c.seq != d.head_seq + 1 || c.prev != d.head_hash)
      throw CheckpointError(refused("the first record after it (" + files[i] + ":" + std::to_string(starts[i].lines + 1) +
                                    ") is seq " + std::to_string(c.seq) + (c.seq == 1 ? ", which starts a new chain," : "") +
                                    " and does not follow its head (seq " + std::to_string(d.head_seq) + ", hash " +
                                    d.head_hash.substr(0, 12) + "…): " +
                                    (known[i] ? std::string("records changed or missing")
                                              : files[i] + " is not a file the checkpoint read (another log, or the file written anew), "
                                                           "and does not continue the log it read")));
    return starts;
  }
  return starts;
}

CheckpointWriter::CheckpointWriter(std::string path) : path_(std::move(path)) {}

CheckpointWriter::~CheckpointWriter() {
  if (!temp_.empty()) ::unlink(temp_.c_str());
}

void CheckpointWriter::write(const CheckpointData& d, const std::vector<std::function<void(std::ostream&)>>& lists) {
  temp_ = path_ + ".XXXXXX";
  const int fd = ::mkstemp(temp_.data());  // mode 0600
  if (fd < 0) {
    const std::string why = std::strerror(errno);
    temp_.clear();
    throw std::runtime_error("cannot write the checkpoint beside " + path_ + ": " + why);
  }
  ::close(fd);
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : d.files)
    files.push_back({{"path", f.path}, {"dev", f.dev}, {"ino", f.ino}, {"offset", f.offset}, {"lines", f.lines},
                     {"last_hash", f.last_hash}});
  const nlohmann::json h = {{"version", kCheckpointVersion}, {"options", d.options}, {"files", files},
                            {"instance", d.instance}, {"head_seq", d.head_seq}, {"head_hash", d.head_hash},
                            {"chains", d.chains}, {"state", d.state}};
  const std::vector<std::uint8_t> header = nlohmann::json::to_cbor(h);
  {
    std::ofstream out(temp_, std::ios::binary | std::ios::trunc);
    out.write(kMagic.data(), static_cast<std::streamsize>(kMagic.size()));
    std::array<char, 8> len{};
    for (std::size_t i = 0; i < 8; ++i) len[i] = static_cast<char>((header.size() >> (8 * i)) & 0xff);
    out.write(len.data(), 8);
    out.write(reinterpret_cast<const char*>(header.data()), static_cast<std::streamsize>(header.size()));
    for (const auto& l : lists) l(out);
    if (!out.flush()) throw std::runtime_error("cannot write " + temp_);
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(temp_, ec);
  if (ec) throw std::runtime_error("cannot write " + temp_ + ": " + ec.message());
  const auto digest = digest_of(temp_, size);
  std::ofstream out(temp_, std::ios::binary | std::ios::app);
  out.write(reinterpret_cast<const char*>(digest.data()), 32);
  if (!out.flush()) throw std::runtime_error("cannot write " + temp_);
  written_ = true;
}

void CheckpointWriter::commit() {
  if (!written_) throw CheckpointError("no checkpoint was made");
  const int fd = ::open(temp_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    if (fd >= 0) ::close(fd);
    throw CheckpointError("cannot write " + temp_ + ": " + std::strerror(errno));
  }
  ::close(fd);
  if (::rename(temp_.c_str(), path_.c_str()) != 0)
    throw CheckpointError("cannot replace the checkpoint " + path_ + ": " + std::strerror(errno));
  temp_.clear();
  const std::string dir = std::filesystem::path(path_).parent_path().string();
  const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace sm
