// Reading the fields of a JSON object that may be absent or of another type (postqueue -j output,
// audit records): the value, or empty / zero / nullopt. A reader is written once, over any tree
// that answers the JsonObject concept below: nlohmann::json through NlohmannView here, and
// simdjson's tree where a reader needs its speed (pipeline/audit_record.cpp).
#pragma once
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace sm {

// A JSON value of some parser's tree: its type, its scalar (of that type), and its members (in key
// order) or elements.
template <class V>
concept JsonValue = requires(const V& v, std::string_view key, void (*on_element)(const V&),
                             void (*on_member)(std::string_view, const V&)) {
  { v.find(key) } -> std::same_as<std::optional<V>>;
  { v.is_string() } -> std::same_as<bool>;
  { v.is_number() } -> std::same_as<bool>;
  { v.is_float() } -> std::same_as<bool>;
  { v.is_bool() } -> std::same_as<bool>;
  { v.is_array() } -> std::same_as<bool>;
  { v.is_object() } -> std::same_as<bool>;
  { v.string() } -> std::convertible_to<std::string_view>;
  { v.integer() } -> std::same_as<std::int64_t>;  // a float cut towards zero
  { v.real() } -> std::same_as<double>;
  { v.boolean() } -> std::same_as<bool>;
  { v.json() } -> std::same_as<nlohmann::json>;  // the value as nlohmann's tree
  v.elements(on_element);
  v.members(on_member);
};

// An object to read fields from: a value, or a record's own fields held for quick lookup.
template <class O>
concept JsonObject = requires(const O& o, std::string_view key) {
  { o.find(key) } -> std::same_as<std::optional<typename O::Value>>;
  requires JsonValue<typename O::Value>;
};

// nlohmann::json as a JsonValue; the view holds a pointer to a value that outlives it.
class NlohmannView {
 public:
  using Value = NlohmannView;
  explicit NlohmannView(const nlohmann::json& j) : j_(&j) {}
  std::optional<NlohmannView> find(std::string_view key) const {
    if (!j_->is_object()) return std::nullopt;
    auto it = j_->find(key);
    if (it == j_->end()) return std::nullopt;
    return NlohmannView(*it);
  }
  bool is_string() const { return j_->is_string(); }
  bool is_number() const { return j_->is_number(); }
  bool is_float() const { return j_->is_number_float(); }
  bool is_bool() const { return j_->is_boolean(); }
  bool is_array() const { return j_->is_array(); }
  bool is_object() const { return j_->is_object(); }
  const std::string& string() const { return j_->get_ref<const std::string&>(); }
  std::int64_t integer() const { return is_float() ? static_cast<std::int64_t>(j_->get<double>()) : j_->get<std::int64_t>(); }
  double real() const { return j_->get<double>(); }
  bool boolean() const { return j_->get<bool>(); }
  nlohmann::json json() const { return *j_; }
  template <class F>
  void elements(F&& f) const {
    for (const auto& e : *j_) f(NlohmannView(e));
  }
  template <class F>
  void members(F&& f) const {
    for (const auto& [key, value] : j_->items()) f(std::string_view(key), NlohmannView(value));
  }

 private:
  const nlohmann::json* j_;
};

template <JsonObject O>
std::optional<std::string> json_opt_string(const O& o, std::string_view key) {
  auto m = o.find(key);
  if (!m || !m->is_string()) return std::nullopt;
  return std::string(m->string());
}

template <JsonObject O>
std::string json_string(const O& o, std::string_view key) {
  auto m = o.find(key);
  return m && m->is_string() ? std::string(m->string()) : std::string();
}

// A number as json::get<std::int64_t>() gives it (a float cut towards zero).
template <JsonObject O>
std::optional<std::int64_t> json_opt_integer(const O& o, std::string_view key) {
  auto m = o.find(key);
  if (!m || !m->is_number()) return std::nullopt;
  return m->integer();
}

template <JsonObject O>
std::optional<bool> json_opt_bool(const O& o, std::string_view key) {
  auto m = o.find(key);
  if (!m || !m->is_bool()) return std::nullopt;
  return m->boolean();
}

// True only for a boolean true.
template <JsonObject O>
bool json_flag(const O& o, std::string_view key) {
  return json_opt_bool(o, key).value_or(false);
}

// The strings of an array (its other elements left out).
template <JsonObject O>
std::vector<std::string> json_strings(const O& o, std::string_view key) {
  std::vector<std::string> out;
  auto m = o.find(key);
  if (!m || !m->is_array()) return out;
  m->elements([&](const auto& e) {
    if (e.is_string()) out.emplace_back(e.string());
  });
  return out;
}

// The field when it is an object.
template <JsonObject O>
std::optional<typename O::Value> json_opt_object(const O& o, std::string_view key) {
  auto m = o.find(key);
  if (!m || !m->is_object()) return std::nullopt;
  return m;
}

inline std::string json_string(const nlohmann::json& j, const char* key) { return json_string(NlohmannView(j), key); }

inline std::int64_t json_integer(const nlohmann::json& j, const char* key) {
  return json_opt_integer(NlohmannView(j), key).value_or(0);
}

}  // namespace sm
