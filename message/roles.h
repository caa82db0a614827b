// Which way a message goes (from a customer to support, from support to a customer, inside
// support, or neither) and the roles of the addresses on it: the domain words the pipeline, the
// store, the rules and the SLA clock share, with their one spelling in the audit record and the
// store.
#pragma once
#include <optional>
#include <string_view>

namespace sm {

enum class Direction { inbound, outbound, internal, other };
const char* to_string(Direction d);
std::optional<Direction> direction_from_string(std::string_view s);

enum class Role { from, reply_to, to, cc };
const char* to_string(Role r);
std::optional<Role> role_from_string(std::string_view s);

}  // namespace sm
