#!/usr/bin/env bash
# CloudFront signed URLs and cookies made by AWS's own tools are accepted by
# a private (`signed = true`) edge distribution, and their tampered copies
# refused: botocore's CloudFrontSigner (RSA-SHA1, the `rsa` package
# aws-cli brings), `aws cloudfront sign`, and a signed cookie set built
# from botocore's custom policy. Starts a gureum-edge ($GUREUM_EDGE_BIN)
# in front of the suite's origin with a key pair made by openssl.
. "$(dirname "$0")/lib.sh"
EDGE_BIN=${GUREUM_EDGE_BIN:-$(dirname "$0")/../../target/debug/gureum-edge}
[ -x "$EDGE_BIN" ] || fail "no gureum-edge at $EDGE_BIN (set GUREUM_EDGE_BIN)"
command -v openssl >/dev/null || fail "openssl is needed"

step "key pair and a private distribution"
# PKCS#1 ("RSA PRIVATE KEY"): what the rsa package and aws-cli read.
openssl genrsa -traditional -out "$T/cf.pem" 2048 2>/dev/null
openssl rsa -in "$T/cf.pem" -pubout -out "$T/cf.pub.pem" 2>/dev/null
aws --endpoint-url "$ENDPOINT" s3 mb "s3://$BUCKET" >/dev/null
head -c 300000 /dev/urandom >"$T/clip.bin"
aws --endpoint-url "$ENDPOINT" s3 cp "$T/clip.bin" "s3://$BUCKET/paid/clip.bin" >/dev/null
printf '#EXTM3U\nseg0.ts\n' >"$T/index.m3u8"
aws --endpoint-url "$ENDPOINT" s3 cp "$T/index.m3u8" "s3://$BUCKET/paid/hls/index.m3u8" >/dev/null
aws --endpoint-url "$ENDPOINT" s3 cp "$T/clip.bin" "s3://$BUCKET/paid/hls/seg0.ts" >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat >"$T/edge.toml" <<TOML
listen = "127.0.0.1:$PORT"
[origin]
url = "$ENDPOINT"
access_key = "$AWS_ACCESS_KEY_ID"
secret_key = "$AWS_SECRET_ACCESS_KEY"
[cache]
disk_dir = "$T/edge-cache"
[[distribution]]
bucket = "$BUCKET"
prefix = "paid/"
signed = true
[[distribution.key]]
id = "K2JCJMDEHXQW5F"
public_key_file = "$T/cf.pub.pem"
TOML
"$EDGE_BIN" serve --config "$T/edge.toml" >"$T/edge.out" 2>"$T/edge.err" &
EDGE_PID=$!
trap 'kill $EDGE_PID 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q "listening on" "$T/edge.out" 2>/dev/null && break
  sleep 0.1
done
grep -q "listening on" "$T/edge.out" || { cat "$T/edge.err"; fail "edge did not start"; }
EDGE="http://127.0.0.1:$PORT"
code() { curl -s -o "$T/got" -w '%{http_code}' "$@"; }

step "unsigned request refused"
[ "$(code "$EDGE/$BUCKET/paid/clip.bin")" = 403 ] || fail "unsigned GET was not 403"
grep -q "<Code>AccessDenied</Code>" "$T/got" || fail "no AccessDenied body"

step "botocore CloudFrontSigner (canned and custom policies)"
python3 - "$T/cf.pem" "$EDGE/$BUCKET" >"$T/urls" <<'PY'
import datetime, sys
import rsa
from botocore.signers import CloudFrontSigner

key = rsa.PrivateKey.load_pkcs1(open(sys.argv[1], "rb").read())
signer = CloudFrontSigner("K2JCJMDEHXQW5F", lambda m: rsa.sign(m, key, "SHA-1"))
base = sys.argv[2]
soon = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=10)
print(signer.generate_presigned_url(base + "/paid/clip.bin", date_less_than=soon))
policy = signer.build_policy(base + "/paid/hls/*", soon)
print(signer.generate_presigned_url(base + "/paid/hls/seg0.ts", policy=policy))
# Signed cookies carry the same policy and signature (CloudFront-Policy, ...).
import base64
def url_b64(b):
    return base64.b64encode(b).replace(b"+", b"-").replace(b"=", b"_").replace(b"/", b"~").decode()
sig = rsa.sign(policy.encode(), key, "SHA-1")
print("CloudFront-Policy=%s; CloudFront-Signature=%s; CloudFront-Key-Pair-Id=K2JCJMDEHXQW5F"
      % (url_b64(policy.encode()), url_b64(sig)))
PY
CANNED=$(sed -n 1p "$T/urls")
CUSTOM=$(sed -n 2p "$T/urls")
COOKIE=$(sed -n 3p "$T/urls")
[ "$(code "$CANNED")" = 200 ] || fail "botocore canned URL refused: $(cat "$T/got")"
same_file "$T/got" "$T/clip.bin"
[ "$(code "$CUSTOM")" = 200 ] || fail "botocore custom URL refused: $(cat "$T/got")"
same_file "$T/got" "$T/clip.bin"
[ "$(code -H "Cookie: $COOKIE" "$EDGE/$BUCKET/paid/hls/index.m3u8")" = 200 ] || fail "signed cookies refused"
same_file "$T/got" "$T/index.m3u8"

step "tampered copies refused"
# Another object under the same signature, and a changed expiry.
[ "$(code "$(sed 's#/paid/clip.bin#/paid/hls/seg0.ts#' <<<"$CANNED")")" = 403 ] || fail "canned URL accepted for another path"
TAMPERED=$(sed -E 's/Expires=([0-9]+)/Expires=4102444800/' <<<"$CANNED")
[ "$(code "$TAMPERED")" = 403 ] || fail "canned URL with a changed Expires accepted"
[ "$(code "$(sed 's#/paid/hls/seg0.ts#/paid/clip.bin#' <<<"$CUSTOM")")" = 403 ] || fail "custom URL accepted outside its resource"
[ "$(code -H "Cookie: ${COOKIE/CloudFront-Signature=/CloudFront-Signature=AA}" "$EDGE/$BUCKET/paid/hls/index.m3u8")" = 403 ] \
  || fail "tampered cookie accepted"

step "aws cloudfront sign"
SIGNED=$(aws cloudfront sign --url "$EDGE/$BUCKET/paid/clip.bin" --key-pair-id K2JCJMDEHXQW5F \
  --private-key "file://$T/cf.pem" --date-less-than "$(date -u -d '+10 min' +%Y-%m-%dT%H:%M:%S)")
[ "$(code "$SIGNED")" = 200 ] || fail "aws cloudfront sign URL refused: $(cat "$T/got")"
same_file "$T/got" "$T/clip.bin"
[ "$(code "${SIGNED/Key-Pair-Id=K2JCJMDEHXQW5F/Key-Pair-Id=KNOTTRUSTED}")" = 403 ] || fail "unknown key id accepted"

step "gureum-edge sign"
OURS=$("$EDGE_BIN" sign --config "$T/edge.toml" --key-id K2JCJMDEHXQW5F --private-key "$T/cf.pem" \
  --url "$EDGE/$BUCKET/paid/clip.bin" --expires-in 600)
[ "$(code "$OURS")" = 200 ] || fail "gureum-edge sign URL refused"
echo "cloudfront: ok"
