// Replay: historic mail (mbox files, Maildir folders) through the pipeline in Date order with the
// original times, the SLA sweeper running at each message's time, every verdict and event written
// to the audit log — so an organisation can report on last year's mail before it installs the
// milter.
#pragma once
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "config/config.h"
#include "store/thread_store.h"

namespace sm {

struct ReplayResult {
  std::size_t messages = 0;  // processed
  std::size_t skipped = 0;   // without a readable Date
  std::size_t events = 0;    // SLA events written by the sweeper
  std::size_t unrecorded = 0;  // processed, but their audit record could not be written
};

// `sources`: mbox files or Maildir folders (with cur/ and new/). Problems are reported on `notes`.
ReplayResult replay(const std::vector<std::string>& sources, const Config& cfg, ThreadStore& store, AuditLog& audit,
                    std::ostream& notes);

}  // namespace sm
