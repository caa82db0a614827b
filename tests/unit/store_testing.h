// What the store tests write: a message of a thread with two participants, and a new thread.
#pragma once
#include <string>

#include "store/thread_store.h"

namespace sm::test {

inline StoredMessage msg(const std::string& id, const std::string& thread, Direction d, TimeMs t) {
  StoredMessage m;
  m.message_id = id;
  m.thread_id = thread;
  m.direction = d;
  m.time = t;
  m.subject = "Invoice 4471";
  m.participants = {{Role::from, "ana@client.example", "ana@client.example"},
                    {Role::cc, "bob@client.example", "Bob"}};
  m.question_count = 2;
  m.fingerprints = {1, 2, 0xffffffffffffffffULL};
  return m;
}

inline ThreadInfo thread(const std::string& id, TimeMs t) {
  return {id, "Invoice 4471", t, t, "", {}};
}

}  // namespace sm::test
