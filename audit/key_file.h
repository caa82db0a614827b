// The audit log's key files (the sealing key, the anchor signing key): small files of mode 0600,
// read only when no one else may read or write them, and replaced whole: the new text goes to
// PATH.new (created 0600, flocked, fsync'ed), which is renamed over PATH.
#pragma once
#include <string>

namespace sm {

// Opens `path` (read-write when `lock`, then flocked exclusively, without waiting) and reads it.
// Refuses a file that is not regular or that group or others may read or write. Returns the open
// descriptor (the caller closes it), or -1 with `error` naming the file and what is wrong.
int open_key_file(const std::string& path, bool lock, std::string* text, std::string* error);

// Writes `text` to PATH.new and renames it over `path` (see above); the new file is owned by
// uid/gid unless they are -1. Returns its descriptor, still flocked, or -1 and `error`.
int replace_key_file(const std::string& path, const std::string& text, unsigned uid, unsigned gid, std::string* error);

// Before a key file that stands may be replaced: refuses when it exists and `replace` is false,
// or when another process holds its lock (a running daemon). Returns the old file's descriptor
// (flocked; -1 when there is none) in `old_fd`.
bool may_replace_key_file(const std::string& path, bool replace, int* old_fd, std::string* error);

// Overwrites an open file's bytes with zeros and flushes them (the old key). Best effort: a
// copy-on-write file system may keep the old blocks.
void wipe_key_file(int fd);

}  // namespace sm
