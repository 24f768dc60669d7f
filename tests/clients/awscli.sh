#!/usr/bin/env bash
# aws-cli (newest from PyPI, default settings) against Gureum.
. "$(dirname "$0")/lib.sh"
a() { aws --endpoint-url "$ENDPOINT" "$@"; }
step mb;            a s3 mb "s3://$BUCKET"
step "put 1 KiB";   a s3 cp "$WORK/fx/small.bin" "s3://$BUCKET/small.bin"
step "put 50 MiB (multipart)"; a s3 cp "$WORK/fx/big.bin" "s3://$BUCKET/big/big.bin"
step ls;            out=$(a s3 ls --recursive "s3://$BUCKET"); echo "$out"
echo "$out" | grep -q "small.bin" || fail "small.bin not listed"
echo "$out" | grep -q "52428800 big/big.bin" || fail "big.bin not listed with its size"
step "etag is multipart"; a s3api head-object --bucket "$BUCKET" --key big/big.bin --query ETag --output text | grep -q -- '-[0-9]' || fail "no multipart ETag"
step get;           a s3 cp "s3://$BUCKET/small.bin" "$T/small.bin"; same_file "$WORK/fx/small.bin" "$T/small.bin"
a s3 cp "s3://$BUCKET/big/big.bin" "$T/big.bin"; same_file "$WORK/fx/big.bin" "$T/big.bin"
step "server-side copy"; a s3 cp "s3://$BUCKET/big/big.bin" "s3://$BUCKET/copy/big.bin"
a s3 cp "s3://$BUCKET/copy/big.bin" "$T/copy.bin"; same_file "$WORK/fx/big.bin" "$T/copy.bin"
step "sync up";     a s3 sync "$WORK/fx/tree" "s3://$BUCKET/tree" --only-show-errors
n=$(a s3 ls --recursive "s3://$BUCKET/tree/" | wc -l); [ "$n" -eq 200 ] || fail "expected 200 objects, got $n"
step "sync down";   a s3 sync "s3://$BUCKET/tree" "$T/tree" --only-show-errors; same_tree "$WORK/fx/tree" "$T/tree"
step "sync again transfers nothing"
up=$(a s3 sync "$WORK/fx/tree" "s3://$BUCKET/tree"); [ -z "$up" ] || fail "second upload sync transferred: $up"
down=$(a s3 sync "s3://$BUCKET/tree" "$T/tree"); [ -z "$down" ] || fail "second download sync transferred: $down"
step "presigned GET with curl"
url=$(a s3 presign "s3://$BUCKET/small.bin" --expires-in 300)
curl -sSf -o "$T/presigned.bin" "$url"; same_file "$WORK/fx/small.bin" "$T/presigned.bin"
step delete;        a s3 rm --recursive "s3://$BUCKET" --only-show-errors
[ -z "$(a s3 ls --recursive "s3://$BUCKET")" ] || fail "bucket not empty after rm"
step rb;            a s3 rb "s3://$BUCKET"
a s3api head-bucket --bucket "$BUCKET" 2>/dev/null && fail "bucket still exists"
echo ok
