// The exit codes of the commands (sysexits.h), shared by the admin commands and the MTA layer
// (mta/mta.h) whose results they pass on.
#pragma once

namespace sm {

inline constexpr int kUsage = 64, kDataErr = 65, kNoInput = 66, kUnavailable = 69, kIoErr = 74, kConfig = 78;

}  // namespace sm
