// The report's checkpoint (`report --checkpoint FILE`): where the last run stopped reading the
// log, the chain's state there, and the report's counts, so that the next run reads only the
// records written since and gives the figures of one run over the whole log.
//
// The file (mode 0600, written to FILE.XXXXXX and renamed over FILE):
//   - the line "support-milter report checkpoint\n";
//   - the header's length (8 bytes, little-endian), then the header in CBOR (RFC 8949): its
//     version, the options the counts depend on, each file read (its device and inode, the bytes
//     and lines read, the SHA-256 of the last line read), the chain's head (instance, seq, hash),
//     each instance's chain state (audit/verify.h) and the report's counts, arrays as byte strings
//     in the machine's byte order;
//   - the temporary lists' bytes, one after the other, as long as the header says;
//   - the SHA-256 of all the bytes before it (32 bytes).
// Before a checkpoint is used, the log must still hold, at the byte each file was read up to, the
// line the checkpoint names, and the first record after the head must continue the chain from it;
// anything else is refused (CheckpointError) and no report is made.
#pragma once
#include <cstdint>
#include <fstream>
#include <functional>
#include <istream>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tools/report.h"

namespace sm {

// A checkpoint that cannot be read, or that does not match the log or the options.
class CheckpointError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

constexpr int kCheckpointVersion = 1;

// One file the report read.
struct CheckpointFile {
  std::string path;            // as given then (the identity is the device and the inode)
  std::uint64_t dev = 0, ino = 0;
  std::uint64_t offset = 0;    // bytes read: the end of the last whole line
  std::uint64_t lines = 0;     // lines read
  std::string last_hash;       // SHA-256 of the line that ends at offset ("" when offset is 0)
};

struct CheckpointData {
  nlohmann::json options;                 // checkpoint_options() of the run that wrote it
  std::vector<CheckpointFile> files;      // in the order read
  std::string instance;                   // the chain's instance, its head's seq and hash
  std::uint64_t head_seq = 0;
  std::string head_hash;
  nlohmann::json chains = nlohmann::json::object();  // instance -> ChainVerifier::save()
  nlohmann::json state = nlohmann::json::object();   // the report's counts
};

// The options the counts depend on: the period, the target and the limit, the days' time zone,
// the calendar, and which verification keys check the seals (their SHA-256, not the keys).
nlohmann::json checkpoint_options(const ReportOptions& opts);

// Reads FILE. Null when it does not exist; throws CheckpointError when it is damaged, of another
// version, or made with other options than `opts`.
class CheckpointReader {
 public:
  static std::unique_ptr<CheckpointReader> open(const std::string& path, const ReportOptions& opts);
  const CheckpointData& data() const { return data_; }
  // The lists' bytes, in the order they were written (after data()).
  std::istream& lists() { return in_; }

 private:
  CheckpointData data_;
  std::ifstream in_;
};

// Where each of `files` is read from: the byte after what the checkpoint read and its line
// number, or the start of a file the checkpoint does not know. Throws CheckpointError ("checkpoint
// does not match the log: ...") when a file it read no longer holds what it read, the files come
// in another order, or the first record after the head does not continue the chain.
struct FileStart {
  std::uint64_t offset = 0, lines = 0;
};
std::vector<FileStart> checkpoint_starts(const CheckpointData& data, const std::vector<std::string>& files);

// A file's device and inode; throws CheckpointError when it cannot be read.
std::pair<std::uint64_t, std::uint64_t> file_identity(const std::string& path);
// The SHA-256 of the line that ends (with its newline) at byte `end` of `path`; empty when there is
// no such line (the byte before `end` is not a newline, or the file is shorter).
std::string line_hash_before(const std::string& path, std::uint64_t end);

// Writes the checkpoint to a temporary file beside FILE; commit() renames it over FILE. Dropped
// uncommitted, the temporary file is removed.
class CheckpointWriter {
 public:
  explicit CheckpointWriter(std::string path);
  ~CheckpointWriter();
  CheckpointWriter(const CheckpointWriter&) = delete;
  CheckpointWriter& operator=(const CheckpointWriter&) = delete;
  // `lists` each write one list's bytes.
  void write(const CheckpointData& data, const std::vector<std::function<void(std::ostream&)>>& lists);
  void commit();

 private:
  std::string path_, temp_;
  bool written_ = false;
};

}  // namespace sm
