// The whole pipeline over one benchmark message, a given number of times, and nothing else: the
// program bench/instructions.py runs under Valgrind's cachegrind to count the instructions one
// message costs. Instruction counts do not move with the machine's load or clock, so they show
// the effect of a change that the timings of a shared machine would hide in their noise.
//
//   bench_instructions <messages dir> <message name> <count>
//
// As BM_Pipeline/<name>_memory: the conversation's customer message first, then <count> copies of
// the reply, each with a Message-ID of its own, every rule on, the store SQLite in memory.
#include <cstdlib>
#include <iostream>
#include <string>

#include "config/config.h"
#include "message/mime.h"
#include "pipeline/pipeline.h"
#include "store/sqlite_store.h"
#include "wire_message.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: bench_instructions <messages dir> <message name> <count>\n";
    return 64;
  }
  try {
    using namespace sm;
    const std::string dir = argv[1], name = argv[2];
    const long count = std::strtol(argv[3], nullptr, 10);
    auto cfg = std::make_shared<Config>(*default_config());
    cfg->support.domains = {"support.example.com"};
    auto store = open_store("sqlite::memory:");
    Pipeline pipeline(store.get());
    const std::string lang = name.substr(name.size() - 2);
    Message customer = parse_message(bench::read_wire_message(dir + "/customer-" + lang + ".eml"), cfg->limits);
    pipeline.process(customer, Envelope{}, *customer.date, *cfg);
    const std::string reply = bench::read_wire_message(dir + "/" + name + ".eml");
    const std::size_t id_at = reply.find("Message-ID: <");
    if (id_at == std::string::npos) throw std::runtime_error(name + " has no Message-ID");
    for (long i = 0; i < count; ++i) {
      std::string copy = reply;
      copy.insert(id_at + 13, std::to_string(i) + ".");
      Message m = parse_message(copy, cfg->limits);
      pipeline.process(m, Envelope{}, *customer.date + 3600000, *cfg);
    }
  } catch (const std::exception& e) {
    std::cerr << "bench_instructions: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
