#!/usr/bin/env bash
# Installs every Debian 12 package support-milter needs to build, test and run the demo.
# Idempotent: installs only what is missing. Run as root.
set -euo pipefail

packages=(
  # build
  build-essential cmake ninja-build pkg-config git ccache
  # libraries
  libmilter-dev libmimetic-dev libicu-dev icu-devtools libboost-log-dev libtomlplusplus-dev libcli11-dev
  nlohmann-json3-dev libgumbo-dev libsqlite3-dev libpq-dev libssl-dev libxxhash-dev libstemmer-dev libcsv-dev
  libmicrohttpd-dev libsodium-dev libcpp-httplib-dev libsimdjson-dev
  # tests
  googletest libgtest-dev libgmock-dev libbenchmark-dev python3 python3-yaml sqlite3
  # the alerting rules and the dashboard are checked with promtool and a real Prometheus
  prometheus python3-prometheus-client
  # mail software used by the demo and the integration tests (m4 builds the test Sendmail's .cf)
  postfix miltertest swaks m4
  # the end-to-end benchmark's peer milter (its harness has a smoke test)
  opendkim opendkim-tools
  # the PostgreSQL store's tests start a private server (initdb, pg_ctl, pg_isready)
  postgresql
  # the HTML report and the review page are checked in a real browser (the review page driven
  # through WebDriver)
  chromium chromium-driver python3-selenium
  # the Debian package (dpkg-buildpackage, lintian) and its test
  debhelper dpkg-dev fakeroot lintian
  # its build in a clean Debian root (tests/package/clean_build.sh)
  debootstrap
  # the fuzzers (libFuzzer with ASan and UBSan) and the benchmarks' profiles
  clang-14 libclang-rt-14-dev libfuzzer-14-dev linux-perf
  # the benchmarks' instruction counts (cachegrind)
  valgrind
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # Postfix asks no questions when its debconf answers are preset.
  if command -v debconf-set-selections >/dev/null; then
    printf 'postfix postfix/main_mailer_type select Local only\npostfix postfix/mailname string localhost\n' |
      debconf-set-selections
  fi
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
  # The tests start their own Prometheus on 127.0.0.1; the system service the package enables
  # is not wanted on a build machine: stopped and disabled when this script installed it.
  if [[ " ${missing[*]} " == *" prometheus "* ]]; then
    if [[ -d /run/systemd/system ]]; then
      systemctl disable --now prometheus.service >/dev/null 2>&1 || true
    else
      invoke-rc.d prometheus stop >/dev/null 2>&1 || true
      update-rc.d prometheus disable >/dev/null 2>&1 || true
    fi
  fi
else
  echo "install-deps: all packages present"
fi

# Sendmail for its integration tests. Its packages conflict with postfix, so they are downloaded,
# not installed; each test unpacks them into a private directory (tests/integration/sendmail_stack.py
# reads them from here, or from $SUPPORT_MILTER_SENDMAIL_DEBS).
sendmail_debs=${SUPPORT_MILTER_SENDMAIL_DEBS:-/var/cache/support-milter-test/sendmail}
need=()
for p in sendmail-bin sendmail-cf libwrap0; do
  compgen -G "$sendmail_debs/${p}_*.deb" >/dev/null || need+=("$p")
done
if ((${#need[@]})); then
  echo "install-deps: downloading ${need[*]} into $sendmail_debs"
  mkdir -p "$sendmail_debs"
  # apt's download user must be able to write there, or apt warns and downloads as root.
  chown _apt "$sendmail_debs" 2>/dev/null || true
  if ! (cd "$sendmail_debs" && apt-get download -qq "${need[@]}"); then
    apt-get update -qq
    (cd "$sendmail_debs" && apt-get download -qq "${need[@]}") ||
      echo "install-deps: could not download ${need[*]}; the Sendmail tests will be skipped" >&2
  fi
else
  echo "install-deps: Sendmail's packages present in $sendmail_debs"
fi
