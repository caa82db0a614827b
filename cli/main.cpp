// support-milter: the milter daemon and its admin tools, one command with subcommands.
#include <CLI/CLI.hpp>

#include <iostream>
#include <tuple>

#include "tools/mta_commands.h"
#include "tools/check_command.h"
#include "tools/store_command.h"
#include "tools/report_replay.h"
#include "tools/audit_command.h"
#include "config/config.h"
#include "milter/daemon.h"
#include "review/auth.h"
#include "review/server.h"

#ifndef SUPPORT_MILTER_VERSION
#define SUPPORT_MILTER_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
  CLI::App app{"support-milter: thread state, reply rules and SLA audit for support mail"};
  app.set_version_flag("--version", std::string("support-milter ") + SUPPORT_MILTER_VERSION);
  app.require_subcommand(1);

  sm::RunOptions run;
  auto* run_cmd = app.add_subcommand("run", "run the milter daemon");
  run_cmd->add_option("-c,--config", run.config_path, "config file")->required();
  run_cmd->add_option("--socket", run.socket, "listen here instead of milter.socket (unix:/path or inet:PORT@HOST)");
  run_cmd->add_flag("-f,--foreground", run.foreground, "stay in the foreground and log to stderr");

  sm::CheckOptions check;
  auto* check_cmd = app.add_subcommand("check", "run the pipeline on message files and print JSON lines");
  check_cmd->add_option("-c,--config", check.config_path, "config file (default: built-in defaults)");
  check_cmd->add_option("--state", check.state, "thread store file kept across runs (default: in memory)");
  check_cmd->add_option("--support-domain", check.support_domains, "a support domain (repeatable)")->allow_extra_args(false);
  check_cmd->add_option("--support-address", check.support_addresses, "a support address (repeatable)")->allow_extra_args(false);
  check_cmd->add_option("--at", check.at, "time of every message, RFC 3339 (default: its Date)");
  check_cmd->add_option("files", check.files, "message files, in conversation order")->required();

  std::string configtest_path;
  bool list_keys = false;
  auto* configtest_cmd = app.add_subcommand("configtest", "check a config file and exit");
  configtest_cmd->add_option("-c,--config", configtest_path, "config file");
  configtest_cmd->add_flag("--keys", list_keys, "list every key with its default and meaning");

  // The keys and anchors of `audit verify` and `report`.
  auto integrity_options = [](CLI::App* cmd, sm::IntegrityArgs& a) {
    cmd->add_option("--key", a.keys, "verification key (sm-seal-v1:...) that checks every seal (repeatable: one per key made)")
        ->allow_extra_args(false);
    cmd->add_option("--key-file", a.key_files, "a file holding a verification key (repeatable)")
        ->allow_extra_args(false)->check(CLI::ExistingFile);
    cmd->add_option("--anchors", a.anchors, "anchors received: a file of anchor lines (or the operational log), a Maildir or an mbox (repeatable)")
        ->allow_extra_args(false);
    cmd->add_option("--anchor-key", a.anchor_keys, "the anchors' public key (sm-anchor-v1:...; repeatable)")->allow_extra_args(false);
  };

  std::vector<std::string> audit_files;
  sm::IntegrityArgs verify_args;
  auto* audit_cmd = app.add_subcommand("audit", "audit log tools");
  audit_cmd->require_subcommand(1);
  auto* verify_cmd = audit_cmd->add_subcommand(
      "verify", "check audit files (oldest first): the hash chain, with --key the seals, with --anchors the anchors");
  integrity_options(verify_cmd, verify_args);
  verify_cmd->add_option("files", audit_files, "audit log files, oldest first")->required()->check(CLI::ExistingFile);
  std::string keygen_config = sm::kDefaultConfigPath;
  bool keygen_force = false;
  auto* keygen_cmd = audit_cmd->add_subcommand(
      "keygen", "make the sealing key (and the anchors' key) at the configured paths and print the verification key once");
  keygen_cmd->add_option("-c,--config", keygen_config, "config file (default: " + std::string(sm::kDefaultConfigPath) + ")");
  keygen_cmd->add_flag("--force", keygen_force, "replace existing keys (not while a daemon uses them)");

  std::vector<std::string> report_files;
  std::string report_from, report_to, report_by, report_format = "text", report_config, report_csv_dir, report_checkpoint;
  bool report_allow_broken = false;
  auto* report_cmd = app.add_subcommand("report", "figures for auditors from audit logs");
  report_cmd->add_option("--from", report_from, "first day or time, RFC 3339 or YYYY-MM-DD (inclusive)");
  report_cmd->add_option("--to", report_to, "last time, RFC 3339 or YYYY-MM-DD (exclusive)");
  report_cmd->add_option("--by", report_by, "group by agent, day or week")->check(CLI::IsMember({"agent", "day", "week"}));
  report_cmd->add_option("--format", report_format, "text, json, html or csv (one row per reply)")
      ->check(CLI::IsMember({"text", "json", "html", "csv"}));
  report_cmd->add_option("--csv-dir", report_csv_dir, "also write every list as DIR/LIST.csv");
  report_cmd->add_flag("--allow-broken", report_allow_broken, "exit 0 even when the audit chain is broken");
  report_cmd->add_option("-c,--config", report_config, "config file (for the SLA target and limit)");
  report_cmd->add_option("--checkpoint", report_checkpoint,
                         "continue after the records counted in FILE when it exists (refused when it does not match the "
                         "log), then write FILE anew; one instance, the same --from/--to and SLA options every run")
      ->type_name("FILE");
  sm::IntegrityArgs report_integrity;
  integrity_options(report_cmd, report_integrity);
  report_cmd->add_option("files", report_files, "audit log files")->required()->check(CLI::ExistingFile);

  std::vector<std::string> replay_sources, replay_domains, replay_addresses;
  std::string replay_config, replay_state, replay_audit = "-";
  auto* replay_cmd = app.add_subcommand("replay", "run historic mail (mbox, Maildir) through the pipeline in Date order");
  replay_cmd->add_option("-c,--config", replay_config, "config file (default: built-in defaults)");
  replay_cmd->add_option("--state", replay_state, "thread store file (default: in memory)");
  replay_cmd->add_option("--audit", replay_audit, "audit log to write (default: standard output)");
  replay_cmd->add_option("--support-domain", replay_domains, "a support domain (repeatable)")->allow_extra_args(false);
  replay_cmd->add_option("--support-address", replay_addresses, "a support address (repeatable)")->allow_extra_args(false);
  replay_cmd->add_option("sources", replay_sources, "mbox files or Maildir folders")->required();

  sm::StoreMigrateOptions migrate;
  auto* store_cmd = app.add_subcommand("store", "thread store tools");
  store_cmd->require_subcommand(1);
  auto* migrate_cmd = store_cmd->add_subcommand(
      "migrate", "copy a thread store into another (threads, messages, participants, fingerprints, SLA state); "
                 "messages already in the target are skipped");
  migrate_cmd->add_option("--from", migrate.from, "source store: sqlite:PATH or a store URL")->required();
  migrate_cmd->add_option("--to", migrate.to, "target store: postgresql://user@host:port/dbname or sqlite:PATH")->required();
  migrate_cmd->add_option("--timeout-ms", migrate.timeout_ms, "longest wait for one statement or connection")
      ->check(CLI::Range(100u, 3600000u));


  sm::SetupPostfixOptions setup;
  auto* setup_cmd = app.add_subcommand("setup-postfix", "show the Postfix settings support-milter needs and apply them with postconf -e");
  setup_cmd->add_option("--config-dir", setup.postfix_dir, "Postfix configuration directory (default /etc/postfix)");
  setup_cmd->add_option("--socket", setup.socket, "milter socket (default: milter.socket of the config)");
  setup_cmd->add_option("-c,--config", setup.config_path, "support-milter config (default: " + std::string(sm::kDefaultConfigPath) + " if it exists)");
  setup_cmd->add_option("--default-action", setup.default_action, "milter_default_action: tempfail (default) or accept")
      ->check(CLI::IsMember({"tempfail", "accept"}));
  setup_cmd->add_flag("-y,--yes", setup.yes, "apply without asking");

  sm::SetupSendmailOptions setup_sm;
  auto* setup_sm_cmd = app.add_subcommand(
      "setup-sendmail",
      "show support-milter's INPUT_MAIL_FILTER line and the sendmail.mc and submit.mc changes it needs; "
      "--apply writes them and runs make");
  setup_sm_cmd->add_option("--mc", setup_sm.mc, "Sendmail's sendmail.mc (default /etc/mail/sendmail.mc)");
  setup_sm_cmd->add_option("--submit-mc", setup_sm.submit_mc,
                           "submit.mc, where the milter's user is trusted (default: submit.mc beside --mc)");
  setup_sm_cmd->add_option(
      "-c,--config", setup_sm.config_path,
      "support-milter config (default: " + std::string(sm::kDefaultConfigPath) + " if it exists)");
  setup_sm_cmd->add_flag("--apply", setup_sm.apply,
                         "back the files up, write them and run make -C <directory of --mc>");
  setup_sm_cmd->add_flag("-y,--yes", setup_sm.yes, "with --apply: do not ask");

  sm::HeldOptions held;
  auto* held_cmd = app.add_subcommand("held", "list held messages (Postfix's hold queue or Sendmail's quarantine, as [mta] kind says) with the rules that held them");
  held_cmd->add_option("--postfix-config", held.postfix_dir, "Postfix configuration directory (default: mta.postfix_config, else Postfix's)");
  held_cmd->add_option("-c,--config", held.config_path, "support-milter config, for audit.path");
  held_cmd->add_option("--audit", held.audit_path, "audit log (default: audit.path of the config)");
  held_cmd->add_flag("--json", held.json, "print JSON");

  sm::QueueActionOptions release, discard;
  discard.discard = true;
  CLI::App* release_cmd = nullptr;
  CLI::App* discard_cmd = nullptr;
  for (auto [opts, name, help] :
       {std::tuple{&release, "release", "release a held message (postsuper -H; on Sendmail sendmail -Q -qQ -qI<id>, then a delivery run) and write an audit record"},
        std::tuple{&discard, "discard", "delete a held message (postsuper -d; on Sendmail its hf and df queue files) and write an audit record"}}) {
    auto* c = app.add_subcommand(name, help);
    c->add_option("queue_id", opts->queue_id, "queue id (see: support-milter held)")->required();
    c->add_option("--by", opts->by, "who decides (for the audit log)")->required();
    c->add_option("--reason", opts->reason, "why (for the audit log)")->required();
    c->add_option("--postfix-config", opts->postfix_dir, "Postfix configuration directory (default: mta.postfix_config, else Postfix's)");
    c->add_option("-c,--config", opts->config_path, "support-milter config, for audit.path");
    c->add_option("--audit", opts->audit_path, "audit log (default: audit.path of the config)");
    (opts->discard ? discard_cmd : release_cmd) = c;
  }

  sm::ReviewOptions review;
  auto* review_cmd = app.add_subcommand("review", "serve the review page, where support leads release, discard or send back held replies (HTTP on loopback; TLS from a proxy in front)");
  review_cmd->add_option("-c,--config", review.config_path, "support-milter config ([review], [mta], audit.path, the store)");
  review_cmd->add_option("--postfix-config", review.postfix_dir, "Postfix configuration directory (default: Postfix's)");
  review_cmd->add_option("--audit", review.audit_path, "audit log (default: audit.path of the config)");
  review_cmd->add_option("--listen", review.listen, "address:port on loopback (default: review.listen of the config)");

  std::string review_user_name, review_user_role = "lead", review_user_config = sm::kDefaultConfigPath, review_users_file;
  auto* review_user_cmd = app.add_subcommand("review-user", "add a user of the review page, or change their role and password (read from the first line of stdin)");
  review_user_cmd->add_option("name", review_user_name, "user name (letters, digits, . _ @ -)")->required();
  review_user_cmd->add_option("--role", review_user_role, "lead (acts) or auditor (reads)")->capture_default_str();
  review_user_cmd->add_option("-c,--config", review_user_config, "support-milter config, for review.users_file");
  review_user_cmd->add_option("--users-file", review_users_file, "the users file (default: review.users_file of the config)");

  CLI11_PARSE(app, argc, argv);

  if (*review_cmd) return sm::run_review(review);
  if (*review_user_cmd) {
    if (review_users_file.empty()) {
      try {
        review_users_file = sm::load_config(review_user_config)->review.users_file;
      } catch (const std::exception& e) {
        std::cerr << "support-milter review-user: " << e.what() << " (give -c FILE or --users-file FILE)\n";
        return 78;
      }
    }
    std::string line;
    std::getline(std::cin, line);
    return sm::run_review_user(review_users_file, review_user_name, review_user_role, line);
  }

  if (*migrate_cmd) return sm::run_store_migrate(migrate, std::cout, std::cerr);
  if (*setup_cmd) return sm::run_setup_postfix(setup);
  if (*setup_sm_cmd) return sm::run_setup_sendmail(setup_sm);
  if (*held_cmd) return sm::run_held(held);
  if (*release_cmd) return sm::run_queue_action(release);
  if (*discard_cmd) return sm::run_queue_action(discard);

  if (*report_cmd) return sm::run_report(report_files, report_from, report_to, report_by, report_format, report_config,
                                            report_csv_dir, report_allow_broken, report_integrity, report_checkpoint);
  if (*replay_cmd)
    return sm::run_replay(replay_sources, replay_config, replay_state, replay_audit, replay_domains, replay_addresses);

  if (*verify_cmd) return sm::run_audit_verify(audit_files, verify_args, std::cout, std::cerr);
  if (*keygen_cmd) return sm::run_audit_keygen(keygen_config, keygen_force, std::cout, std::cerr);

  if (*run_cmd) return sm::run_daemon(run);
  if (*check_cmd) return sm::run_check(check);
  if (*configtest_cmd) {
    if (list_keys) {
      for (const auto& line : sm::describe_config_keys()) std::cout << line << "\n";
      return 0;
    }
    if (configtest_path.empty()) {
      std::cerr << "support-milter configtest: -c FILE is required\n";
      return 64;
    }
    try {
      auto cfg = sm::load_config(configtest_path);
      for (const auto& w : sm::config_warnings(*cfg))
        std::cerr << configtest_path << ": warning: " << w << "\n";
      std::string error;
      auto sealing = sm::sealing_status(*cfg, &error);
      if (!error.empty()) {
        std::cerr << configtest_path << ":0: " << error << "\n";
        return 78;
      }
      std::cout << configtest_path << ": ok (sha256 " << cfg->digest << ")\n";
      for (const auto& line : sealing) std::cout << line << "\n";
      return 0;
    } catch (const std::exception& e) {
      std::cerr << e.what() << "\n";
      return 78;
    }
  }
  return 0;
}
