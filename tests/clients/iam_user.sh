#!/usr/bin/env bash
# Access control with real clients: aws-cli's `aws iam` makes a user, an
# access key and an inline policy scoped to one prefix; then aws-cli,
# boto3, rclone and s3cmd work as that user inside its grant and are
# refused outside it. Also `aws s3 cp --acl public-read` served to
# anonymous curl, as media apps (Mastodon, PeerTube) rely on.
. "$(dirname "$0")/lib.sh"
a() { aws --endpoint-url "$ENDPOINT" "$@"; }
USER_NAME="app-$RANDOM"
step "root: bucket and fixtures"
a s3 mb "s3://$BUCKET"
a s3 cp "$WORK/fx/small.bin" "s3://$BUCKET/outside/secret.bin"
step "aws iam create-user / create-access-key / put-user-policy"
a iam create-user --user-name "$USER_NAME" --query User.Arn --output text | grep -Eq "^arn:aws:iam::[0-9]{12}:user/$USER_NAME$" || fail "user ARN"
keys=$(a iam create-access-key --user-name "$USER_NAME" --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text)
read -r UAK USK <<<"$keys"
[ -n "$UAK" ] && [ -n "$USK" ] || fail "no access key"
cat >"$T/policy.json" <<POL
{"Version":"2012-10-17","Statement":[
 {"Effect":"Allow","Action":["s3:PutObject","s3:GetObject","s3:DeleteObject","s3:AbortMultipartUpload","s3:ListMultipartUploadParts"],
  "Resource":"arn:aws:s3:::$BUCKET/app/*"},
 {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::$BUCKET"}]}
POL
a iam put-user-policy --user-name "$USER_NAME" --policy-name app-only --policy-document "file://$T/policy.json"
a iam list-user-policies --user-name "$USER_NAME" --output text | grep -q app-only || fail "policy not listed"
a iam list-access-keys --user-name "$USER_NAME" --output text | grep -q "$UAK" || fail "key not listed"

step "aws-cli as the user"
u() { AWS_ACCESS_KEY_ID=$UAK AWS_SECRET_ACCESS_KEY=$USK aws --endpoint-url "$ENDPOINT" "$@"; }
u s3 cp "$WORK/fx/small.bin" "s3://$BUCKET/app/awscli.bin"
u s3 cp "$WORK/fx/big.bin" "s3://$BUCKET/app/big.bin"
u s3 cp "s3://$BUCKET/app/awscli.bin" "$T/awscli.bin"; same_file "$WORK/fx/small.bin" "$T/awscli.bin"
u s3 ls "s3://$BUCKET/app/" | grep -q awscli.bin || fail "user cannot list its prefix"
if u s3 cp "$WORK/fx/small.bin" "s3://$BUCKET/outside/x.bin" 2>"$T/err"; then fail "PUT outside the grant succeeded"; fi
grep -q AccessDenied "$T/err" || fail "expected AccessDenied: $(cat "$T/err")"
if u s3 cp "s3://$BUCKET/outside/secret.bin" "$T/stolen.bin" 2>"$T/err"; then fail "GET outside the grant succeeded"; fi
if u s3 rb "s3://$BUCKET" 2>/dev/null; then fail "user deleted the bucket"; fi
if u iam create-user --user-name escalate 2>"$T/err"; then fail "user without iam: rights created a user"; fi
grep -q AccessDenied "$T/err" || fail "expected AccessDenied from IAM: $(cat "$T/err")"

step "boto3 as the user"
UAK=$UAK USK=$USK BUCKET=$BUCKET SMALL="$WORK/fx/small.bin" python3 - <<'PY'
import os, boto3, botocore
s3 = boto3.client("s3", endpoint_url=os.environ["ENDPOINT"],
                  aws_access_key_id=os.environ["UAK"], aws_secret_access_key=os.environ["USK"])
b = os.environ["BUCKET"]
s3.upload_file(os.environ["SMALL"], b, "app/boto3.bin")
assert s3.get_object(Bucket=b, Key="app/boto3.bin")["Body"].read() == open(os.environ["SMALL"], "rb").read()
for call in (lambda: s3.put_object(Bucket=b, Key="outside/boto3", Body=b"x"),
             lambda: s3.get_object(Bucket=b, Key="outside/secret.bin"),
             lambda: s3.delete_bucket(Bucket=b)):
    try:
        call()
    except botocore.exceptions.ClientError as e:
        assert e.response["Error"]["Code"] == "AccessDenied", e.response
    else:
        raise AssertionError("call outside the grant succeeded")
print("boto3 ok")
PY

step "rclone as the user"
export RCLONE_CONFIG_U_TYPE=s3 RCLONE_CONFIG_U_PROVIDER=Other RCLONE_CONFIG_U_ENV_AUTH=false
export RCLONE_CONFIG_U_ACCESS_KEY_ID=$UAK RCLONE_CONFIG_U_SECRET_ACCESS_KEY=$USK
export RCLONE_CONFIG_U_ENDPOINT=$ENDPOINT RCLONE_CONFIG_U_REGION=us-east-1 RCLONE_CONFIG_U_NO_CHECK_BUCKET=true
r() { env -u AWS_CA_BUNDLE rclone --config /dev/null "$@"; }
r copyto "$WORK/fx/small.bin" "u:$BUCKET/app/rclone.bin"
r copyto "u:$BUCKET/app/rclone.bin" "$T/rclone.bin"; same_file "$WORK/fx/small.bin" "$T/rclone.bin"
if r copyto "$WORK/fx/small.bin" "u:$BUCKET/outside/rclone.bin" --retries 1 --low-level-retries 1 2>/dev/null; then fail "rclone PUT outside the grant succeeded"; fi

step "s3cmd as the user"
host=${ENDPOINT#http://}
cat >"$T/s3cfg" <<CFG
[default]
access_key = $UAK
secret_key = $USK
host_base = $host
host_bucket = $host
use_https = False
signature_v2 = False
bucket_location = us-east-1
CFG
s() { s3cmd -c "$T/s3cfg" "$@"; }
s put "$WORK/fx/small.bin" "s3://$BUCKET/app/s3cmd.bin"
s get "s3://$BUCKET/app/s3cmd.bin" "$T/s3cmd.bin"; same_file "$WORK/fx/small.bin" "$T/s3cmd.bin"
if s put "$WORK/fx/small.bin" "s3://$BUCKET/outside/s3cmd.bin" 2>"$T/err"; then fail "s3cmd PUT outside the grant succeeded"; fi

step "root sees only what the grant allowed"
out=$(a s3 ls --recursive "s3://$BUCKET/outside/")
[ "$(echo "$out" | wc -l)" -eq 1 ] || fail "outside/ changed: $out"

step "aws s3 cp --acl public-read, fetched anonymously"
a s3 cp "$WORK/fx/small.bin" "s3://$BUCKET/public/avatar.bin" --acl public-read
curl -sSf -o "$T/anon.bin" "$ENDPOINT/$BUCKET/public/avatar.bin"; same_file "$WORK/fx/small.bin" "$T/anon.bin"
code=$(curl -s -o /dev/null -w '%{http_code}' "$ENDPOINT/$BUCKET/outside/secret.bin")
[ "$code" = 403 ] || fail "anonymous GET of a private object: $code"
a s3api get-object-acl --bucket "$BUCKET" --key public/avatar.bin --output text | grep -q AllUsers || fail "ACL lacks AllUsers"

step "deactivated key stops working"
a iam update-access-key --user-name "$USER_NAME" --access-key-id "$UAK" --status Inactive
if u s3 ls "s3://$BUCKET/app/" 2>"$T/err"; then fail "inactive key still works"; fi
grep -q InvalidAccessKeyId "$T/err" || fail "expected InvalidAccessKeyId: $(cat "$T/err")"

step cleanup
a s3 rm --recursive "s3://$BUCKET" --only-show-errors
a s3 rb "s3://$BUCKET"
a iam delete-access-key --user-name "$USER_NAME" --access-key-id "$UAK"
a iam delete-user-policy --user-name "$USER_NAME" --policy-name app-only
a iam delete-user --user-name "$USER_NAME"
echo ok
