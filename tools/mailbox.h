// Mail folders read whole: mbox files (mboxo/mboxrd) and Maildir folders (cur/ and new/). Used by
// `replay` (historic mail) and by `audit verify --anchors` (the anchors the auditor received).
#pragma once
#include <string>
#include <vector>

namespace sm {

struct MailItem {
  std::string origin;  // the file, or FILE#N for the Nth message of an mbox
  std::string bytes;
};

// True when `dir` is a Maildir (has cur/ or new/).
bool is_maildir(const std::string& dir);
// Every message of an mbox file, ">From " lines unescaped one level.
void read_mbox(const std::string& path, std::vector<MailItem>& out);
// Every message in a Maildir's cur/ and new/.
void read_maildir(const std::string& dir, std::vector<MailItem>& out);

}  // namespace sm
