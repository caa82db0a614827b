#include "message/roles.h"

#include "base/enum_names.h"

namespace sm {

namespace {
constexpr NameRow<Direction> kDirections[] = {
    {Direction::inbound, "inbound"}, {Direction::outbound, "outbound"}, {Direction::internal, "internal"}, {Direction::other, "other"}};
constexpr NameRow<Role> kRoles[] = {{Role::from, "from"}, {Role::reply_to, "reply_to"}, {Role::to, "to"}, {Role::cc, "cc"}};
}  // namespace

const char* to_string(Direction d) { return name_of(kDirections, d, "other"); }
std::optional<Direction> direction_from_string(std::string_view s) { return value_of(kDirections, s); }

const char* to_string(Role r) { return name_of(kRoles, r, "to"); }
std::optional<Role> role_from_string(std::string_view s) { return value_of(kRoles, s); }

}  // namespace sm
