// Whole files: read into a string, replaced through a temporary file and a rename, the UTC time
// stamp backup copies are named with, and where installed data is looked for.
#pragma once
#include <string>
#include <vector>

namespace sm {

// The bytes of `path` into `*text`; false when it cannot be opened or read.
bool read_file(const std::string& path, std::string* text);

// `text` into `path` through a temporary file beside it and a rename, with `path`'s mode; false
// (and `*error` says why) when it cannot be written, and the temporary file is removed.
bool replace_file(const std::string& path, const std::string& text, std::string* error);

// The time now in UTC as "20261102T090000Z", for the names of backup copies.
std::string utc_stamp();

// Where the data folder `name` is looked for, in order: `installed`, then
// <exe>/../share/support-milter/<name> (the build tree's copy beside every binary built there).
std::vector<std::string> data_dir_candidates(const std::string& installed, const std::string& name);

}  // namespace sm
