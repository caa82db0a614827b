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
root_tag=fresh
# shellcheck source=tests/lib/debian_root.sh
source "$repo/tests/lib/debian_root.sh"
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
debian_root_require_root

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
  else
    debian_root_remove "$root" || true
  fi
}
trap cleanup EXIT

debian_root_create "$root" "$work/debootstrap.log" fresh-debian

echo "fresh: git clone of ${commit:0:12} into /root/$name"
git clone --quiet --no-local "$repo" "$root/root/$name"
git -C "$root/root/$name" checkout --quiet --detach "$commit"

# One README command inside the root, from the clone; its output goes to $work/<log>.
run_in_root() {
  debian_root_run "$root" "/root/$name" "$2" >"$work/$1" 2>&1
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
