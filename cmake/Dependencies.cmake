# Every dependency comes from a Debian 12 package; see scripts/install-deps.sh.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

pkg_check_modules(MILTER REQUIRED IMPORTED_TARGET milter)
pkg_check_modules(GUMBO REQUIRED IMPORTED_TARGET gumbo)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
pkg_check_modules(XXHASH REQUIRED IMPORTED_TARGET libxxhash)
pkg_check_modules(MICROHTTPD REQUIRED IMPORTED_TARGET libmicrohttpd)
# libsodium (libsodium-dev): the audit log's sealing keys, MACs and anchor signatures.
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
# cpp-httplib (libcpp-httplib-dev): the HTTP server of `support-milter review`.
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
# simdjson (libsimdjson-dev): the quick reading of audit log lines (pipeline/audit_record.cpp).
pkg_check_modules(SIMDJSON REQUIRED IMPORTED_TARGET simdjson)
find_package(ICU REQUIRED COMPONENTS uc i18n)
find_package(Boost 1.74 REQUIRED COMPONENTS log log_setup)
find_package(tomlplusplus REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)

# A library that ships neither pkg-config nor a CMake package, as an imported target.
function(sm_imported_library target library header)
  string(MAKE_C_IDENTIFIER "${target}" id)
  find_library(${id}_LIBRARY ${library} REQUIRED)
  find_path(${id}_INCLUDE_DIR ${header} REQUIRED)
  add_library(${target} UNKNOWN IMPORTED)
  set_target_properties(${target} PROPERTIES
    IMPORTED_LOCATION ${${id}_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${${id}_INCLUDE_DIR})
endfunction()

sm_imported_library(mimetic::mimetic mimetic mimetic/mimetic.h)
# Snowball's stemmers (libstemmer-dev).
sm_imported_library(Snowball::stemmer stemmer libstemmer.h)
# libcsv (libcsv-dev): RFC 4180 quoting for the report's CSV.
sm_imported_library(libcsv::csv csv csv.h)
