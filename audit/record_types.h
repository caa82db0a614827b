// The JSON types of the audit record fields that readers rely on, in one table. Every reader of
// audit records (report, held, audit verify) asks this before it reads a record: a record with a
// field of the wrong type is named (file:line and the field) and skipped, never a crash. Fields the
// table does not name are not read as any type by the readers.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace sm {

// "" when every field of `record` that the table names has its type (absent fields are fine);
// else what is wrong, e.g. `field "sla.latency_s" is a string, not a number or null`.
std::string audit_record_type_problem(const nlohmann::json& record);

// The table itself, for a reader that walks records in another parser (pipeline/audit_record.cpp).
enum AuditFieldKind : unsigned {
  kString = 1,
  kNumber = 2,
  kUnsigned = 4,
  kBool = 8,
  kObject = 16,
  kArray = 32,
  kNull = 64,
};
struct AuditFieldType {
  // "a.b": field b of object a; "a[].b": field b of every object in array a; "a.*": every field
  // of object a
  const char* path;
  unsigned kinds;  // AuditFieldKind, or-ed
};
const std::vector<AuditFieldType>& audit_field_types();

}  // namespace sm
