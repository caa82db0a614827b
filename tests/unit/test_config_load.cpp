// Config schema: the shipped file, defaults, and errors that name file:line.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "checks/registry.h"
#include "config/config.h"

namespace sm {
namespace {

std::string shipped_path() { return std::string(SM_TEST_DATA) + "/../../conf/support-milter.conf"; }

TEST(Config, ShippedFileLoadsAndEqualsDefaultsButForRuleActions) {
  auto cfg = load_config(shipped_path());
  auto def = default_config();
  EXPECT_EQ(cfg->milter.socket, def->milter.socket);
  EXPECT_EQ(cfg->milter.socket_mode, 0660u);
  EXPECT_EQ(cfg->store.url, def->store.url);
  EXPECT_EQ(cfg->store.retention_days, 400u);
  EXPECT_EQ(cfg->store.pool_size, def->store.pool_size);
  EXPECT_EQ(cfg->store.timeout_ms, def->store.timeout_ms);
  EXPECT_EQ(cfg->limits.max_scan_bytes, def->limits.max_scan_bytes);
  EXPECT_EQ(cfg->limits.max_mime_depth, 64u);
  EXPECT_EQ(cfg->limits.max_parts, 1000u);
  EXPECT_EQ(cfg->rules.mode, Mode::enforce);
  // The agent whose reply is held or rejected is told, through the system's sendmail.
  EXPECT_TRUE(cfg->notify.agents);
  EXPECT_TRUE(def->notify.agents);
  EXPECT_EQ(cfg->notify.command, (std::vector<std::string>{"/usr/sbin/sendmail", "-oi", "-f", "<>"}));
  EXPECT_EQ(cfg->milter.on_internal_error, FailAction::tempfail);
  EXPECT_EQ(cfg->digest.size(), 64u);
}

// Every declared key appears in the shipped file, so the file documents them all.
TEST(Config, ShippedFileListsEveryKey) {
  std::ifstream in(shipped_path());
  std::stringstream buf;
  buf << in.rdbuf();
  const std::string text = buf.str();
  for (const auto& line : describe_config_keys()) {
    std::string full = line.substr(0, line.find(' '));
    auto dot = full.rfind('.');
    std::string section = full.substr(0, dot);
    std::string key = full.substr(dot + 1);
    SCOPED_TRACE(full);
    EXPECT_NE(text.find("[" + section + "]"), std::string::npos) << "section missing";
    EXPECT_NE(text.find("\n" + key + " = "), std::string::npos) << "key missing";
  }
}

TEST(Config, ShippedRuleActionsAreTheBuiltInDefaults) {
  auto cfg = load_config(shipped_path());
  auto def = default_config();
  for (const auto& r : rule_registry()) {
    SCOPED_TRACE(std::string(r->id()));
    EXPECT_EQ(cfg->rule(r->id()).action, def->rule(r->id()).action);
    EXPECT_EQ(cfg->rule(r->id()).params, def->rule(r->id()).params);
  }
}

TEST(Config, EveryRuleHasSettings) {
  auto cfg = default_config();
  for (const auto& r : rule_registry()) {
    SCOPED_TRACE(std::string(r->id()));
    EXPECT_NO_THROW(cfg->rule(r->id()));
  }
}

struct BadCase {
  const char* label;
  const char* text;
  const char* want;  // substring of the error, which starts with "test.conf:LINE:"
};

TEST(Config, WorldWritableFileIsRefused) {
  auto path = std::filesystem::path(::testing::TempDir()) / ("ww-" + std::to_string(::getpid()) + ".conf");
  std::ofstream(path) << "[rules]\nmode = \"observe\"\n";
  std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write |
                                         std::filesystem::perms::group_read | std::filesystem::perms::others_read);
  EXPECT_EQ(load_config(path.string())->rules.mode, Mode::observe);
  std::filesystem::permissions(path, std::filesystem::perms::others_write, std::filesystem::perm_options::add);
  try {
    load_config(path.string());
    ADD_FAILURE() << "a world-writable config was loaded";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("writable by every user"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
}

TEST(Config, BadValuesNameFileAndLine) {
  const BadCase cases[] = {
      {"unknown section", "[nope]\nx = 1\n", "test.conf:1: unknown section [nope]"},
      {"unknown key", "[milter]\nsocket = \"unix:/x\"\nsokcet = 1\n", "test.conf:3: unknown key milter.sokcet"},
      {"wrong type", "[store]\nretention_days = \"ten\"\n", "test.conf:2: store.retention_days: expected an integer"},
      {"out of range", "[store]\nretention_days = 0\n", "test.conf:2: store.retention_days: 0 is out of range"},
      {"empty pool", "[store]\npool_size = 0\n", "test.conf:2: store.pool_size: 0 is out of range 1..64"},
      {"huge pool", "[store]\npool_size = 1000\n", "test.conf:2: store.pool_size: 1000 is out of range 1..64"},
      {"timeout too short", "[store]\ntimeout_ms = 10\n", "test.conf:2: store.timeout_ms: 10 is out of range 100..600000"},
      {"timeout as text", "[store]\ntimeout_ms = \"5s\"\n", "test.conf:2: store.timeout_ms: expected an integer"},
      {"bad choice", "[milter]\non_internal_error = \"reject\"\n", "test.conf:2: milter.on_internal_error: \"reject\" is not one of accept | tempfail"},
      {"bad socket", "[milter]\nsocket = \"/tmp/x\"\n", "test.conf:2: milter.socket"},
      {"world-writable socket", "[milter]\nsocket_mode = \"0666\"\n", "world-writable"},
      {"not octal", "[milter]\nsocket_mode = \"rw\"\n", "not an octal mode"},
      {"bad domain", "[support]\ndomains = [\"a@b\"]\n", "test.conf:2: support.domains"},
      {"bad address", "[support]\naddresses = [\"nobody\"]\n", "support.addresses: \"nobody\" is not an address"},
      {"unknown rule", "[rules.no-such-rule]\naction = \"log\"\n", "unknown rule [rules.no-such-rule]"},
      {"bad action", "[rules.reply-all]\naction = \"explode\"\n", "test.conf:2: rules.reply-all.action"},
      {"fix where rule cannot", "[rules.quoted-history]\naction = \"fix\"\n", "quoted-history cannot fix"},
      {"unknown rule key", "[rules.reply-all]\nactoin = \"log\"\n", "unknown key rules.reply-all.actoin"},
      {"param out of range", "[rules.quoted-history]\nmin_overlap = 1.5\n", "rules.quoted-history.min_overlap"},
      {"bad mode", "[rules]\nmode = \"dry-run\"\n", "rules.mode"},
      {"bad header name", "[rules]\nheader = \"X-Bad: yes\"\n", "rules.header"},
      {"toml syntax", "[milter\n", "test.conf:1:"},
      {"notify not an address", "[rules.reply-all]\nnotify = \"boss\"\n", "rules.reply-all.notify"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    try {
      parse_config(c.text, "test.conf");
      ADD_FAILURE() << "accepted";
    } catch (const ConfigError& e) {
      EXPECT_NE(std::string(e.what()).find(c.want), std::string::npos) << e.what();
    }
  }
}

TEST(Config, GoodValuesAreRead) {
  auto cfg = parse_config(
      "[milter]\nsocket = \"inet:8891@127.0.0.1\"\nuser = \"milter\"\non_internal_error = \"accept\"\n"
      "[support]\ndomains = [\"Support.Example.COM\", \"bücher.example\"]\n"
      "addresses = [\"Help@Outside.example\"]\n"
      "[rules]\nmode = \"observe\"\n[rules.reply-all]\naction = \"fix\"\nnotify = \"lead@support.example.com\"\n",
      "good.conf");
  EXPECT_EQ(cfg->milter.socket, "inet:8891@127.0.0.1");
  EXPECT_EQ(cfg->milter.user, "milter");
  EXPECT_EQ(cfg->milter.on_internal_error, FailAction::accept);
  ASSERT_EQ(cfg->support.domains.size(), 2u);
  EXPECT_EQ(cfg->support.domains[0], "support.example.com");
  EXPECT_EQ(cfg->support.domains[1], "xn--bcher-kva.example");
  ASSERT_EQ(cfg->support.addresses.size(), 1u);
  EXPECT_EQ(cfg->support.addresses[0], "help@outside.example");
  EXPECT_EQ(cfg->rules.mode, Mode::observe);
  EXPECT_EQ(cfg->rule("reply-all").action, Action::fix);
  EXPECT_EQ(cfg->rule("reply-all").notify, "lead@support.example.com");
  EXPECT_TRUE(cfg->support.is_support_key("ana@mail.support.example.com"));
  EXPECT_FALSE(cfg->support.is_support_key("ana@notsupport.example.com"));
}

TEST(Config, MissingFileIsAnError) {
  EXPECT_THROW(load_config("/nonexistent/support-milter.conf"), ConfigError);
}

}  // namespace
}  // namespace sm
