#!/usr/bin/env bash
# The Debian package built in a clean Debian 12 root: proves that debian/control declares every
# build requirement. Builds a minimal root with debootstrap (variant minbase), copies the working
# tree's files (tracked and untracked, less what .gitignore ignores, as the package test does)
# into /root/src/support-milter inside it, and there, as root:
#   apt-get install build-essential           the only package named by hand
#   apt-get build-dep ./                      debian/control's Build-Depends, nothing else
#   dpkg-buildpackage -us -uc -b              (DEB_BUILD_OPTIONS parallel=2)
# then checks that one support-milter .deb came out with the files the package ships, installs it
# in the same root with apt (its Depends resolve, its maintainer scripts run without systemd),
# runs `support-milter --version` and `configtest` on the installed config there, and checks the
# socket's directory it made without Postfix (/var/spool/postfix/support-milter, group
# support-milter, mode 2750). Then it installs Postfix there after the package, as Recommends may
# order it: the package's trigger gives that directory the group postfix, and `setup-postfix --yes`
# on Debian's stock master.cf (smtpd and cleanup chrooted) writes the socket relative to the queue
# directory, without a warning. Last it runs lintian on the .deb when this machine has it. Exits non-zero on the first failure and prints the tail of
# the step's output; every step's whole output is kept in the work directory it names, and the
# .deb is copied there.
#
# Run as root, like the package test; not part of ctest (8 to 18 minutes on two cores, most of it
# the package build, and it downloads the build dependencies). The root runs in its own mount, PID and UTS
# namespaces (tests/lib/debian_root.sh, shared with tests/fresh/run.sh); its packages come from
# the mirror this machine's own APT sources name.
#
# Usage: tests/package/clean_build.sh [--keep] [--workdir DIR]
#   --keep         keep the root afterwards (its path is printed)
#   --workdir DIR  where to build the root (default: a new directory under /var/tmp)
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
root_tag=clean-build
# shellcheck source=tests/lib/debian_root.sh
source "$repo/tests/lib/debian_root.sh"
keep=0 workdir=""
while (($#)); do
  case "$1" in
    --keep) keep=1 ;;
    --workdir) workdir=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "clean-build: unknown argument $1 (see --help)" >&2; exit 64 ;;
  esac
  shift
done
debian_root_require_root

work=${workdir:-$(mktemp -d /var/tmp/support-milter-clean-build.XXXXXX)}
mkdir -p "$work"
root=$work/root
cleanup() {
  if ((keep)); then
    echo "clean-build: kept $root"
  else
    debian_root_remove "$root" || true
  fi
}
trap cleanup EXIT

began=$(date +%s)
step_start=$began
# step NAME CMD: runs CMD in the root from the source directory, its output into $work/NAME.log.
step() {
  local name=$1 cmd=$2 start
  start=$(date +%s)
  echo "clean-build: $name   (output: $work/$name.log)"
  if ! debian_root_run "$root" /root/src/support-milter "$cmd" >"$work/$name.log" 2>&1; then
    echo "clean-build: $name FAILED after $(($(date +%s) - start)) s; the end of its output:" >&2
    tail -n 60 "$work/$name.log" >&2
    exit 1
  fi
  echo "clean-build: $name done in $(($(date +%s) - start)) s"
}

debian_root_create "$root" "$work/debootstrap.log" clean-build-debian
echo "clean-build: debootstrap done in $(($(date +%s) - step_start)) s"

echo "clean-build: copying the working tree into /root/src/support-milter"
src=$root/root/src/support-milter
mkdir -p "$src"
git -C "$repo" ls-files -co --exclude-standard -z |
  (cd "$repo" && xargs -0 -r sh -c 'for f; do [ -f "$f" ] && printf "%s\0" "$f"; done' sh) |
  tar -C "$repo" --null -T - -cf - | tar -C "$src" -xf -

apt_env="export DEBIAN_FRONTEND=noninteractive"
step build-deps "$apt_env; apt-get update -qq &&
  apt-get install -y -qq --no-install-recommends build-essential &&
  apt-get build-dep -y -qq --no-install-recommends ./ &&
  dpkg-query -W -f='\${Package} \${Version}\n' | sort >../installed-packages.txt"
cp "$root/root/src/installed-packages.txt" "$work/"
echo "clean-build: $(wc -l <"$work/installed-packages.txt") packages in the root (list: $work/installed-packages.txt)"

step dpkg-buildpackage "DEB_BUILD_OPTIONS=parallel=2 dpkg-buildpackage -us -uc -b"

mapfile -t debs < <(find "$root/root/src" -maxdepth 1 -name 'support-milter_*.deb' -printf '%f\n')
if ((${#debs[@]} != 1)); then
  echo "clean-build: expected one support-milter .deb in /root/src, found: ${debs[*]:-none}" >&2
  exit 1
fi
deb=${debs[0]}
cp "$root/root/src/$deb" "$work/"
echo "clean-build: built $deb"

# What the package ships, by path (the package test checks them installed and at work).
dpkg-deb -c "$work/$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$work/contents.txt"
missing=()
for path in /usr/sbin/support-milter /etc/support-milter/support-milter.conf \
  /lib/systemd/system/support-milter.service /usr/lib/tmpfiles.d/support-milter.conf \
  /etc/logrotate.d/support-milter /usr/share/man/man8/support-milter.8.gz \
  /usr/share/man/man5/support-milter.conf.5.gz /usr/share/support-milter/lexicons/en/rude.txt \
  /usr/share/support-milter/grafana/support-milter.json \
  /usr/share/support-milter/prometheus/support-milter.rules.yml \
  /usr/share/support-milter/postfix/main.cf /usr/share/support-milter/sendmail/support-milter.mc; do
  grep -qxF "$path" "$work/contents.txt" || missing+=("$path")
done
if ((${#missing[@]})); then
  echo "clean-build: $deb lacks ${missing[*]} (contents: $work/contents.txt)" >&2
  exit 1
fi

step install "$apt_env; apt-get install -y -qq --no-install-recommends ../$deb &&
  support-milter --version &&
  support-milter configtest -c /etc/support-milter/support-milter.conf"
grep -E '^support-milter [0-9]|: ok' "$work/install.log" | sed 's/^/  /'

# The socket's directory with and without Postfix (the group the trigger hands over), and what
# setup-postfix writes on Debian's stock master.cf.
spool_dir=/var/spool/postfix/support-milter
step socket-dir-without-postfix "test \"\$(stat -c '%U %G %a' $spool_dir)\" = 'support-milter support-milter 2750' ||
  { stat $spool_dir; exit 1; }"
step postfix-after "$apt_env; apt-get install -y -qq --no-install-recommends postfix &&
  stat -c '%U %G %a' $spool_dir &&
  test \"\$(stat -c '%U %G %a' $spool_dir)\" = 'support-milter postfix 2750' &&
  postconf -F | grep -x 'cleanup/unix/chroot = y' &&
  support-milter setup-postfix --yes >setup-postfix.out && cat setup-postfix.out &&
  ! grep -q 'warning:' setup-postfix.out &&
  test \"\$(postconf -h smtpd_milters)\" = unix:support-milter/support-milter.sock"
sed -n '/^Changes:/,$p' "$work/postfix-after.log" | sed 's/^/  /' | head -20

if command -v lintian >/dev/null; then
  start=$(date +%s)
  echo "clean-build: lintian $deb   (output: $work/lintian.log)"
  if ! lintian --fail-on error,warning "$work/$deb" >"$work/lintian.log" 2>&1; then
    echo "clean-build: lintian FAILED; its output:" >&2
    cat "$work/lintian.log" >&2
    exit 1
  fi
  echo "clean-build: lintian done in $(($(date +%s) - start)) s"
else
  echo "clean-build: lintian is not installed here (scripts/install-deps.sh installs it); skipped"
fi
echo "clean-build: passed in $(($(date +%s) - began)) s"
