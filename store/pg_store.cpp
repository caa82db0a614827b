// The PostgreSQL thread store (libpq).
//
// Connections: a pool of at most `pool_size`, opened when first needed, so libmilter's worker
// threads run their statements side by side. A call waits up to `timeout_ms` for a free
// connection. Every statement runs with statement_timeout = timeout_ms on the server and a client
// deadline a second later (a dead host or network never answers; the server's timeout cannot
// fire then). A connection that breaks or misses the deadline is dropped and the call throws
// StoreError, so the pipeline applies store.on_error; the next call connects again, which is how
// the milter recovers when the database comes back. An idle connection the server closed (a
// restart) is noticed before use and replaced without failing the call.
//
// Statements: always parameterized (PQsendQueryParams); no message data is ever part of SQL text.
// Text is sent as UTF-8; bytes that are not (a raw 8-bit Message-ID, a NUL) become U+FFFD the same
// way for writes and lookups, since the server refuses invalid UTF-8.
//
// Schema: the schema_version table lists the migrations applied; the milter applies the missing
// ones in order inside one transaction that holds pg_advisory_xact_lock, so instances starting
// together wait for each other instead of racing. A schema newer than this build is refused.
// Opened lazily (PgOptions::lazy), the store connects and migrates on its first call instead, so
// a milter can start while the database is down and answer store.on_error until it is back.
//
// The SLA sweep lock is a session-level pg_try_advisory_lock on a connection of its own (outside
// the pool, so a sweep that holds it can still use every pooled connection); if that connection
// dies the server releases the lock.
#include "store/pg_store.h"

#include "base/strings.h"
#include "message/subject.h"
#include "store/fingerprint.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <vector>

namespace sm {

namespace {

using Clock = std::chrono::steady_clock;

// Advisory lock keys: (class, object) pairs; the class spells "SM".
constexpr int kLockClass = 0x534d;
constexpr int kMigrateLock = 1;
constexpr int kSweepLock = 2;

struct Migration {
  int version;
  const char* sql;
};

const Migration kMigrations[] = {
    {1, R"sql(
CREATE TABLE threads(
  thread_id     text PRIMARY KEY,
  subject       text NOT NULL,
  created       bigint NOT NULL,
  last_activity bigint NOT NULL,
  sla           text NOT NULL DEFAULT '',
  due           bigint
);
CREATE INDEX threads_due ON threads(due) WHERE due IS NOT NULL;
CREATE TABLE messages(
  message_id     text PRIMARY KEY,
  seq            bigint GENERATED ALWAYS AS IDENTITY,
  thread_id      text NOT NULL REFERENCES threads(thread_id) ON DELETE CASCADE,
  direction      text NOT NULL,
  time           bigint NOT NULL,
  subject        text NOT NULL,
  question_count integer NOT NULL,
  fingerprints   bytea NOT NULL
);
CREATE INDEX messages_thread_time ON messages(thread_id, time, seq);
CREATE INDEX messages_time ON messages(time);
CREATE TABLE participants(
  message_id text NOT NULL REFERENCES messages(message_id) ON DELETE CASCADE,
  pos        integer NOT NULL,
  role       text NOT NULL,
  address    text NOT NULL,
  display    text NOT NULL,
  PRIMARY KEY (message_id, pos)
);
)sql"},
    // Whether a message read as a complaint (apology-on-complaint, also for replies that do not
    // quote it).
    {2, R"sql(
ALTER TABLE messages ADD COLUMN complaint integer NOT NULL DEFAULT 0;
)sql"},
    // Held messages (they count for the SLA clock when released), and the other keys a thread is
    // found by: Outlook's Thread-Index root, a ticket token, the subject and the customer.
    {3, R"sql(
ALTER TABLE messages ADD COLUMN status text NOT NULL DEFAULT 'sent';
ALTER TABLE messages ADD COLUMN sla_pending text NOT NULL DEFAULT '';
ALTER TABLE threads ADD COLUMN thread_index text NOT NULL DEFAULT '';
ALTER TABLE threads ADD COLUMN ticket text NOT NULL DEFAULT '';
CREATE INDEX threads_thread_index ON threads(thread_index) WHERE thread_index <> '';
CREATE INDEX threads_ticket ON threads(ticket) WHERE ticket <> '';
CREATE INDEX threads_subject ON threads(subject);
CREATE INDEX participants_address ON participants(address);
)sql"},
    // The thread is found by subject and customer through the senders' addresses only (From,
    // Reply-To), so the address index holds only those.
    {4, R"sql(
DROP INDEX participants_address;
CREATE INDEX participants_sender ON participants(address) WHERE role IN ('from', 'reply_to');
)sql"},
    // The thread is found by its subject's key (message/subject.h), the one definition of "the
    // same subject" that subject-continuity uses too; ensure_schema() computes the keys of the
    // threads stored before.
    {5, R"sql(
ALTER TABLE threads ADD COLUMN subject_key text NOT NULL DEFAULT '';
DROP INDEX IF EXISTS threads_subject;
CREATE INDEX threads_subject_key ON threads(subject_key);
)sql"},
    // Where a held message is held (the queue id, and the instance whose MTA holds it), so the
    // daemon's sweep finds those that left the hold queue by other means than release/discard.
    {6, R"sql(
ALTER TABLE messages ADD COLUMN queue_id text NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN instance text NOT NULL DEFAULT '';
CREATE INDEX messages_held ON messages(instance) WHERE status = 'held';
)sql"},
    // A held message's envelope (sender, and recipients one a line), so the sweep's record of one
    // the MTA released or deleted names them when the MTA's queue does not.
    {7, R"sql(
ALTER TABLE messages ADD COLUMN envelope_sender text NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN envelope_recipients text NOT NULL DEFAULT '';
)sql"},
};

constexpr int kSchemaVersion = 7;
constexpr int kSubjectKeyVersion = 5;

// Valid UTF-8 without NUL: invalid bytes and NUL become U+FFFD.
std::string clean_text(std::string_view s) {
  static const char kReplacement[] = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c != 0 && c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0, min = 0;
    if ((c & 0xE0) == 0xC0)
      len = 2, cp = c & 0x1F, min = 0x80;
    else if ((c & 0xF0) == 0xE0)
      len = 3, cp = c & 0x0F, min = 0x800;
    else if ((c & 0xF8) == 0xF0)
      len = 4, cp = c & 0x07, min = 0x10000;
    bool ok = len != 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      ok = (d & 0xC0) == 0x80;
      cp = (cp << 6) | (d & 0x3F);
    }
    ok = ok && cp >= min && cp <= 0x10FFFF && !(cp >= 0xD800 && cp <= 0xDFFF);
    if (!ok) {
      out += kReplacement;
      ++i;
      continue;
    }
    out.append(s.substr(i, len));
    i += len;
  }
  return out;
}

// A PostgreSQL array literal of text elements, every element quoted.
std::string text_array(const std::vector<std::string>& items) {
  std::string out = "{";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i) out += ',';
    out += '"';
    for (char ch : clean_text(items[i])) {
      if (ch == '"' || ch == '\\') out += '\\';
      out += ch;
    }
    out += '"';
  }
  return out + "}";
}

// Statement parameters; text is cleaned to UTF-8, bytes go in binary format.
class Params {
 public:
  Params& text(std::string_view v) { return add(clean_text(v), 0); }
  Params& integer(std::int64_t v) { return add(std::to_string(v), 0); }
  Params& bytes(std::string v) { return add(std::move(v), 1); }
  Params& null() {
    values_.emplace_back();
    formats_.push_back(0);
    nulls_.push_back(true);
    return *this;
  }
  int size() const { return static_cast<int>(values_.size()); }
  void pointers(std::vector<const char*>& v, std::vector<int>& lens) const {
    for (std::size_t i = 0; i < values_.size(); ++i) {
      v.push_back(nulls_[i] ? nullptr : values_[i].data());
      lens.push_back(static_cast<int>(values_[i].size()));
    }
  }
  const int* formats() const { return formats_.empty() ? nullptr : formats_.data(); }

 private:
  Params& add(std::string v, int format) {
    values_.push_back(std::move(v));
    formats_.push_back(format);
    nulls_.push_back(false);
    return *this;
  }
  std::vector<std::string> values_;
  std::vector<int> formats_;
  std::vector<bool> nulls_;
};

struct Result {
  PGresult* r = nullptr;
  Result() = default;
  explicit Result(PGresult* p) : r(p) {}
  Result(Result&& o) noexcept : r(o.r) { o.r = nullptr; }
  Result& operator=(Result&& o) noexcept {
    std::swap(r, o.r);
    return *this;
  }
  ~Result() {
    if (r != nullptr) PQclear(r);
  }
  int rows() const { return r != nullptr ? PQntuples(r) : 0; }
  bool null(int row, int col) const { return PQgetisnull(r, row, col) != 0; }
  std::string text(int row, int col) const {
    return std::string(PQgetvalue(r, row, col), static_cast<std::size_t>(PQgetlength(r, row, col)));
  }
  std::int64_t integer(int row, int col) const { return std::stoll(PQgetvalue(r, row, col)); }
  std::vector<std::uint64_t> fingerprints(int row, int col) const {
    std::size_t len = 0;
    unsigned char* raw =
        PQunescapeBytea(reinterpret_cast<const unsigned char*>(PQgetvalue(r, row, col)), &len);
    if (raw == nullptr) throw StoreError("postgresql: cannot decode fingerprints");
    auto v = unpack_sketch(raw, len);
    PQfreemem(raw);
    return v;
  }
  std::int64_t affected() const {
    const char* n = PQcmdTuples(r);
    return (n != nullptr && *n != 0) ? std::stoll(n) : 0;
  }
};

// One connection and whether it must be dropped after the current call.
struct Conn {
  PGconn* pg = nullptr;
  bool broken = false;
};

class PgStore final : public ThreadStore {
 public:
  PgStore(std::string url, const PgOptions& opts)
      : url_(std::move(url)),
        name_("postgresql " + redact_pg_url(url_)),
        opts_(opts),
        slots_(std::max(1u, opts.pool_size)) {
    if (opts_.timeout_ms == 0) throw StoreError(name_ + ": timeout_ms must be positive");
    // A malformed URL is a mistake to report now, even when connecting can wait.
    char* parse_error = nullptr;
    PQconninfoOption* parsed = PQconninfoParse(url_.c_str(), &parse_error);
    if (parsed == nullptr) {
      std::string why(parse_error != nullptr ? trim(parse_error) : "out of memory");
      PQfreemem(parse_error);
      throw StoreError(name_ + ": " + why);
    }
    PQconninfoFree(parsed);
    if (opts_.lazy) return;
    try {
      Lease first(*this);  // connects and brings the schema up to date
    } catch (...) {
      close_all();
      throw;
    }
  }

  ~PgStore() override { close_all(); }

  std::optional<std::string> find_thread(const std::vector<std::string>& ids) override {
    if (ids.empty()) return std::nullopt;
    return first_text(
        "SELECT m.thread_id FROM unnest($1::text[]) WITH ORDINALITY AS q(id, n) "
        "JOIN messages m ON m.message_id = q.id ORDER BY q.n LIMIT 1",
        Params().text(text_array(ids)));
  }

  std::optional<StoredMessage> get_message(std::string_view message_id) override {
    Lease l(*this);
    auto r = l.exec(std::string(kMessageColumns) + " WHERE message_id = $1", Params().text(message_id));
    if (r.rows() == 0) return std::nullopt;
    auto m = read_message(r, 0);
    read_participants(l, {&m});
    return m;
  }

  std::optional<ThreadInfo> get_thread(std::string_view thread_id) override {
    Lease l(*this);
    auto r =
        l.exec(std::string(kThreadColumns) + kThreadFrom + " WHERE thread_id = $1", Params().text(thread_id));
    if (r.rows() == 0) return std::nullopt;
    return read_thread(r, 0);
  }

  std::optional<StoredMessage> last_message(std::string_view thread_id,
                                            const std::vector<Direction>& directions) override {
    Params p;
    p.text(thread_id);
    if (directions.empty()) {
      p.null();
    } else {
      std::vector<std::string> names;
      names.reserve(directions.size());
      for (Direction d : directions) names.emplace_back(to_string(d));
      p.text(text_array(names));
    }
    Lease l(*this);
    auto r = l.exec(std::string(kMessageColumns) +
                        " WHERE thread_id = $1 AND ($2::text[] IS NULL OR direction = ANY($2::text[])) "
                        "ORDER BY time DESC, seq DESC LIMIT 1",
                    p);
    if (r.rows() == 0) return std::nullopt;
    auto m = read_message(r, 0);
    read_participants(l, {&m});
    return m;
  }

  bool record(const StoredMessage& msg, const ThreadInfo* thread) override {
    Lease l(*this);
    l.exec("BEGIN");
    bool recorded = insert(l, msg, thread);
    l.exec("COMMIT");
    return recorded;
  }

  bool record_with_sla(const StoredMessage& msg, const ThreadInfo* thread, const SlaUpdate& sla) override {
    Lease l(*this);
    l.exec("BEGIN");
    bool recorded = insert(l, msg, thread);
    if (recorded) {
      Params p;
      p.text(msg.thread_id).text(sla.json);
      if (sla.due)
        p.integer(*sla.due);
      else
        p.null();
      l.exec("UPDATE threads SET sla = $2, due = $3 WHERE thread_id = $1", p);
    }
    l.exec("COMMIT");
    return recorded;
  }

  // The message, its participants and its thread (with its SLA state when `sla` is given) inside
  // the caller's transaction; false when the message id was already stored, and then nothing of
  // the thread changes.
  template <class L>  // Lease, declared below
  bool insert(L& l, const StoredMessage& msg, const ThreadInfo* thread, const ThreadKeys& keys = {},
              const SlaUpdate* sla = nullptr) {
    if (thread != nullptr)
      l.exec(
          "INSERT INTO threads(thread_id, subject, created, last_activity, subject_key) VALUES($1, $2, $3, $4, $5) "
          "ON CONFLICT (thread_id) DO NOTHING",
          Params()
              .text(thread->thread_id)
              .text(thread->subject)
              .integer(thread->created)
              .integer(thread->last_activity)
              .text(subject_key(thread->subject)));
    // The thread keeps the first Thread-Index root and ticket it was seen with.
    if (!keys.thread_index.empty() || !keys.ticket.empty())
      l.exec(
          "UPDATE threads SET thread_index = CASE WHEN thread_index = '' THEN $2 ELSE thread_index END, "
          "ticket = CASE WHEN ticket = '' THEN $3 ELSE ticket END WHERE thread_id = $1",
          Params().text(msg.thread_id).text(keys.thread_index).text(keys.ticket));
    auto inserted = l.exec(
        "INSERT INTO messages(message_id, thread_id, direction, time, subject, question_count, fingerprints, complaint, "
        "status, sla_pending, queue_id, instance, envelope_sender, envelope_recipients) "
        "VALUES($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) "
        "ON CONFLICT (message_id) DO NOTHING",
        Params()
            .text(msg.message_id)
            .text(msg.thread_id)
            .text(to_string(msg.direction))
            .integer(msg.time)
            .text(msg.subject)
            .integer(msg.question_count)
            .bytes(pack_sketch(msg.fingerprints))
            .integer(msg.complaint ? 1 : 0)
            .text(msg.status)
            .text(msg.sla_pending)
            .text(msg.queue_id)
            .text(msg.instance)
            .text(msg.envelope_sender)
            .text(pack_recipients(msg.envelope_recipients)));
    if (inserted.affected() == 0) return false;
    int pos = 0;
    for (const auto& p : msg.participants)
      l.exec("INSERT INTO participants(message_id, pos, role, address, display) VALUES($1, $2, $3, $4, $5)",
             Params()
                 .text(msg.message_id)
                 .integer(pos++)
                 .text(to_string(p.role))
                 .text(p.address)
                 .text(p.display));
    if (sla != nullptr) {
      // One statement (one round trip, one new row version) for the thread's activity and state.
      l.exec("UPDATE threads SET sla = $2, due = $3, last_activity = GREATEST(last_activity, $4) WHERE thread_id = $1",
             sla_params(msg.thread_id, *sla).integer(msg.time));
    } else {
      l.exec("UPDATE threads SET last_activity = GREATEST(last_activity, $2) WHERE thread_id = $1",
             Params().text(msg.thread_id).integer(msg.time));
    }
    return true;
  }

  static Params sla_params(std::string_view thread_id, const SlaUpdate& sla) {
    Params p;
    p.text(thread_id).text(sla.json);
    if (sla.due)
      p.integer(*sla.due);
    else
      p.null();
    return p;
  }

  bool record_message(const StoredMessage& msg, const ThreadInfo* thread, const ThreadKeys& keys,
                      const std::optional<SlaUpdate>& sla) override {
    Lease l(*this);
    l.exec("BEGIN");
    bool recorded = insert(l, msg, thread, keys, sla ? &*sla : nullptr);
    l.exec("COMMIT");
    return recorded;
  }

  void unrecord_message(std::string_view message_id, std::string_view thread_id,
                        const std::optional<SlaUpdate>& previous) override {
    Lease l(*this);
    l.exec("BEGIN");
    l.exec("DELETE FROM messages WHERE message_id = $1", Params().text(message_id));
    l.exec("DELETE FROM threads t WHERE thread_id = $1 AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.thread_id = $1)",
           Params().text(thread_id));
    if (previous) l.exec("UPDATE threads SET sla = $2, due = $3 WHERE thread_id = $1", sla_params(thread_id, *previous));
    l.exec("COMMIT");
  }

  bool release_held(std::string_view message_id, const SlaUpdate& sla) override {
    Lease l(*this);
    l.exec("BEGIN");
    auto r = l.exec("UPDATE messages SET status = 'sent', sla_pending = '' WHERE message_id = $1 AND status = 'held' "
                    "RETURNING thread_id",
                    Params().text(message_id));
    if (r.rows() == 0) {
      l.exec("ROLLBACK");
      return false;
    }
    l.exec("UPDATE threads SET sla = $2, due = $3 WHERE thread_id = $1", sla_params(r.text(0, 0), sla));
    l.exec("COMMIT");
    return true;
  }

  bool discard_held(std::string_view message_id) override {
    Lease l(*this);
    return l.exec("DELETE FROM messages WHERE message_id = $1 AND status = 'held'", Params().text(message_id)).affected() > 0;
  }

  std::vector<StoredMessage> held_messages(std::string_view instance) override {
    Lease l(*this);
    auto r = l.exec(std::string(kMessageColumns) + " WHERE status = 'held' AND instance = $1 ORDER BY time, message_id",
                    Params().text(instance));
    std::vector<StoredMessage> out;
    for (int k = 0; k < r.rows(); ++k) out.push_back(read_message(r, k));
    std::vector<StoredMessage*> ptrs;
    for (auto& m : out) ptrs.push_back(&m);
    read_participants(l, ptrs);
    return out;
  }

  std::optional<std::string> find_thread_by_index(std::string_view root) override {
    if (root.empty()) return std::nullopt;
    return first_text("SELECT thread_id FROM threads WHERE thread_index = $1 LIMIT 1", Params().text(root));
  }

  std::optional<std::string> find_thread_by_ticket(std::string_view ticket) override {
    if (ticket.empty()) return std::nullopt;
    return first_text("SELECT thread_id FROM threads WHERE ticket = $1 ORDER BY created DESC LIMIT 1", Params().text(ticket));
  }

  std::optional<std::string> find_thread_by_subject(std::string_view subject, std::string_view customer,
                                                    TimeMs since) override {
    return first_text(
        "SELECT m.thread_id FROM threads t JOIN messages m ON m.thread_id = t.thread_id "
        "JOIN participants p ON p.message_id = m.message_id "
        "WHERE t.subject_key = $1 AND p.address = $2 AND p.role IN ('from', 'reply_to') AND m.direction = 'inbound' "
        "AND m.time >= $3 ORDER BY m.time DESC, m.seq DESC LIMIT 1",
        Params().text(subject_key(subject)).text(customer).integer(since));
  }

  // The first row's first column of a query; nullopt when it gives no row.
  std::optional<std::string> first_text(const std::string& sql, const Params& p) {
    Lease l(*this);
    auto r = l.exec(sql, p);
    if (r.rows() == 0) return std::nullopt;
    return r.text(0, 0);
  }

  void save_sla(std::string_view thread_id, const std::string& sla_json, std::optional<TimeMs> due) override {
    Params p;
    p.text(thread_id).text(sla_json);
    if (due)
      p.integer(*due);
    else
      p.null();
    Lease l(*this);
    l.exec("UPDATE threads SET sla = $2, due = $3 WHERE thread_id = $1", p);
  }

  std::vector<ThreadInfo> due_threads(TimeMs now, std::size_t max) override {
    Lease l(*this);
    auto r = l.exec(
        std::string(kThreadColumns) + kThreadFrom +
            " WHERE due IS NOT NULL AND due <= $1 ORDER BY due, thread_id LIMIT $2",
        Params().integer(now).integer(static_cast<std::int64_t>(std::min<std::size_t>(max, INT64_MAX))));
    std::vector<ThreadInfo> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) out.push_back(read_thread(r, i));
    return out;
  }

  std::optional<WaitingSummary> waiting_summary() override {
    Lease l(*this);
    // The SLA state is JSON text; rows without it ('') are left out before the cast.
    auto r = l.exec(
        "SELECT count(w), min(w) FROM (SELECT (sla::jsonb ->> 'waiting_since')::bigint AS w FROM threads "
        "WHERE sla LIKE '{%') s WHERE w IS NOT NULL");
    WaitingSummary out;
    if (r.rows() == 1) {
      out.threads = r.integer(0, 0);
      if (!r.null(0, 1)) out.oldest = r.integer(0, 1);
    }
    return out;
  }

  std::size_t prune(TimeMs before) override {
    Lease l(*this);
    l.exec("BEGIN");
    auto deleted = l.exec("DELETE FROM messages WHERE time < $1", Params().integer(before)).affected();
    l.exec(
        "DELETE FROM threads t WHERE last_activity < $1 AND NOT EXISTS "
        "(SELECT 1 FROM messages m WHERE m.thread_id = t.thread_id)",
        Params().integer(before));
    l.exec("COMMIT");
    return static_cast<std::size_t>(deleted);
  }

  void export_threads(const ThreadVisitor& visit) override {
    Lease l(*this);
    auto threads = l.exec(std::string(kThreadColumns) + ", due, thread_index, ticket FROM threads ORDER BY created, thread_id");
    for (int i = 0; i < threads.rows(); ++i) {
      ThreadInfo t = read_thread(threads, i);
      std::optional<TimeMs> due;
      if (!threads.null(i, 5)) due = threads.integer(i, 5);
      t.keys = ThreadKeys{threads.text(i, 6), threads.text(i, 7)};
      auto r = l.exec(std::string(kMessageColumns) + " WHERE thread_id = $1 ORDER BY time, seq",
                      Params().text(t.thread_id));
      std::vector<StoredMessage> messages;
      messages.reserve(static_cast<std::size_t>(r.rows()));
      for (int k = 0; k < r.rows(); ++k) messages.push_back(read_message(r, k));
      std::vector<StoredMessage*> refs;
      refs.reserve(messages.size());
      for (auto& m : messages) refs.push_back(&m);
      read_participants(l, refs);
      visit(t, due, messages);
    }
  }

  bool try_lock_sweep() override {
    std::lock_guard lock(sweep_mu_);
    if (sweep_conn_.pg != nullptr && !healthy(sweep_conn_.pg)) drop(sweep_conn_);
    if (sweep_conn_.pg == nullptr) sweep_conn_.pg = connect();
    try {
      auto r = exec(sweep_conn_, "SELECT pg_try_advisory_lock($1::int, $2::int)",
                    Params().integer(kLockClass).integer(kSweepLock));
      return r.rows() == 1 && r.text(0, 0) == "t";
    } catch (...) {
      if (sweep_conn_.broken) drop(sweep_conn_);
      throw;
    }
  }

  void unlock_sweep() override {
    std::lock_guard lock(sweep_mu_);
    if (sweep_conn_.pg == nullptr) return;
    try {
      exec(sweep_conn_, "SELECT pg_advisory_unlock($1::int, $2::int)",
           Params().integer(kLockClass).integer(kSweepLock));
    } catch (...) {
      // The session is gone or unusable: dropping it releases the lock on the server.
      drop(sweep_conn_);
      throw;
    }
  }

 private:
  static constexpr const char* kMessageColumns =
      "SELECT message_id, thread_id, direction, time, subject, question_count, fingerprints, complaint, status, "
      "sla_pending, queue_id, instance, envelope_sender, envelope_recipients FROM messages";
  static constexpr const char* kThreadColumns = "SELECT thread_id, subject, created, last_activity, sla";
  static constexpr const char* kThreadFrom = " FROM threads";

  // A pooled connection for the length of one call.
  class Lease {
   public:
    explicit Lease(PgStore& s) : store_(s), index_(s.acquire()) {}
    ~Lease() { store_.release(index_); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Result exec(const std::string& sql, const Params& p = Params()) {
      return store_.exec(store_.slots_[index_].conn, sql, p);
    }

   private:
    PgStore& store_;
    std::size_t index_;
  };

  struct Slot {
    Conn conn;
    bool busy = false;
  };

  std::size_t acquire() {
    std::size_t index = 0;
    {
      std::unique_lock lock(mu_);
      auto deadline = Clock::now() + std::chrono::milliseconds(opts_.timeout_ms);
      for (;;) {
        // An open connection first; a new one only when none is free.
        auto free_open =
            std::find_if(slots_.begin(), slots_.end(), [](const Slot& s) { return !s.busy && s.conn.pg; });
        auto free_any = std::find_if(slots_.begin(), slots_.end(), [](const Slot& s) { return !s.busy; });
        auto it = free_open != slots_.end() ? free_open : free_any;
        if (it != slots_.end()) {
          it->busy = true;
          index = static_cast<std::size_t>(it - slots_.begin());
          break;
        }
        if (cv_.wait_until(lock, deadline) == std::cv_status::timeout &&
            std::none_of(slots_.begin(), slots_.end(), [](const Slot& s) { return !s.busy; }))
          throw StoreError(name_ + ": all " + std::to_string(slots_.size()) + " connections busy for " +
                           std::to_string(opts_.timeout_ms) + " ms");
      }
    }
    // The slot is ours: connect (or replace a connection the server closed) outside the lock.
    Conn& c = slots_[index].conn;
    try {
      if (c.pg != nullptr && !healthy(c.pg)) drop(c);
      if (c.pg == nullptr) c.pg = connect();
      if (!schema_ready_.load()) ensure_schema(c);
    } catch (...) {
      release(index);
      throw;
    }
    return index;
  }

  void release(std::size_t index) {
    Conn& c = slots_[index].conn;
    if (c.pg != nullptr && !c.broken && PQtransactionStatus(c.pg) != PQTRANS_IDLE) {
      // A call failed inside a transaction: roll it back, or give the connection up.
      try {
        exec(c, "ROLLBACK", Params());
      } catch (const StoreError&) {
        c.broken = true;
      }
    }
    if (c.broken || (c.pg != nullptr && PQstatus(c.pg) != CONNECTION_OK)) drop(c);
    {
      std::lock_guard lock(mu_);
      slots_[index].busy = false;
    }
    cv_.notify_one();
  }

  static void drop(Conn& c) {
    if (c.pg != nullptr) PQfinish(c.pg);
    c.pg = nullptr;
    c.broken = false;
  }

  // False when the server has closed an idle connection (a restart, an administrator). An idle
  // session gets nothing unasked for (no LISTEN here), so a readable socket means the server's
  // goodbye or a closed socket; at worst a needless reconnect.
  static bool healthy(PGconn* pg) {
    if (PQstatus(pg) != CONNECTION_OK || PQtransactionStatus(pg) != PQTRANS_IDLE) return false;
    struct pollfd p {
      PQsocket(pg), POLLIN, 0
    };
    return ::poll(&p, 1, 0) == 0;
  }

  PGconn* connect() {
    const std::string connect_timeout = std::to_string(std::max(2u, (opts_.timeout_ms + 999) / 1000));
    // The URL's own parameters win over these defaults; the client encoding is always UTF-8.
    const char* keys[] = {"connect_timeout", "application_name",    "keepalives",
                          "keepalives_idle", "keepalives_interval", "keepalives_count",
                          "dbname",          "client_encoding",     nullptr};
    const char* values[] = {
        connect_timeout.c_str(), "support-milter", "1", "30", "10", "3", url_.c_str(), "UTF8", nullptr};
    PGconn* pg = PQconnectdbParams(keys, values, 1);
    if (pg == nullptr) throw StoreError(name_ + ": out of memory");
    if (PQstatus(pg) != CONNECTION_OK) {
      std::string msg(trim(PQerrorMessage(pg)));
      PQfinish(pg);
      throw StoreError(name_ + ": cannot connect: " + msg);
    }
    // Server notices ("already exists, skipping") are not errors; keep them off stderr.
    PQsetNoticeProcessor(
        pg, [](void*, const char*) {}, nullptr);
    if (PQsetnonblocking(pg, 1) != 0) {
      PQfinish(pg);
      throw StoreError(name_ + ": cannot use a non-blocking connection");
    }
    Conn c{pg, false};
    try {
      exec(c, "SELECT set_config('statement_timeout', $1, false)",
           Params().text(std::to_string(opts_.timeout_ms)));
    } catch (...) {
      PQfinish(pg);
      throw;
    }
    return pg;
  }

  // Waits for the socket until the deadline; a missed deadline breaks the connection.
  void wait(Conn& c, short events, Clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left > 0) {
      struct pollfd p {
        PQsocket(c.pg), events, 0
      };
      int n = ::poll(&p, 1, static_cast<int>(std::min<long long>(left, 60000)));
      if (n != 0) return;  // ready, or interrupted: the caller looks again
      if (Clock::now() < deadline) return;
    }
    c.broken = true;
    throw StoreError(name_ + ": no answer within " + std::to_string(opts_.timeout_ms + 1000) +
                     " ms; connection dropped");
  }

  [[noreturn]] void lost(Conn& c) {
    c.broken = true;
    throw StoreError(name_ + ": connection lost: " + std::string(trim(PQerrorMessage(c.pg))));
  }

  // Runs one statement (or, without parameters, a script) and returns its last result.
  Result exec(Conn& c, const std::string& sql, const Params& p) {
    auto deadline = Clock::now() + std::chrono::milliseconds(opts_.timeout_ms + 1000);
    int sent = 0;
    if (p.size() == 0) {
      sent = PQsendQuery(c.pg, sql.c_str());
    } else {
      std::vector<const char*> values;
      std::vector<int> lengths;
      p.pointers(values, lengths);
      sent = PQsendQueryParams(c.pg, sql.c_str(), p.size(), nullptr, values.data(), lengths.data(),
                               p.formats(), 0);
    }
    if (sent == 0) lost(c);
    for (;;) {
      int f = PQflush(c.pg);
      if (f == 0) break;
      if (f < 0) lost(c);
      wait(c, POLLOUT | POLLIN, deadline);
      if (PQconsumeInput(c.pg) == 0) lost(c);
    }
    Result last;
    std::string error;
    for (;;) {
      while (PQisBusy(c.pg)) {
        wait(c, POLLIN, deadline);
        if (PQconsumeInput(c.pg) == 0) lost(c);
      }
      PGresult* r = PQgetResult(c.pg);
      if (r == nullptr) break;
      Result res(r);
      auto st = PQresultStatus(r);
      if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        last = std::move(res);
      } else if (error.empty()) {
        error = std::string(trim(PQresultErrorMessage(r)));
        if (error.empty()) error = PQresStatus(st);
      }
    }
    if (PQstatus(c.pg) != CONNECTION_OK) lost(c);
    if (!error.empty()) throw StoreError(name_ + ": " + error);
    return last;
  }

  static StoredMessage read_message(const Result& r, int row) {
    StoredMessage m;
    m.message_id = r.text(row, 0);
    m.thread_id = r.text(row, 1);
    m.direction = direction_from_string(r.text(row, 2)).value_or(Direction::other);
    m.time = r.integer(row, 3);
    m.subject = r.text(row, 4);
    m.question_count = static_cast<int>(r.integer(row, 5));
    m.fingerprints = r.fingerprints(row, 6);
    m.complaint = r.integer(row, 7) != 0;
    m.status = r.text(row, 8);
    m.sla_pending = r.text(row, 9);
    m.queue_id = r.text(row, 10);
    m.instance = r.text(row, 11);
    m.envelope_sender = r.text(row, 12);
    m.envelope_recipients = unpack_recipients(r.text(row, 13));
    return m;
  }

  static void read_participants(Lease& l, const std::vector<StoredMessage*>& messages) {
    if (messages.empty()) return;
    std::vector<std::string> ids;
    ids.reserve(messages.size());
    for (const auto* m : messages) ids.push_back(m->message_id);
    auto r = l.exec(
        "SELECT message_id, role, address, display FROM participants WHERE message_id = ANY($1::text[]) "
        "ORDER BY message_id, pos",
        Params().text(text_array(ids)));
    for (int i = 0; i < r.rows(); ++i) {
      auto id = r.text(i, 0);
      auto role = role_from_string(r.text(i, 1));
      if (!role) continue;
      for (auto* m : messages)
        if (m->message_id == id) m->participants.push_back({*role, r.text(i, 2), r.text(i, 3)});
    }
  }

  static ThreadInfo read_thread(const Result& r, int row) {
    ThreadInfo t;
    t.thread_id = r.text(row, 0);
    t.subject = r.text(row, 1);
    t.created = r.integer(row, 2);
    t.last_activity = r.integer(row, 3);
    t.sla = r.text(row, 4);
    return t;
  }

  // Once per store object, on the first connection: the missing migrations, in order. A failure
  // leaves the transaction to release() (rolled back) and is tried again by the next call.
  void ensure_schema(Conn& c) {
    std::lock_guard lock(schema_mu_);
    if (schema_ready_.load()) return;
    auto exec_on = [&](const std::string& sql, const Params& p = Params()) { return exec(c, sql, p); };
    exec_on("BEGIN");
    exec_on("SELECT pg_advisory_xact_lock($1::int, $2::int)",
            Params().integer(kLockClass).integer(kMigrateLock));
    exec_on(
        "CREATE TABLE IF NOT EXISTS schema_version("
        "version integer PRIMARY KEY, applied timestamptz NOT NULL DEFAULT now())");
    auto r = exec_on("SELECT coalesce(max(version), 0) FROM schema_version");
    auto version = r.integer(0, 0);
    if (version > kSchemaVersion)
      throw StoreError(name_ + ": schema version " + std::to_string(version) +
                       " is newer than this support-milter (" + std::to_string(kSchemaVersion) + ")");
    for (const auto& m : kMigrations) {
      if (m.version <= version) continue;
      exec_on(m.sql);
      if (m.version == kSubjectKeyVersion) {
        auto threads = exec_on("SELECT thread_id, subject FROM threads");
        for (int i = 0; i < threads.rows(); ++i)
          exec_on("UPDATE threads SET subject_key = $2 WHERE thread_id = $1",
                  Params().text(threads.text(i, 0)).text(subject_key(threads.text(i, 1))));
      }
      exec_on("INSERT INTO schema_version(version) VALUES($1)", Params().integer(m.version));
    }
    exec_on("COMMIT");
    schema_ready_.store(true);
  }

  void close_all() {
    for (auto& s : slots_) drop(s.conn);
    drop(sweep_conn_);
  }

  const std::string url_;
  const std::string name_;
  const PgOptions opts_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<Slot> slots_;
  std::mutex sweep_mu_;
  Conn sweep_conn_;
  std::mutex schema_mu_;
  std::atomic<bool> schema_ready_{false};
};

}  // namespace

std::string redact_pg_url(const std::string& url) {
  std::string out = url;
  // user:password@ in the authority part.
  auto scheme = out.find("://");
  if (scheme != std::string::npos) {
    auto start = scheme + 3;
    auto end = out.find_first_of("/?", start);
    auto at = out.rfind('@', end == std::string::npos ? out.size() : end);
    if (at != std::string::npos && at > start) {
      auto colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  // password=... among the query parameters.
  auto q = out.find('?');
  for (auto pos = q; pos != std::string::npos; pos = out.find('&', pos + 1)) {
    if (out.compare(pos + 1, 9, "password=") == 0) {
      auto vstart = pos + 10;
      auto vend = out.find('&', vstart);
      out.replace(vstart, (vend == std::string::npos ? out.size() : vend) - vstart, "***");
    }
  }
  return out;
}

std::unique_ptr<ThreadStore> open_pg_store(const std::string& url, const PgOptions& opts) {
  return std::make_unique<PgStore>(url, opts);
}

}  // namespace sm
