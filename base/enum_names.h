// An enum's names as one table, a row a value: the name of a value, and the value of a name. Every
// to_string / *_from_string pair of the domain's enums reads its table through these two.
#pragma once
#include <optional>
#include <string_view>
#include <utility>

namespace sm {

template <class E>
using NameRow = std::pair<E, const char*>;

// The name of `e`; `fallback` for a value the table does not name.
template <class E, std::size_t N>
constexpr const char* name_of(const NameRow<E> (&rows)[N], E e, const char* fallback) {
  for (const auto& [value, name] : rows)
    if (value == e) return name;
  return fallback;
}

// The value named `s`; nullopt for a name the table does not have.
template <class E, std::size_t N>
constexpr std::optional<E> value_of(const NameRow<E> (&rows)[N], std::string_view s) {
  for (const auto& [value, name] : rows)
    if (s == name) return value;
  return std::nullopt;
}

}  // namespace sm
