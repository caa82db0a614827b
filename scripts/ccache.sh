# shellcheck shell=bash
# Sourced by the build scripts: when ccache is installed (scripts/install-deps.sh installs it), the
# compilers run through it, with paths taken relative to the repository, so that another clone of
# the same sources, or a rebuild after `git clean`, compiles only what changed. Sets the array
# ccache_launcher to the cmake options that say so (empty without ccache).
ccache_launcher=()
if command -v ccache >/dev/null; then
  export CCACHE_BASEDIR=$PWD CCACHE_NOHASHDIR=1
  ccache_launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
fi
