#!/usr/bin/env bash
# rclone (Debian) against Gureum, configured as a plain S3 remote.
. "$(dirname "$0")/lib.sh"
export RCLONE_CONFIG_G_TYPE=s3 RCLONE_CONFIG_G_PROVIDER=Other RCLONE_CONFIG_G_ENV_AUTH=false
export RCLONE_CONFIG_G_ACCESS_KEY_ID=$AWS_ACCESS_KEY_ID RCLONE_CONFIG_G_SECRET_ACCESS_KEY=$AWS_SECRET_ACCESS_KEY
export RCLONE_CONFIG_G_ENDPOINT=$ENDPOINT RCLONE_CONFIG_G_REGION=us-east-1
# The sandbox may export AWS_CA_BUNDLE, which rclone cannot apply to plain HTTP.
r() { env -u AWS_CA_BUNDLE rclone --config /dev/null "$@"; }
step mkdir;         r mkdir "g:$BUCKET"
step "put 1 KiB";   r copyto "$WORK/fx/small.bin" "g:$BUCKET/small.bin"
step "put 50 MiB (multipart)"; r copyto "$WORK/fx/big.bin" "g:$BUCKET/big/big.bin"
step ls;            out=$(r ls "g:$BUCKET"); echo "$out"
echo "$out" | grep -q "52428800 big/big.bin" || fail "big.bin not listed"
step get;           r copyto "g:$BUCKET/big/big.bin" "$T/big.bin"; same_file "$WORK/fx/big.bin" "$T/big.bin"
r copyto "g:$BUCKET/small.bin" "$T/small.bin"; same_file "$WORK/fx/small.bin" "$T/small.bin"
step "server-side copy"; r copyto "g:$BUCKET/big/big.bin" "g:$BUCKET/copy/big.bin"
r copyto "g:$BUCKET/copy/big.bin" "$T/copy.bin"; same_file "$WORK/fx/big.bin" "$T/copy.bin"
step "sync up";     r sync "$WORK/fx/tree" "g:$BUCKET/tree"
step check;         r check "$WORK/fx/tree" "g:$BUCKET/tree"
step "sync down";   r sync "g:$BUCKET/tree" "$T/tree"; same_tree "$WORK/fx/tree" "$T/tree"
step "sync again transfers nothing"
for dir in up down; do
  if [ $dir = up ]; then src="$WORK/fx/tree"; dst="g:$BUCKET/tree"; else src="g:$BUCKET/tree"; dst="$T/tree"; fi
  stats=$(r sync "$src" "$dst" --stats-one-line -v 2>&1 | tail -n 5)
  echo "$stats" | grep -Eq "Copied \(new\)|Copied \(replaced" && fail "second $dir sync copied files: $stats"
done
step "presigned GET with curl"
url=$(r link "g:$BUCKET/small.bin" --expire 5m)
curl -sSf -o "$T/presigned.bin" "$url"; same_file "$WORK/fx/small.bin" "$T/presigned.bin"
step delete;        r purge "g:$BUCKET/tree"; r delete "g:$BUCKET"
[ -z "$(r ls "g:$BUCKET")" ] || fail "objects left"
step rmdir;         r rmdir "g:$BUCKET"
echo ok
