#!/usr/bin/env bash
# The README's two commands on a fresh Debian 12, the way a newcomer runs them: builds a minimal
# Debian 12 root with debootstrap (variant minbase, nothing else installed), clones this
# repository's current commit into /root/<name> inside it (a directory only root can enter), and
# runs, as root, from the clone:
#   bash scripts/demo.sh
#   bash scripts/test.sh          (SUPPORT_MILTER_QUICK=1 with --quick)
# exactly as the README writes them. Exits non-zero when either fails and prints the tail of its
# output; the whole output of each is kept in the work directory it names.
#
# Run as root, like the package test; not part of ctest (it takes the better part of an hour and
# downloads every package the project needs). The root runs in its own mount, PID and UTS
# namespaces: every process started inside ends with it and no mount outlives it. The packages
# come from the mirror this machine's own APT sources name.
#
# Usage: tests/fresh/run.sh [--quick] [--name NAME] [--keep] [--workdir DIR]
#   --quick        the second command with SUPPORT_MILTER_QUICK=1 (the plain suite only)
#   --name NAME    the clone's directory under /root (default: project)
#   --keep         keep the root afterwards (its path is printed)
#   --workdir DIR  where to build the root (default: a new directory under /var/tmp)
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
quick=0 keep=0 name=project workdir=""
while (($#)); do
  case "$1" in
    --quick) quick=1 ;;
    --keep) keep=1 ;;
    --name) name=$2; shift ;;
    --workdir) workdir=$2; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "fresh: unknown argument $1 (see --help)" >&2; exit 64 ;;
  esac
  shift
done
[[ $name =~ ^[A-Za-z0-9._-]+$ ]] || { echo "fresh: --name must be a plain directory name" >&2; exit 64; }
if [[ $(id -u) != 0 ]]; then
  echo "fresh: run as root (debootstrap, chroot and namespaces need it)" >&2
  exit 77
fi

# The mirror of this machine's own Debian sources (deb822 or one-line format).
mirror=$(
  { cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
      /^URIs:/ { uri = $2 } /^Suites:/ { suites = $0 }
      /^$/ { if (suites ~ /bookworm( |$)/ && uri != "") { print uri; exit } uri = ""; suites = "" }
      END { if (suites ~ /bookworm( |$)/ && uri != "") print uri }'
    { grep -shE '^deb +(\[[^]]*\] +)?[a-z]+://[^ ]+ +bookworm +' /etc/apt/sources.list /etc/apt/sources.list.d/*.list || true; } |
      sed -E 's/^deb +(\[[^]]*\] +)?//' | awk '{ print $1 }'
  } | head -n 1 || true)
[[ -n $mirror ]] || { echo "fresh: no Debian bookworm mirror in this machine's APT sources" >&2; exit 1; }

if ! command -v debootstrap >/dev/null; then
  echo "fresh: installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
fi

commit=$(git -C "$repo" rev-parse HEAD)
if [[ -n $(git -C "$repo" status --porcelain) ]]; then
  echo "fresh: note: the working tree has uncommitted changes; the fresh root gets commit ${commit:0:12} only"
fi

work=${workdir:-$(mktemp -d /var/tmp/support-milter-fresh.XXXXXX)}
mkdir -p "$work"
root=$work/root
cleanup() {
  if ((keep)); then
    echo "fresh: kept $root"
  elif grep -q " $root/" /proc/self/mounts; then
    echo "fresh: something is still mounted under $root; left in place" >&2
  else
    rm -rf --one-file-system "$root"
  fi
}
trap cleanup EXIT

echo "fresh: debootstrap --variant=minbase bookworm $root (mirror $mirror)"
if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
  echo "fresh: debootstrap failed; the end of its output:" >&2
  tail -n 30 "$work/debootstrap.log" >&2
  exit 1
fi

# What a freshly installed machine has beyond the packages: its APT sources (the release, its
# updates and its security archive), a host name it can resolve and a resolver. Services are not
# started by package installation inside the root (policy-rc.d), as on any Debian chroot or image.
cat >"$root/etc/apt/sources.list" <<EOF
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/}-security bookworm-security main
EOF
cp /etc/resolv.conf "$root/etc/resolv.conf"
echo fresh-debian >"$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 fresh-debian\n::1 localhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
chmod 755 "$root/usr/sbin/policy-rc.d"
chmod 700 "$root/root"

echo "fresh: git clone of ${commit:0:12} into /root/$name"
git clone --quiet --no-local "$repo" "$root/root/$name"
git -C "$root/root/$name" checkout --quiet --detach "$commit"

# One README command inside the root, in fresh namespaces; its output goes to $work/<log>.
run_in_root() {
  local log=$1 cmd=$2
  unshare --mount --pid --fork --uts --kill-child /bin/bash -c '
    set -e
    root=$1
    mount --make-rprivate /
    mount --rbind /dev "$root/dev"
    mount -t proc proc "$root/proc"
    mount -t sysfs sysfs "$root/sys"
    hostname fresh-debian
    exec chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      /bin/bash -c "cd /root/$2 && $3"
  ' fresh "$root" "$name" "$cmd" >"$work/$log" 2>&1
}

status=0
for step in demo test; do
  if [[ $step == demo ]]; then
    cmd="bash scripts/demo.sh"
  elif ((quick)); then
    cmd="SUPPORT_MILTER_QUICK=1 bash scripts/test.sh"
  else
    cmd="bash scripts/test.sh"
  fi
  echo "fresh: $cmd   (output: $work/$step.log)"
  start=$(date +%s)
  if run_in_root "$step.log" "$cmd"; then
    echo "fresh: $step passed in $(($(date +%s) - start)) s"
    grep -E 'tests passed|tests failed|^== ' "$work/$step.log" | sed 's/^/  /' || true
  else
    rc=$?
    echo "fresh: $step FAILED (exit $rc) after $(($(date +%s) - start)) s; the end of its output:" >&2
    tail -n 60 "$work/$step.log" >&2
    status=1
    break
  fi
done
exit $status
