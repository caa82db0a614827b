#include "message/roles.h"

namespace sm {

const char* to_string(Direction d) {
  switch (d) {
    case Direction::inbound: return "inbound";
    case Direction::outbound: return "outbound";
    case Direction::internal: return "internal";
    case Direction::other: return "other";
  }
  return "other";
}

std::optional<Direction> direction_from_string(std::string_view s) {
  for (Direction d : {Direction::inbound, Direction::outbound, Direction::internal, Direction::other})
    if (s == to_string(d)) return d;
  return std::nullopt;
}

const char* to_string(Role r) {
  switch (r) {
    case Role::from: return "from";
    case Role::reply_to: return "reply_to";
    case Role::to: return "to";
    case Role::cc: return "cc";
  }
  return "to";
}

std::optional<Role> role_from_string(std::string_view s) {
  for (Role r : {Role::from, Role::reply_to, Role::to, Role::cc})
    if (s == to_string(r)) return r;
  return std::nullopt;
}

}  // namespace sm
