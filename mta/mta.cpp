// The MTA of the config, and the mail log read for messages that left the hold queue.
#include "mta/mta.h"

#include <fstream>

#include "config/config.h"

namespace sm {

namespace {

// One mail log line taken apart: "... PROGRAM[PID]: QUEUEID: TEXT" (syslog's form and
// Postfix's maillog_file's alike). False when the line has not that form.
bool split_log_line(std::string_view line, std::string_view* program, std::string_view* id,
                    std::string_view* text) {
  const auto end = line.find("]: ");
  if (end == std::string_view::npos) return false;
  const auto open = line.rfind('[', end);
  if (open == std::string_view::npos) return false;
  const auto space = line.rfind(' ', open);
  *program = line.substr(space == std::string_view::npos ? 0 : space + 1,
                         open - (space == std::string_view::npos ? 0 : space + 1));
  const std::string_view rest = line.substr(end + 3);
  const auto colon = rest.find(": ");
  if (colon == std::string_view::npos) return false;
  *id = rest.substr(0, colon);
  *text = rest.substr(colon + 2);
  return true;
}

// Each line of `log` whose queue id is one of `exits`, with its exit to update.
template <class F>
void each_line(std::string_view log, std::map<std::string, HoldExit>* exits, F on_line) {
  std::size_t pos = 0;
  while (pos < log.size()) {
    auto nl = log.find('\n', pos);
    if (nl == std::string_view::npos) nl = log.size();
    std::string_view line = log.substr(pos, nl - pos);
    pos = nl + 1;
    std::string_view program, id, text;
    if (!split_log_line(line, &program, &id, &text)) continue;
    auto it = exits->find(std::string(id));
    if (it == exits->end()) continue;
    const auto slash = program.rfind('/');
    on_line(slash == std::string_view::npos ? program : program.substr(slash + 1), text, it->second);
  }
}

}  // namespace

std::unique_ptr<Mta> mta_of(const Config& cfg, Complain complain, const std::string& postfix_dir) {
  const MtaSettings settings{cfg.mta.sendmail_command, cfg.mta.sendmail_config,
                             postfix_dir.empty() ? cfg.mta.postfix_config : postfix_dir, cfg.mta.mail_log};
  return resolve_mta_kind(cfg.mta.kind) == MtaKind::sendmail ? sendmail_mta(settings, std::move(complain))
                                                             : postfix_mta(settings, std::move(complain));
}

bool read_mail_log_tail(const std::string& path, std::size_t max_bytes, std::string* text) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return false;
  const std::streamoff size = in.tellg();
  const std::streamoff from =
      size > static_cast<std::streamoff>(max_bytes) ? size - static_cast<std::streamoff>(max_bytes) : 0;
  in.seekg(from);
  text->assign(static_cast<std::size_t>(size - from), '\0');
  in.read(text->data(), size - from);
  text->resize(static_cast<std::size_t>(in.gcount()));
  if (from > 0) text->erase(0, text->find('\n') == std::string::npos ? text->size() : text->find('\n') + 1);
  return true;
}

void read_postfix_log(std::string_view log, const std::string& log_name,
                      std::map<std::string, HoldExit>* exits) {
  each_line(log, exits, [&](std::string_view program, std::string_view text, HoldExit& e) {
    const std::string where = "mail log " + log_name + ": " + std::string(program) + ": " + std::string(text);
    if (text.starts_with("milter-hold: ") || text.starts_with("hold: ") || text == "placed on hold") {
      e = {};  // held (again): only what comes after counts (a short queue id can be used again)
    } else if (program == "postsuper" && (text == "released from hold" || text == "requeued")) {
      e = {HoldExit::Way::released, "log", where};
    } else if (program == "postsuper" && text == "removed") {
      e = {HoldExit::Way::deleted, "log", where};
    } else if (text == "removed" && e.way == HoldExit::Way::unknown) {
      e = {HoldExit::Way::released, "log", where + " (delivered or returned after its release)"};
    }
  });
}

void read_sendmail_log(std::string_view log, const std::string& log_name,
                       std::map<std::string, HoldExit>* exits) {
  each_line(log, exits, [&](std::string_view program, std::string_view text, HoldExit& e) {
    const bool delivery = text.starts_with("to=") && text.find("stat=") != std::string_view::npos;
    const bool unquarantine = text.starts_with("unquarantine");
    if ((delivery || unquarantine) && e.way == HoldExit::Way::unknown) {
      std::string line(text.substr(0, 200));
      e = {HoldExit::Way::released, "log",
           "mail log " + log_name + ": " + std::string(program) + ": " + line};
    }
  });
}

}  // namespace sm
