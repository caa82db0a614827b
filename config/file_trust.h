// Who may hold the files a config comes from, as sshd's StrictModes and sudo ask: the config file
// decides which commands run (mta.sendmail_command under `release` as root, notify.command) and
// what mail is held, and a key file keeps customer addresses unreadable. Such a file, and every
// directory above it, must be owned by root or by the user running support-milter (the real user
// id, so `sudo` trusts only root's files), and writable by nobody else (a sticky directory such
// as /tmp aside); a key file may also belong to milter.user, who reads it after the switch, and
// must not be readable by others.
#pragma once
#include <string>

namespace sm {

enum class TrustedFile { config, key };

// Opens `path` and reads it whole when it is a regular file that passes the rules above; else
// returns false and sets `error` to what is wrong and how to fix it ("owned by alice (uid 1000),
// not by root or ...: chown root FILE"). `milter_user` may own a key file (empty: nobody else).
bool read_trusted_file(const std::string& path, TrustedFile kind, const std::string& milter_user,
                       std::string* bytes, std::string* error);

}  // namespace sm
