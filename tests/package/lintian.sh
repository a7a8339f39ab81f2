#!/usr/bin/env bash
# lintian on the packages test_deb.sh built: no errors (E:) in any of them; warnings are shown.
#   lintian.sh DEB_DIR
set -uo pipefail
DIR=$1
if ! command -v lintian >/dev/null; then
  echo "skipped: lintian is not installed (apt-get install lintian; scripts/install-deps.sh does)"
  exit 77
fi
debs=("$DIR"/*.deb)
# package_deb makes them; when it was skipped (not root) there is nothing to check.
[ -e "${debs[0]}" ] || { echo "skipped: no packages in $DIR (the package_deb test makes them)"; exit 77; }
status=0
for d in "${debs[@]}"; do
  echo "== lintian $(basename "$d")"
  out=$(lintian --tag-display-limit 0 "$d" 2>&1)
  printf '%s\n' "$out"
  if grep -q "^E:" <<<"$out"; then status=1; fi
done
[ $status -eq 0 ] && echo "lintian: no errors" || echo "FAIL: lintian reports errors"
exit $status
