// The SQLite thread store. One connection per store object, serialized by a mutex (libmilter's
// worker threads share it); WAL lets other processes read while the milter writes, and the busy
// timeout makes writers wait for each other. The schema version lives in PRAGMA user_version and
// migrate() brings older files forward.
#include "store/sqlite_store.h"

#include "message/subject.h"
#include "store/fingerprint.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <map>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

namespace sm {

namespace {

constexpr int kSchemaVersion = 7;

const char* const kSchemaV1 = R"sql(
CREATE TABLE IF NOT EXISTS threads(
  thread_id     TEXT PRIMARY KEY,
  subject       TEXT NOT NULL,
  created       INTEGER NOT NULL,
  last_activity INTEGER NOT NULL,
  sla           TEXT NOT NULL DEFAULT '',
  due           INTEGER
);
CREATE INDEX IF NOT EXISTS threads_due ON threads(due) WHERE due IS NOT NULL;
CREATE TABLE IF NOT EXISTS messages(
  message_id     TEXT PRIMARY KEY,
  thread_id      TEXT NOT NULL REFERENCES threads(thread_id) ON DELETE CASCADE,
  direction      TEXT NOT NULL,
  time           INTEGER NOT NULL,
  subject        TEXT NOT NULL,
  question_count INTEGER NOT NULL,
  fingerprints   BLOB
);
CREATE INDEX IF NOT EXISTS messages_thread_time ON messages(thread_id, time);
CREATE INDEX IF NOT EXISTS messages_time ON messages(time);
CREATE TABLE IF NOT EXISTS participants(
  message_id TEXT NOT NULL REFERENCES messages(message_id) ON DELETE CASCADE,
  role       TEXT NOT NULL,
  address    TEXT NOT NULL,
  display    TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS participants_message ON participants(message_id);
)sql";

// Version 2: whether a message read as a complaint (apology-on-complaint, also for replies that
// do not quote it).
const char* const kSchemaV2 = R"sql(
ALTER TABLE messages ADD COLUMN complaint INTEGER NOT NULL DEFAULT 0;
)sql";

// Version 3: held messages (they count for the SLA clock when released), and the other keys a
// thread is found by: Outlook's Thread-Index root, a ticket token, the subject and the customer.
const char* const kSchemaV3 = R"sql(
ALTER TABLE messages ADD COLUMN status TEXT NOT NULL DEFAULT 'sent';
ALTER TABLE messages ADD COLUMN sla_pending TEXT NOT NULL DEFAULT '';
ALTER TABLE threads ADD COLUMN thread_index TEXT NOT NULL DEFAULT '';
ALTER TABLE threads ADD COLUMN ticket TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS threads_thread_index ON threads(thread_index) WHERE thread_index != '';
CREATE INDEX IF NOT EXISTS threads_ticket ON threads(ticket) WHERE ticket != '';
CREATE INDEX IF NOT EXISTS threads_subject ON threads(subject);
CREATE INDEX IF NOT EXISTS participants_address ON participants(address);
)sql";

// Version 4: the thread is found by subject and customer through the senders' addresses only
// (From, Reply-To), so the address index holds only those: a reply's To and Cc no longer add
// their index pages to every commit.
const char* const kSchemaV4 = R"sql(
DROP INDEX IF EXISTS participants_address;
CREATE INDEX IF NOT EXISTS participants_sender ON participants(address) WHERE role IN ('from', 'reply_to');
)sql";

// Version 5: the thread is found by its subject's key (message/subject.h: case, width and white
// space folded), the one definition of "the same subject" that subject-continuity uses too. The
// keys of the threads stored before are computed by migrate().
const char* const kSchemaV5 = R"sql(
ALTER TABLE threads ADD COLUMN subject_key TEXT NOT NULL DEFAULT '';
DROP INDEX IF EXISTS threads_subject;
CREATE INDEX IF NOT EXISTS threads_subject_key ON threads(subject_key);
)sql";

// Version 6: where a held message is held (the queue id, and the instance whose MTA holds it), so
// the daemon's sweep finds those that left the hold queue by other means than release/discard.
const char* const kSchemaV6 = R"sql(
ALTER TABLE messages ADD COLUMN queue_id TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN instance TEXT NOT NULL DEFAULT '';
CREATE INDEX IF NOT EXISTS messages_held ON messages(instance) WHERE status = 'held';
)sql";

// Version 7: a held message's envelope (sender, and recipients one a line), so the sweep's record
// of one the MTA released or deleted names them when the MTA's queue does not.
const char* const kSchemaV7 = R"sql(
ALTER TABLE messages ADD COLUMN envelope_sender TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN envelope_recipients TEXT NOT NULL DEFAULT '';
)sql";

// The columns read_message() reads, in its order (a literal: statements are cached by their text).
#define SM_MESSAGE_COLUMNS                                                                                    \
  "SELECT message_id, thread_id, direction, time, subject, question_count, fingerprints, complaint, status, " \
  "sla_pending, queue_id, instance, envelope_sender, envelope_recipients FROM messages "

class SqliteStore final : public ThreadStore {
 public:
  SqliteStore(std::string path, const SqliteOptions& opts) : path_(std::move(path)) {
    if (path_ != ":memory:" && !opts.read_only) {
      // Create the file with restrictive permissions before SQLite does (it would use 0644).
      int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0640);
      if (fd < 0) throw StoreError("sqlite " + path_ + ": cannot open: " + std::strerror(errno));
      ::close(fd);
    }
    int flags = (opts.read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                SQLITE_OPEN_NOMUTEX;
    if (sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
      std::string msg = db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      db_ = nullptr;
      throw StoreError("sqlite " + path_ + ": " + msg);
    }
    sqlite3_busy_timeout(db_, opts.busy_timeout_ms);
    try {
      exec("PRAGMA foreign_keys = ON");
      if (path_ != ":memory:" && !opts.read_only) {
        exec("PRAGMA journal_mode = WAL");
        exec("PRAGMA synchronous = NORMAL");
      }
      if (!opts.read_only) migrate();
      if (opts.background_checkpoints && path_ != ":memory:" && !opts.read_only) {
        // Commits only append to the WAL; a thread of its own copies it back into the file.
        exec("PRAGMA wal_autocheckpoint = 0");
        checkpointer_ = std::thread([this, timeout = opts.busy_timeout_ms] { checkpoint_loop(timeout); });
      }
    } catch (...) {
      finalize_all();
      sqlite3_close(db_);
      db_ = nullptr;
      throw;
    }
  }

  ~SqliteStore() override {
    if (checkpointer_.joinable()) {
      {
        std::lock_guard lock(checkpoint_mu_);
        stopping_ = true;
      }
      checkpoint_cv_.notify_all();
      checkpointer_.join();
    }
    finalize_all();
    if (db_ != nullptr) sqlite3_close(db_);
  }

  std::optional<std::string> find_thread(const std::vector<std::string>& ids) override {
    std::lock_guard lock(mu_);
    sqlite3_stmt* st = prepare("SELECT thread_id FROM messages WHERE message_id = ?1");
    for (const auto& id : ids) {
      Reset r(st);
      bind(st, 1, id);
      if (step(st)) return text(st, 0);
    }
    return std::nullopt;
  }

  std::optional<StoredMessage> get_message(std::string_view message_id) override {
    return first_row(SM_MESSAGE_COLUMNS "WHERE message_id = ?1", message_id,
                     [this](sqlite3_stmt* st) { return read_message(st); });
  }

  std::optional<ThreadInfo> get_thread(std::string_view thread_id) override {
    return first_row("SELECT thread_id, subject, created, last_activity, sla FROM threads WHERE thread_id = ?1", thread_id,
                     read_thread);
  }

  std::optional<StoredMessage> last_message(std::string_view thread_id, const std::vector<Direction>& directions) override {
    std::lock_guard lock(mu_);
    sqlite3_stmt* st = prepare(
        SM_MESSAGE_COLUMNS
        "WHERE thread_id = ?1 ORDER BY time DESC, rowid DESC");
    Reset r(st);
    bind(st, 1, thread_id);
    while (step(st)) {
      auto d = direction_from_string(text(st, 2));
      if (directions.empty() || (d && std::find(directions.begin(), directions.end(), *d) != directions.end())) {
        StoredMessage m = read_message(st);
        return m;
      }
    }
    return std::nullopt;
  }

  bool record(const StoredMessage& msg, const ThreadInfo* thread) override {
    std::lock_guard lock(mu_);
    Transaction tx(*this);
    bool recorded = insert(msg, thread);
    tx.commit();
    return recorded;
  }

  bool record_with_sla(const StoredMessage& msg, const ThreadInfo* thread, const SlaUpdate& sla) override {
    std::lock_guard lock(mu_);
    Transaction tx(*this);
    bool recorded = insert(msg, thread);
    if (recorded) update_sla(msg.thread_id, sla.json, sla.due);
    tx.commit();
    return recorded;
  }

  void save_sla(std::string_view thread_id, const std::string& sla_json, std::optional<TimeMs> due) override {
    std::lock_guard lock(mu_);
    update_sla(thread_id, sla_json, due);
  }

  bool record_message(const StoredMessage& msg, const ThreadInfo* thread, const ThreadKeys& keys,
                      const std::optional<SlaUpdate>& sla) override {
    std::lock_guard lock(mu_);
    Transaction tx(*this);
    bool recorded = insert(msg, thread, keys, sla ? &*sla : nullptr);
    tx.commit();
    return recorded;
  }

  void unrecord_message(std::string_view message_id, std::string_view thread_id,
                        const std::optional<SlaUpdate>& previous) override {
    std::lock_guard lock(mu_);
    Transaction tx(*this);
    execute("DELETE FROM messages WHERE message_id = ?1", message_id);
    execute("DELETE FROM threads WHERE thread_id = ?1 AND NOT EXISTS (SELECT 1 FROM messages WHERE thread_id = ?1)",
            thread_id);
    if (previous) update_sla(thread_id, previous->json, previous->due);
    tx.commit();
  }

  bool release_held(std::string_view message_id, const SlaUpdate& sla) override {
    std::lock_guard lock(mu_);
    Transaction tx(*this);
    std::string thread;
    {
      sqlite3_stmt* st = prepare("SELECT thread_id FROM messages WHERE message_id = ?1 AND status = 'held'");
      Reset r(st);
      bind(st, 1, message_id);
      if (!step(st)) return false;
      thread = text(st, 0);
    }
    execute("UPDATE messages SET status = 'sent', sla_pending = '' WHERE message_id = ?1", message_id);
    update_sla(thread, sla.json, sla.due);
    tx.commit();
    return true;
  }

  bool discard_held(std::string_view message_id) override {
    std::lock_guard lock(mu_);
    sqlite3_stmt* st = prepare("DELETE FROM messages WHERE message_id = ?1 AND status = 'held'");
    Reset r(st);
    bind(st, 1, message_id);
    step(st);
    return sqlite3_changes(db_) > 0;
  }

  std::vector<StoredMessage> held_messages(std::string_view instance) override {
    std::lock_guard lock(mu_);
    sqlite3_stmt* st = prepare(SM_MESSAGE_COLUMNS "WHERE status = 'held' AND instance = ?1 ORDER BY time, message_id");
    Reset r(st);
    bind(st, 1, instance);
    std::vector<StoredMessage> out;
    while (step(st)) out.push_back(read_message(st));
    return out;
  }

  std::optional<std::string> find_thread_by_index(std::string_view root) override {
    return first_text("SELECT thread_id FROM threads WHERE thread_index = ?1 AND ?1 != '' LIMIT 1", root);
  }

  std::optional<std::string> find_thread_by_ticket(std::string_view ticket) override {
    return first_text("SELECT thread_id FROM threads WHERE ticket = ?1 AND ?1 != '' ORDER BY created DESC LIMIT 1", ticket);
  }

  std::optional<std::string> find_thread_by_subject(std::string_view subject, std::string_view customer,
                                                    TimeMs since) override {
    std::lock_guard lock(mu_);
    sqlite3_stmt* st = prepare(
        "SELECT m.thread_id FROM threads t JOIN messages m ON m.thread_id = t.thread_id "
        "JOIN participants p ON p.message_id = m.message_id "
        "WHERE t.subject_key = ?1 AND p.address = ?2 AND p.role IN ('from', 'reply_to') AND m.direction = 'inbound' "
        "AND m.time >= ?3 ORDER BY m.time DESC LIMIT 1");
    Reset r(st);
    bind(st, 1, subject_key(subject));
    bind(st, 2, customer);
    sqlite3_bind_int64(st, 3, since);
    if (!step(st)) return std::nullopt;
    return text(st, 0);
  }

 private:
  // The message, its participants and its thread (with its SLA state when `sla` is given), inside
  // the caller's transaction; false when the message id was already stored, and then nothing of
  // the thread changes.
  bool insert(const StoredMessage& msg, const ThreadInfo* thread, const ThreadKeys& keys = {},
              const SlaUpdate* sla = nullptr) {
    if (thread != nullptr)
      execute("INSERT OR IGNORE INTO threads(thread_id, subject, created, last_activity, subject_key) "
              "VALUES(?1, ?2, ?3, ?4, ?5)",
              thread->thread_id, thread->subject, thread->created, thread->last_activity, subject_key(thread->subject));
    // The thread keeps the first Thread-Index root and ticket it was seen with.
    if (!keys.thread_index.empty() || !keys.ticket.empty())
      execute("UPDATE threads SET thread_index = CASE WHEN thread_index = '' THEN ?2 ELSE thread_index END, "
              "ticket = CASE WHEN ticket = '' THEN ?3 ELSE ticket END WHERE thread_id = ?1",
              msg.thread_id, keys.thread_index, keys.ticket);
    const std::string blob = pack_sketch(msg.fingerprints);
    execute("INSERT OR IGNORE INTO messages(message_id, thread_id, direction, time, subject, question_count, fingerprints, "
            "complaint, status, sla_pending, queue_id, instance, envelope_sender, envelope_recipients) "
            "VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            msg.message_id, msg.thread_id, to_string(msg.direction), msg.time, msg.subject, msg.question_count, Blob{blob},
            msg.complaint ? 1 : 0, msg.status, msg.sla_pending, msg.queue_id, msg.instance, msg.envelope_sender,
            pack_recipients(msg.envelope_recipients));
    if (sqlite3_changes(db_) == 0) return false;
    {
      sqlite3_stmt* st = prepare("INSERT INTO participants(message_id, role, address, display) VALUES(?1, ?2, ?3, ?4)");
      for (const auto& p : msg.participants) {
        Reset r(st);
        bind(st, 1, msg.message_id);
        bind(st, 2, to_string(p.role));
        bind(st, 3, p.address);
        bind(st, 4, p.display);
        step(st);
      }
    }
    if (sla != nullptr) {
      // One statement for the thread row: its activity and its SLA state.
      sqlite3_stmt* st =
          prepare("UPDATE threads SET last_activity = max(last_activity, ?2), sla = ?3, due = ?4 WHERE thread_id = ?1");
      Reset r(st);
      bind(st, 1, msg.thread_id);
      sqlite3_bind_int64(st, 2, msg.time);
      bind(st, 3, sla->json);
      if (sla->due) sqlite3_bind_int64(st, 4, *sla->due);
      else sqlite3_bind_null(st, 4);
      step(st);
    } else {
      sqlite3_stmt* st = prepare("UPDATE threads SET last_activity = max(last_activity, ?2) WHERE thread_id = ?1");
      Reset r(st);
      bind(st, 1, msg.thread_id);
      sqlite3_bind_int64(st, 2, msg.time);
      step(st);
    }
    return true;
  }

  void update_sla(std::string_view thread_id, const std::string& sla_json, std::optional<TimeMs> due) {
    sqlite3_stmt* st = prepare("UPDATE threads SET sla = ?2, due = ?3 WHERE thread_id = ?1");
    Reset r(st);
    bind(st, 1, thread_id);
    bind(st, 2, sla_json);
    if (due) sqlite3_bind_int64(st, 3, *due);
    else sqlite3_bind_null(st, 3);
    step(st);
  }

 public:
  std::vector<ThreadInfo> due_threads(TimeMs now, std::size_t max) override {
    std::lock_guard lock(mu_);
    sqlite3_stmt* st = prepare(
        "SELECT thread_id, subject, created, last_activity, sla FROM threads "
        "WHERE due IS NOT NULL AND due <= ?1 ORDER BY due LIMIT ?2");
    Reset r(st);
    sqlite3_bind_int64(st, 1, now);
    sqlite3_bind_int64(st, 2, static_cast<sqlite3_int64>(max));
    std::vector<ThreadInfo> out;
    while (step(st)) out.push_back(read_thread(st));
    return out;
  }

  std::optional<WaitingSummary> waiting_summary() override {
    std::lock_guard lock(mu_);
    // CASE keeps json_extract away from rows without SLA state ('' is not JSON).
    sqlite3_stmt* st = prepare(
        "SELECT count(w), min(w) FROM (SELECT CASE WHEN json_valid(sla) THEN json_extract(sla, '$.waiting_since') "
        "END AS w FROM threads) WHERE w IS NOT NULL");
    Reset r(st);
    WaitingSummary out;
    if (step(st)) {
      out.threads = sqlite3_column_int64(st, 0);
      if (sqlite3_column_type(st, 1) != SQLITE_NULL) out.oldest = sqlite3_column_int64(st, 1);
    }
    return out;
  }

  std::size_t prune(TimeMs before) override {
    std::lock_guard lock(mu_);
    Transaction tx(*this);
    execute("DELETE FROM participants WHERE message_id IN (SELECT message_id FROM messages WHERE time < ?1)", before);
    std::size_t deleted = 0;
    {
      sqlite3_stmt* st = prepare("DELETE FROM messages WHERE time < ?1");
      Reset r(st);
      sqlite3_bind_int64(st, 1, before);
      step(st);
      deleted = static_cast<std::size_t>(sqlite3_changes(db_));
    }
    execute("DELETE FROM threads WHERE last_activity < ?1 AND NOT EXISTS "
            "(SELECT 1 FROM messages m WHERE m.thread_id = threads.thread_id)",
            before);
    tx.commit();
    return deleted;
  }

  void export_threads(const ThreadVisitor& visit) override {
    std::lock_guard lock(mu_);
    sqlite3_stmt* threads = prepare(
        "SELECT thread_id, subject, created, last_activity, sla, due, thread_index, ticket FROM threads "
        "ORDER BY created, thread_id");
    Reset rt(threads);
    while (step(threads)) {
      ThreadInfo t = read_thread(threads);
      std::optional<TimeMs> due;
      if (sqlite3_column_type(threads, 5) != SQLITE_NULL) due = sqlite3_column_int64(threads, 5);
      t.keys = ThreadKeys{text(threads, 6), text(threads, 7)};
      std::vector<StoredMessage> messages;
      {
        sqlite3_stmt* st = prepare(
            SM_MESSAGE_COLUMNS
            "WHERE thread_id = ?1 ORDER BY time, rowid");
        Reset r(st);
        bind(st, 1, t.thread_id);
        while (step(st)) messages.push_back(read_message(st));
      }
      visit(t, due, messages);
    }
  }

 private:
  struct Reset {
    explicit Reset(sqlite3_stmt* s) : st(s) {}
    ~Reset() {
      sqlite3_reset(st);
      sqlite3_clear_bindings(st);
    }
    sqlite3_stmt* st;
  };

  // The first row of a query of one text parameter, read by `read`; nullopt when there is none.
  template <class Read>
  auto first_row(const char* sql, std::string_view arg, Read read) -> std::optional<decltype(read(nullptr))> {
    std::lock_guard lock(mu_);
    sqlite3_stmt* st = prepare(sql);
    Reset r(st);
    bind(st, 1, arg);
    if (!step(st)) return std::nullopt;
    return read(st);
  }

  std::optional<std::string> first_text(const char* sql, std::string_view arg) {
    return first_row(sql, arg, [](sqlite3_stmt* st) { return text(st, 0); });
  }

  // BEGIN and COMMIT as prepared statements, kept like the others: sqlite3_exec would parse them
  // again for every message.
  struct Transaction {
    explicit Transaction(SqliteStore& s) : store(s) { store.run("BEGIN IMMEDIATE"); }
    void commit() {
      store.run("COMMIT");
      done = true;
    }
    ~Transaction() {
      if (!done) sqlite3_exec(store.db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
    SqliteStore& store;
    bool done = false;
  };

  [[noreturn]] void fail(const std::string& what) const {
    throw StoreError("sqlite " + path_ + ": " + what + sqlite3_errmsg(db_));
  }

  void exec(const char* sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) {
      std::string msg = err != nullptr ? err : sqlite3_errmsg(db_);
      sqlite3_free(err);
      throw StoreError("sqlite " + path_ + ": " + msg);
    }
  }

  // Runs a statement without parameters or rows from the statement cache.
  void run(const char* sql) {
    sqlite3_stmt* st = prepare(sql);
    int rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) throw StoreError("sqlite " + path_ + ": " + sql + ": " + sqlite3_errmsg(db_));
  }

  sqlite3_stmt* prepare(const char* sql) {
    auto it = stmts_.find(sql);
    if (it != stmts_.end()) return it->second;
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr) != SQLITE_OK) fail("");
    stmts_[sql] = st;
    return st;
  }

  void finalize_all() {
    for (auto& [sql, st] : stmts_) sqlite3_finalize(st);
    stmts_.clear();
  }

  static void bind(sqlite3_stmt* st, int i, std::string_view v) {
    sqlite3_bind_text(st, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
  }
  static void bind(sqlite3_stmt* st, int i, std::int64_t v) { sqlite3_bind_int64(st, i, v); }
  static void bind(sqlite3_stmt* st, int i, int v) { sqlite3_bind_int(st, i, v); }
  struct Blob {
    std::string_view bytes;
  };
  static void bind(sqlite3_stmt* st, int i, Blob b) {
    sqlite3_bind_blob(st, i, b.bytes.data(), static_cast<int>(b.bytes.size()), SQLITE_TRANSIENT);
  }

  // Runs a statement that returns no rows, with its parameters (?1, ?2, ...) in order.
  template <class... Args>
  void execute(const char* sql, const Args&... args) {
    sqlite3_stmt* st = prepare(sql);
    Reset r(st);
    int i = 0;
    (bind(st, ++i, args), ...);
    step(st);
  }

  bool step(sqlite3_stmt* st) {
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    fail("");
  }

  static std::string text(sqlite3_stmt* st, int col) {
    const auto* p = sqlite3_column_text(st, col);
    return p != nullptr ? std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(sqlite3_column_bytes(st, col)))
                        : std::string();
  }

  StoredMessage read_message(sqlite3_stmt* st) {
    StoredMessage m;
    m.message_id = text(st, 0);
    m.thread_id = text(st, 1);
    m.direction = direction_from_string(text(st, 2)).value_or(Direction::other);
    m.time = sqlite3_column_int64(st, 3);
    m.subject = text(st, 4);
    m.question_count = sqlite3_column_int(st, 5);
    m.fingerprints = unpack_sketch(sqlite3_column_blob(st, 6), static_cast<std::size_t>(sqlite3_column_bytes(st, 6)));
    m.complaint = sqlite3_column_int(st, 7) != 0;
    m.status = text(st, 8);
    m.sla_pending = text(st, 9);
    m.queue_id = text(st, 10);
    m.instance = text(st, 11);
    m.envelope_sender = text(st, 12);
    m.envelope_recipients = unpack_recipients(text(st, 13));
    sqlite3_stmt* ps = prepare("SELECT role, address, display FROM participants WHERE message_id = ?1 ORDER BY rowid");
    Reset r(ps);
    bind(ps, 1, m.message_id);
    while (step(ps)) {
      if (auto role = role_from_string(text(ps, 0))) m.participants.push_back({*role, text(ps, 1), text(ps, 2)});
    }
    return m;
  }

  static ThreadInfo read_thread(sqlite3_stmt* st) {
    ThreadInfo t;
    t.thread_id = text(st, 0);
    t.subject = text(st, 1);
    t.created = sqlite3_column_int64(st, 2);
    t.last_activity = sqlite3_column_int64(st, 3);
    t.sla = text(st, 4);
    return t;
  }

  void migrate() {
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &st, nullptr) != SQLITE_OK) fail("");
    int version = 0;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW) fail("");
    if (version > kSchemaVersion)
      throw StoreError("sqlite " + path_ + ": schema version " + std::to_string(version) +
                       " is newer than this support-milter (" + std::to_string(kSchemaVersion) + ")");
    if (version == kSchemaVersion) return;
    exec("BEGIN IMMEDIATE");
    try {
      if (version < 1) exec(kSchemaV1);
      if (version < 2) exec(kSchemaV2);
      if (version < 3) exec(kSchemaV3);
      if (version < 4) exec(kSchemaV4);
      if (version < 5) {
        exec(kSchemaV5);
        fill_subject_keys();
      }
      if (version < 6) exec(kSchemaV6);
      if (version < 7) exec(kSchemaV7);
      exec(("PRAGMA user_version = " + std::to_string(kSchemaVersion)).c_str());
      exec("COMMIT");
    } catch (...) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
      throw;
    }
  }

  // The subject keys of the threads stored before version 5, inside migrate()'s transaction.
  void fill_subject_keys() {
    std::vector<std::pair<std::string, std::string>> keys;
    sqlite3_stmt* st = prepare("SELECT thread_id, subject FROM threads");
    {
      Reset r(st);
      while (step(st)) keys.emplace_back(text(st, 0), subject_key(text(st, 1)));
    }
    sqlite3_stmt* up = prepare("UPDATE threads SET subject_key = ?2 WHERE thread_id = ?1");
    for (const auto& [id, key] : keys) {
      Reset r(up);
      bind(up, 1, id);
      bind(up, 2, key);
      step(up);
    }
  }

  // A PASSIVE checkpoint every 200 ms on a connection of its own: it never waits for a writer
  // and no writer waits for it, so no message's commit pays for copying the WAL back.
  void checkpoint_loop(int busy_timeout_ms) {
    sqlite3* db = nullptr;
    if (sqlite3_open_v2(path_.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nullptr) != SQLITE_OK) {
      sqlite3_close(db);
      // Without the thread SQLite must checkpoint in the commits again.
      std::lock_guard lock(mu_);
      sqlite3_exec(db_, "PRAGMA wal_autocheckpoint = 1000", nullptr, nullptr, nullptr);
      return;
    }
    sqlite3_busy_timeout(db, busy_timeout_ms);
    // A connection reads the file's header (and learns it is in WAL mode) at its first statement.
    sqlite3_exec(db, "PRAGMA journal_mode", nullptr, nullptr, nullptr);
    std::unique_lock lock(checkpoint_mu_);
    while (!stopping_) {
      checkpoint_cv_.wait_for(lock, std::chrono::milliseconds(200));
      if (stopping_) break;
      lock.unlock();
      sqlite3_wal_checkpoint_v2(db, nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
      lock.lock();
    }
    sqlite3_close(db);
  }

  std::string path_;
  sqlite3* db_ = nullptr;
  std::mutex mu_;
  std::thread checkpointer_;
  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool stopping_ = false;
  std::map<const char*, sqlite3_stmt*> stmts_;
};

}  // namespace

std::unique_ptr<ThreadStore> open_sqlite_store(const std::string& path, const SqliteOptions& opts) {
  return std::make_unique<SqliteStore>(path, opts);
}

}  // namespace sm
