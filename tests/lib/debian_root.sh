# shellcheck shell=bash
# A minimal Debian 12 root for the tests that need a machine with nothing installed: debootstrap
# (variant minbase) from the mirror this machine's own APT sources name, and commands run inside
# it in their own mount, PID and UTS namespaces, so every process started there ends with the
# command and no mount outlives it. Sourced by tests/fresh/run.sh and tests/package/clean_build.sh;
# messages start with "$root_tag: " (set it before sourcing).

root_tag=${root_tag:-debian-root}

# Prints the mirror of this machine's Debian bookworm sources (deb822 or one-line format).
debian_root_mirror() {
  local mirror
  mirror=$(
    { cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '
        /^URIs:/ { uri = $2 } /^Suites:/ { suites = $0 }
        /^$/ { if (suites ~ /bookworm( |$)/ && uri != "") { print uri; exit } uri = ""; suites = "" }
        END { if (suites ~ /bookworm( |$)/ && uri != "") print uri }'
      { grep -shE '^deb +(\[[^]]*\] +)?[a-z]+://[^ ]+ +bookworm +' /etc/apt/sources.list /etc/apt/sources.list.d/*.list || true; } |
        sed -E 's/^deb +(\[[^]]*\] +)?//' | awk '{ print $1 }'
    } | head -n 1 || true)
  [[ -n $mirror ]] || { echo "$root_tag: no Debian bookworm mirror in this machine's APT sources" >&2; return 1; }
  echo "$mirror"
}

# Exits unless run as root.
debian_root_require_root() {
  if [[ $(id -u) != 0 ]]; then
    echo "$root_tag: run as root (debootstrap, chroot and namespaces need it)" >&2
    exit 77
  fi
}

# debian_root_create ROOT LOG HOSTNAME: debootstraps ROOT (its output into LOG) and gives it what
# a freshly installed machine has beyond the packages: its APT sources (the release, its updates
# and its security archive), a host name it can resolve and a resolver. Services are not started
# by package installation inside the root (policy-rc.d), as on any Debian chroot or image.
debian_root_create() {
  local root=$1 log=$2 host=$3 mirror
  mirror=$(debian_root_mirror) || return 1
  if ! command -v debootstrap >/dev/null; then
    echo "$root_tag: installing debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  fi
  echo "$root_tag: debootstrap --variant=minbase bookworm $root (mirror $mirror)"
  if ! debootstrap --variant=minbase bookworm "$root" "$mirror" >"$log" 2>&1; then
    echo "$root_tag: debootstrap failed; the end of its output:" >&2
    tail -n 30 "$log" >&2
    return 1
  fi
  cat >"$root/etc/apt/sources.list" <<SOURCES
deb $mirror bookworm main
deb $mirror bookworm-updates main
deb ${mirror%/}-security bookworm-security main
SOURCES
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  echo "$host" >"$root/etc/hostname"
  printf '127.0.0.1 localhost\n127.0.1.1 %s\n::1 localhost ip6-localhost ip6-loopback\n' "$host" >"$root/etc/hosts"
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 755 "$root/usr/sbin/policy-rc.d"
  chmod 700 "$root/root"
}

# debian_root_remove ROOT: removes ROOT unless something is still mounted under it.
debian_root_remove() {
  local root=$1
  if grep -q " $root/" /proc/self/mounts; then
    echo "$root_tag: something is still mounted under $root; left in place" >&2
    return 1
  fi
  rm -rf --one-file-system "$root"
}

# debian_root_run ROOT DIR CMD: runs the bash command CMD as root in directory DIR inside ROOT,
# in fresh namespaces, with a clean environment; its output goes to this function's stdout/stderr.
debian_root_run() {
  unshare --mount --pid --fork --uts --kill-child /bin/bash -c '
    set -e
    root=$1 dir=$2 cmd=$3
    mount --make-rprivate /
    mount --rbind /dev "$root/dev"
    mount -t proc proc "$root/proc"
    mount -t sysfs sysfs "$root/sys"
    hostname "$(cat "$root/etc/hostname")"
    exec chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
      PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      /bin/bash -c "cd \"\$1\" && $cmd" bash "$dir"
  ' "$root_tag" "$1" "$2" "$3"
}
