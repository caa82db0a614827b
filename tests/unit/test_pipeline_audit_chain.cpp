// The audit hash chain: intact logs verify, every kind of tampering is found and located.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <algorithm>
#include <fstream>
#include <functional>

#include "audit/audit_log.h"
#include "audit/verify.h"
#include "checks/registry.h"
#include "config/config.h"
#include "base/digest.h"
#include "pipeline/pipeline.h"

namespace sm {
namespace {

namespace fs = std::filesystem;

fs::path fresh(const std::string& name) {
  auto p = fs::path(::testing::TempDir()) / (name + "-" + std::to_string(getpid()) + ".jsonl");
  fs::remove(p);
  return p;
}

std::vector<std::string> read_lines(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

void write_lines(const fs::path& p, const std::vector<std::string>& lines, bool final_newline = true) {
  std::ofstream out(p, std::ios::trunc | std::ios::binary);
  for (std::size_t i = 0; i < lines.size(); ++i) out << lines[i] << (i + 1 < lines.size() || final_newline ? "\n" : "");
}

fs::path log_with(int n, const std::string& name) {
  auto p = fresh(name);
  AuditLog log(p.string());
  for (int i = 0; i < n; ++i) log.write("message", {{"i", i}, {"message_id", "m" + std::to_string(i) + "@client.example"}});
  return p;
}

TEST(AuditChain, IntactLogVerifies) {
  auto p = log_with(10, "chain-ok");
  auto r = verify_audit_chain({p.string()});
  EXPECT_TRUE(r.ok()) << r.problems.front().what;
  EXPECT_EQ(r.records, 10u);
  EXPECT_EQ(r.first_seq, 1u);
  EXPECT_EQ(r.last_seq, 10u);
}

// A key written twice counts as the last of them, whichever parser reads the line; a seq of -0 is
// not a whole number of at least 0.
TEST(AuditChain, ARepeatedKeyCountsAsItsLast) {
  auto p = log_with(3, "chain-repeated");
  auto lines = read_lines(p);
  ASSERT_EQ(lines.size(), 3u);
  // Line 2 says seq 9, then seq 2: read as seq 2 it still follows line 1 (the chain hashes the
  // bytes, so line 3's "prev" is rewritten to the new line's hash).
  lines[1].insert(1, R"("seq":9,)");
  auto rec = nlohmann::json::parse(lines[2]);
  rec["prev"] = sha256_hex(lines[1]);
  lines[2] = rec.dump();
  write_lines(p, lines);
  auto r = verify_audit_chain({p.string()});
  EXPECT_TRUE(r.ok()) << (r.problems.empty() ? "" : r.problems[0].what);
  EXPECT_EQ(r.last_seq, 3u);

  lines[2].replace(lines[2].find(R"("seq":3)"), 7, R"("seq":-0)");
  write_lines(p, lines);
  r = verify_audit_chain({p.string()});
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_EQ(r.problems[0].line, 3u);
  EXPECT_EQ(r.problems[0].what, "not an audit record (unparseable or without seq/prev)");
}

TEST(AuditChain, ContinuesAcrossRestarts) {
  auto p = log_with(3, "chain-restart");
  {
    AuditLog again(p.string());
    EXPECT_EQ(again.seq(), 3u);
    again.write("start", nlohmann::json::object());
  }
  auto r = verify_audit_chain({p.string()});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.last_seq, 4u);
}

TEST(AuditChain, ContinuesAcrossFiles) {
  auto a = log_with(4, "chain-file-a");
  auto lines = read_lines(a);
  auto b = fresh("chain-file-b");
  // As after a rotation: the older records in one file, the newer in the next.
  write_lines(b, {lines.begin() + 2, lines.end()});
  write_lines(a, {lines.begin(), lines.begin() + 2});
  EXPECT_TRUE(verify_audit_chain({a.string(), b.string()}).ok());
  auto swapped = verify_audit_chain({b.string(), a.string()});
  EXPECT_FALSE(swapped.ok());
}

struct Tamper {
  const char* label;
  std::function<void(std::vector<std::string>&)> change;
  std::size_t want_line;  // where the problem is reported
  const char* want;       // substring of the problem
  bool final_newline = true;
};

TEST(AuditChain, TamperingIsFoundAndLocated) {
  const Tamper cases[] = {
      {"changed field", [](auto& l) { l[4].replace(l[4].find("m4@"), 3, "mX@"); }, 6, "was changed"},
      {"deleted record", [](auto& l) { l.erase(l.begin() + 4); }, 5, "records deleted"},
      {"reordered records", [](auto& l) { std::swap(l[3], l[4]); }, 4, "follows seq"},
      {"duplicated record", [](auto& l) { l.insert(l.begin() + 5, l[4]); }, 6, "reordered or repeated"},
      {"truncated last record", [](auto& l) { l.back().resize(l.back().size() / 2); }, 10, "cut short", false},
      {"garbage line", [](auto& l) { l[2] = "not json"; }, 3, "not an audit record"},
      {"first record replaced", [](auto& l) { l[0].replace(l[0].find("m0@"), 3, "mZ@"); }, 2, "was changed"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.label);
    auto p = log_with(10, "chain-tamper");
    auto lines = read_lines(p);
    c.change(lines);
    write_lines(p, lines, c.final_newline);
    auto r = verify_audit_chain({p.string()});
    ASSERT_FALSE(r.ok());
    bool found = false;
    for (const auto& prob : r.problems)
      if (prob.line == c.want_line && prob.what.find(c.want) != std::string::npos) found = true;
    EXPECT_TRUE(found) << r.problems.front().line << ": " << r.problems.front().what;
  }
}

}  // namespace
}  // namespace sm

namespace sm {
namespace {

TEST(AuditChain, RotationKeepsTheChain) {
  auto dir = fs::path(::testing::TempDir()) / ("rot-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  auto active = dir / "audit.jsonl";
  {
    AuditLog log(active.string(), AuditRotation{2000, false});
    for (int i = 0; i < 60; ++i) log.write("message", {{"i", i}, {"pad", std::string(100, 'x')}});
  }
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.path() != active) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  if (fs::exists(active)) files.push_back(active.string());
  ASSERT_GE(files.size(), 2u) << "rotation happened";
  auto r = verify_audit_chain(files);
  // Rotated names carry microseconds, so name order is time order.
  EXPECT_TRUE(r.ok()) << r.problems.front().file << ":" << r.problems.front().line << ": " << r.problems.front().what;
  EXPECT_EQ(r.records, 60u);
  fs::remove_all(dir);
}

TEST(AuditChain, CustomerAddressesAsHmac) {
  auto cfg = std::make_shared<Config>(*default_config());
  cfg->support.domains = {"support.example.com"};
  cfg->audit.hash_customers = true;
  cfg->audit.hmac_key = "0123456789abcdef-secret";
  Message m = parse_message(
      "From: Ana Lopez <Ana@Client.Example>\r\nTo: help@support.example.com\r\nCc: bob@client.example\r\n"
      "Subject: x\r\nMessage-ID: <m1@client.example>\r\n\r\nhello\r\n", cfg->limits);
  Verdict v;
  v.direction = {Direction::inbound, "ana@client.example", "author ana@client.example is not support, a recipient is"};
  Finding f;
  f.rule = "reply-all";
  f.result = Result::fail;
  f.detail = "dropped from the conversation: bob@client.example";
  f.evidence = {{"dropped", {"bob@client.example"}}};
  v.findings.push_back(f);
  std::string text = to_json(message_record(m, Envelope{}, v, *cfg)).dump();
  EXPECT_EQ(text.find("ana@client.example"), std::string::npos) << text;
  EXPECT_EQ(text.find("Ana@Client.Example"), std::string::npos) << text;
  EXPECT_EQ(text.find("bob@client.example"), std::string::npos) << text;
  EXPECT_NE(text.find("hmac:"), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(text)["author"].get<std::string>().rfind("hmac:", 0), 0u);
  EXPECT_EQ(nlohmann::json::parse(text)["customer"], nlohmann::json::parse(text)["author"]) << "the customer by the same token";
  Verdict out;
  out.direction = {Direction::outbound, "sam@support.example.com", "author sam@support.example.com is support"};
  EXPECT_EQ(to_json(message_record(m, Envelope{}, out, *cfg))["author"], "sam@support.example.com") << "support stays in clear";
  // Keyed: the same address gives the same token, another key another.
  auto cfg2 = std::make_shared<Config>(*cfg);
  cfg2->audit.hmac_key = "another-key-of-16-bytes";
  std::string text2 = to_json(message_record(m, Envelope{}, v, *cfg2)).dump();
  EXPECT_EQ(text, to_json(message_record(m, Envelope{}, v, *cfg)).dump());
  EXPECT_NE(text, text2);
}

// The admin tools append from another process while the daemon writes: one chain, nothing lost.
// A verdict names what made it: the config's digest, the lexicons' (another list, another digest)
// and every rule's version.
TEST(AuditChain, RecordsNameTheListsAndRulesOfTheVerdict) {
  auto cfg = std::make_shared<Config>(*default_config());
  Message m = parse_message("From: a@client.example\r\nSubject: x\r\nMessage-ID: <m@x>\r\n\r\nhi\r\n", cfg->limits);
  Verdict v;
  auto rec = to_json(message_record(m, Envelope{}, v, *cfg));
  EXPECT_EQ(rec["lexicons"], sha256_hex(cfg->lexicons.loaded->content()));
  EXPECT_EQ(rec["lexicons"].get<std::string>().size(), 64u);
  EXPECT_EQ(rec["rules"]["polite-tone"], std::string(find_rule("polite-tone")->version()));
  EXPECT_EQ(rec["rules"].size(), rule_registry().size());

  auto dir = std::filesystem::path(::testing::TempDir()) / ("lex-digest-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir / "en");
  std::ofstream(dir / "en" / "rude.txt") << "zorkmid\n";
  auto other = parse_config("[lexicons]\ndir = \"" + dir.string() + "\"\n", "other.conf");
  EXPECT_NE(to_json(message_record(m, Envelope{}, v, *other))["lexicons"], rec["lexicons"]);
  std::filesystem::remove_all(dir);
}

TEST(AuditChain, AnotherProcessAppendsIntoTheSameChain) {
  auto dir = fs::path(::testing::TempDir()) / ("chain-shared-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string path = (dir / "audit.jsonl").string();
  AuditLog log(path, AuditRotation{4096, false});  // small files: rotations happen in between
  log.write("start", {});
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::string error;
    for (int i = 0; i < 200; ++i)
      if (!append_audit_record(path, "release", {{"queue_id", "ABCDE" + std::to_string(i)}, {"by", "ops"}}, &error))
        _exit(1);
    _exit(0);
  }
  for (int i = 0; i < 200; ++i) log.write("message", {{"i", i}});
  int status = 0;
  waitpid(child, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  log.write("stop", {});

  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());  // rotated names sort by time, "audit.jsonl" after them
  auto it = std::find(files.begin(), files.end(), path);
  ASSERT_NE(it, files.end());
  files.erase(it);
  files.push_back(path);
  ASSERT_GT(files.size(), 2u) << "expected rotations";
  auto r = verify_audit_chain(files);
  EXPECT_TRUE(r.ok()) << r.problems.front().file << ":" << r.problems.front().line << ": " << r.problems.front().what;
  EXPECT_EQ(r.records, 402u);
  EXPECT_EQ(r.last_seq, 402u);
  EXPECT_EQ(log.seq(), 402u);
  fs::remove_all(dir);
}

TEST(AuditChain, AppendRefusesAfterACutRecord) {
  auto p = fresh("chain-append-cut");
  write_lines(p, {R"({"time":"t","event":"start","seq":1,"prev":"0"})", R"({"time":"t","event":"mess)"}, false);
  std::string error;
  EXPECT_FALSE(append_audit_record(p.string(), "release", {{"queue_id", "ABCDE1"}}, &error));
  EXPECT_NE(error.find("complete record"), std::string::npos) << error;
  EXPECT_FALSE(append_audit_record("/nonexistent-dir/audit.jsonl", "release", {}, &error));
  EXPECT_NE(error.find("/nonexistent-dir"), std::string::npos) << error;
}

TEST(AuditChain, AppendStartsAndContinuesAChain) {
  auto p = fresh("chain-append");
  std::string error;
  ASSERT_TRUE(append_audit_record(p.string(), "release", {{"queue_id", "ABCDE1"}, {"by", "ana"}}, &error)) << error;
  {
    AuditLog log(p.string());
    log.write("message", {{"queue_id", "ABCDE2"}});
  }
  ASSERT_TRUE(append_audit_record(p.string(), "discard", {{"queue_id", "ABCDE2"}, {"by", "bob"}}, &error)) << error;
  auto r = verify_audit_chain({p.string()});
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.records, 3u);
  auto lines = read_lines(p);
  ASSERT_EQ(lines.size(), 3u);
  auto last = nlohmann::json::parse(lines[2]);
  EXPECT_EQ(last["event"], "discard");
  EXPECT_EQ(last["seq"], 3);
  EXPECT_EQ(last["by"], "bob");
}

}  // namespace
}  // namespace sm
