# Helpers sourced by each client script. `step` names what runs next so a
# failure points at it; every check exits non-zero on a mismatch.
set -euo pipefail
step() { echo "--- $(date +%T) $*"; }
fail() { echo "FAILED: $*" >&2; exit 1; }
same_file() { cmp -s "$1" "$2" || fail "$1 and $2 differ"; [ "$(sha256sum <"$1")" = "$(sha256sum <"$2")" ] || fail "sha256 differs"; }
same_tree() { diff -r "$1" "$2" >/dev/null || fail "trees $1 and $2 differ"; }
BUCKET="compat-$(basename "$0" .sh | tr -cd 'a-z0-9')-$RANDOM"
T=$(mktemp -d -p "$WORK")
