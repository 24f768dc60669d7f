#!/usr/bin/env bash
# s3cmd (Debian) against Gureum, path-style.
. "$(dirname "$0")/lib.sh"
host=${ENDPOINT#http://}
cat >"$T/s3cfg" <<CFG
[default]
access_key = $AWS_ACCESS_KEY_ID
secret_key = $AWS_SECRET_ACCESS_KEY
host_base = $host
host_bucket = $host
use_https = False
signature_v2 = False
bucket_location = us-east-1
CFG
s() { s3cmd -c "$T/s3cfg" "$@"; }
step mb;            s mb "s3://$BUCKET"
step "put 1 KiB";   s put "$WORK/fx/small.bin" "s3://$BUCKET/small.bin"
step "put 50 MiB (multipart)"; s put "$WORK/fx/big.bin" "s3://$BUCKET/big/big.bin"
step ls;            out=$(s ls -r "s3://$BUCKET"); echo "$out"
echo "$out" | grep -q "52428800.*big/big.bin" || fail "big.bin not listed"
step get;           s get "s3://$BUCKET/big/big.bin" "$T/big.bin"; same_file "$WORK/fx/big.bin" "$T/big.bin"
s get "s3://$BUCKET/small.bin" "$T/small.bin"; same_file "$WORK/fx/small.bin" "$T/small.bin"
step "server-side copy"; s cp "s3://$BUCKET/big/big.bin" "s3://$BUCKET/copy/big.bin"
s get "s3://$BUCKET/copy/big.bin" "$T/copy.bin"; same_file "$WORK/fx/big.bin" "$T/copy.bin"
step "sync up";     s sync "$WORK/fx/tree/" "s3://$BUCKET/tree/"
step "sync down";   mkdir -p "$T/tree"; s sync "s3://$BUCKET/tree/" "$T/tree/"; same_tree "$WORK/fx/tree" "$T/tree"
step "sync again transfers nothing"
up=$(s sync "$WORK/fx/tree/" "s3://$BUCKET/tree/" 2>&1); echo "$up" | grep -Eq "^upload:" && fail "second upload sync transferred: $up"
down=$(s sync "s3://$BUCKET/tree/" "$T/tree/" 2>&1); echo "$down" | grep -Eq "^download:" && fail "second download sync transferred: $down"
step "presigned GET with curl"
url=$(s signurl "s3://$BUCKET/small.bin" +300 | tail -n 1)
curl -sSf -o "$T/presigned.bin" "$url"; same_file "$WORK/fx/small.bin" "$T/presigned.bin"
step delete;        s del -r --force "s3://$BUCKET"
[ -z "$(s ls -r "s3://$BUCKET")" ] || fail "objects left"
step rb;            s rb "s3://$BUCKET"
echo ok
