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
find_package(ICU REQUIRED COMPONENTS uc i18n)
find_package(Boost 1.74 REQUIRED COMPONENTS log log_setup)
find_package(tomlplusplus REQUIRED)
find_package(CLI11 REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(OpenSSL REQUIRED COMPONENTS Crypto)

# mimetic ships neither pkg-config nor a CMake package.
find_library(MIMETIC_LIBRARY mimetic REQUIRED)
find_path(MIMETIC_INCLUDE_DIR mimetic/mimetic.h REQUIRED)
add_library(mimetic::mimetic UNKNOWN IMPORTED)
set_target_properties(mimetic::mimetic PROPERTIES
  IMPORTED_LOCATION ${MIMETIC_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${MIMETIC_INCLUDE_DIR})

# Snowball's stemmers (libstemmer-dev) ship neither pkg-config nor a CMake package.
find_library(STEMMER_LIBRARY stemmer REQUIRED)
find_path(STEMMER_INCLUDE_DIR libstemmer.h REQUIRED)
add_library(Snowball::stemmer UNKNOWN IMPORTED)
set_target_properties(Snowball::stemmer PROPERTIES
  IMPORTED_LOCATION ${STEMMER_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${STEMMER_INCLUDE_DIR})

# libcsv (libcsv-dev: RFC 4180 quoting for the report's CSV) ships neither pkg-config nor a CMake package.
find_library(CSV_LIBRARY csv REQUIRED)
find_path(CSV_INCLUDE_DIR csv.h REQUIRED)
add_library(libcsv::csv UNKNOWN IMPORTED)
set_target_properties(libcsv::csv PROPERTIES
  IMPORTED_LOCATION ${CSV_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES ${CSV_INCLUDE_DIR})
