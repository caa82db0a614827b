// A real PostgreSQL for the store tests (tests/integration/pg.py: a private cluster on 127.0.0.1).
// ctest starts one server for all of them (the pg_server fixture) and passes its directory in
// SM_PG_STATE; a test binary run alone starts and removes its own. Each test makes a database of
// its own with fresh_db().
#pragma once
#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace sm::test {

inline std::string pg_state_line(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::string s;
  std::getline(in, s);
  return s;
}

inline int pg_helper(const std::string& action, const std::string& dir) {
  std::string cmd = "python3 '" SM_PG_HELPER "' " + action + " --state '" + dir + "' >/dev/null";
  return std::system(cmd.c_str());
}

// The server: the fixture's, or one of our own.
class PgServer : public ::testing::Environment {
 public:
  inline static std::string dir;
  inline static std::string url;
  inline static std::string admin_url;
  bool own = false;

  void SetUp() override {
    if (const char* d = std::getenv("SM_PG_STATE"); d != nullptr && *d != 0) {
      dir = d;
    } else {
      dir = (std::filesystem::path(::testing::TempDir()) / ("sm-pg-" + std::to_string(getpid()))).string();
      own = true;
      ASSERT_EQ(pg_helper("start", dir), 0) << "could not start a PostgreSQL server";
    }
    url = pg_state_line(std::filesystem::path(dir) / "url");
    admin_url = pg_state_line(std::filesystem::path(dir) / "admin_url");
    ASSERT_FALSE(url.empty()) << "no server in " << dir;
  }
  void TearDown() override {
    if (own) pg_helper("stop", dir);
  }
};

// Runs SQL as the superuser; returns the first value of the last result.
inline std::string admin(const std::string& sql, const std::string& db = "postgres") {
  std::string u = PgServer::admin_url.substr(0, PgServer::admin_url.rfind('/') + 1) + db;
  PGconn* c = PQconnectdb(u.c_str());
  EXPECT_EQ(PQstatus(c), CONNECTION_OK) << PQerrorMessage(c);
  PGresult* r = PQexec(c, sql.c_str());
  auto st = PQresultStatus(r);
  EXPECT_TRUE(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) << sql << ": " << PQresultErrorMessage(r);
  std::string out = (st == PGRES_TUPLES_OK && PQntuples(r) > 0) ? PQgetvalue(r, 0, 0) : "";
  PQclear(r);
  PQfinish(c);
  return out;
}

// A new, empty database owned by the milter's role; returns its URL.
inline std::string fresh_db(const std::string& name) {
  admin("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
  admin("CREATE DATABASE " + name + " OWNER support_milter");
  return PgServer::url.substr(0, PgServer::url.rfind('/') + 1) + name;
}

}  // namespace sm::test
