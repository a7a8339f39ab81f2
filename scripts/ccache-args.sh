# Sourced by the build scripts: CMake arguments that put ccache in front of the compilers when it
# is installed (CI builds the tree three times: default, asan, fuzz), none otherwise.
qwenvl_ccache_args=()
if command -v ccache >/dev/null 2>&1; then
  export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
  qwenvl_ccache_args=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache
    -DCMAKE_CUDA_COMPILER_LAUNCHER=ccache)
fi
