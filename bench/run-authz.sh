#!/usr/bin/env bash
# What authorization costs: 4 KiB GETs (concurrency 8) on one gureum-origin,
# signed by root and by an IAM user whose 10-statement policy allows them,
# interleaved in the same run (`gureum-load run`, medians of REPEATS runs).
# Root skips policy evaluation; the user's request is decided by its
# policies (parsed once when put) and the bucket's (none here). Target: the
# user's ops/s within 5% of root's.
#
#   bench/run-authz.sh                      # builds release binaries first
#   GUREUM_BIN_DIR=/path/to/release bench/run-authz.sh
#
# Knobs (env): GUREUM_BIN_DIR, REPEATS (5), MAX_SECS (5), SCENARIOS
# (get-4k-c8), REQUESTS (override the request cap, so runs end by time),
# BENCH_TMP, BENCH_KEEP=1, OUT (also write the table there).
# Needs aws-cli (creates the user through the IAM API; pip install awscli).
# Prints a markdown table on stdout; exit 1 when the target is missed.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

REPEATS="${REPEATS:-5}"
MAX_SECS="${MAX_SECS:-5}"
SCENARIOS="${SCENARIOS:-get-4k-c8}"

trap bench_cleanup EXIT
trap 'exit 2' INT TERM

need_pkgs curl:curl jq:jq
command -v aws >/dev/null 2>&1 || die "aws-cli is needed (python3 -m pip install awscli)"
bench_bins gureum-origin gureum-load
wait_quiet
bench_workdir
bench_creds
start_origin "$(free_port)"

iam() {
    AWS_ACCESS_KEY_ID="$GUREUM_ROOT_ACCESS_KEY" AWS_SECRET_ACCESS_KEY="$GUREUM_ROOT_SECRET_KEY" \
        AWS_DEFAULT_REGION=us-east-1 AWS_PAGER="" AWS_CONFIG_FILE=/dev/null \
        AWS_SHARED_CREDENTIALS_FILE=/dev/null \
        aws --endpoint-url "$ORIGIN_URL" iam "$@"
}

# Ten statements, as an app's real policy has: the ones that matter come
# last, after denies and allows on other resources that must be evaluated
# (and their conditions) before the request is decided.
cat >"$WORK/policy.json" <<'JSON'
{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "NoDeletesOfArchives", "Effect": "Deny", "Action": "s3:DeleteObject",
     "Resource": "arn:aws:s3:::gureum-load/archive/*"},
    {"Sid": "NoOtherBuckets", "Effect": "Deny", "Action": "s3:*",
     "NotResource": ["arn:aws:s3:::gureum-load", "arn:aws:s3:::gureum-load/*"]},
    {"Sid": "TlsForSecrets", "Effect": "Deny", "Action": "s3:*",
     "Resource": "arn:aws:s3:::gureum-load/secrets/*",
     "Condition": {"Bool": {"aws:SecureTransport": "false"}}},
    {"Sid": "Uploads", "Effect": "Allow", "Action": ["s3:PutObject", "s3:AbortMultipartUpload"],
     "Resource": "arn:aws:s3:::gureum-load/uploads/${aws:username}/*"},
    {"Sid": "ListOwn", "Effect": "Allow", "Action": "s3:ListBucket",
     "Resource": "arn:aws:s3:::gureum-load",
     "Condition": {"StringLike": {"s3:prefix": ["uploads/${aws:username}/*", "public/*"]}}},
    {"Sid": "Tags", "Effect": "Allow", "Action": ["s3:GetObjectTagging", "s3:PutObjectTagging"],
     "Resource": "arn:aws:s3:::gureum-load/uploads/*"},
    {"Sid": "OfficeOnly", "Effect": "Allow", "Action": "s3:GetObjectVersion",
     "Resource": "arn:aws:s3:::gureum-load/*",
     "Condition": {"IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.168.0.0/16"]}}},
    {"Sid": "Buckets", "Effect": "Allow", "Action": ["s3:CreateBucket", "s3:GetBucketLocation"],
     "Resource": "arn:aws:s3:::gureum-load"},
    {"Sid": "Writes", "Effect": "Allow", "Action": "s3:PutObject",
     "Resource": "arn:aws:s3:::gureum-load/*"},
    {"Sid": "Reads", "Effect": "Allow", "Action": ["s3:GetObject", "s3:GetObjectAttributes"],
     "Resource": "arn:aws:s3:::gureum-load/*",
     "Condition": {"StringNotLike": {"aws:UserAgent": "*forbidden-bot*"}}}
  ]
}
JSON
[ "$(jq '.Statement | length' "$WORK/policy.json")" -eq 10 ] || die "policy must have 10 statements"
iam create-user --user-name bench-app >/dev/null || die "aws iam create-user failed"
iam put-user-policy --user-name bench-app --policy-name app \
    --policy-document "file://$WORK/policy.json" || die "aws iam put-user-policy failed"
read -r USER_AK USER_SK < <(iam create-access-key --user-name bench-app \
    --query 'AccessKey.[AccessKeyId,SecretAccessKey]' --output text) || die "aws iam create-access-key failed"
log "IAM user bench-app ($USER_AK) with a 10-statement policy"

RUN_OUT="$WORK/run.out"
# One discarded pass of both targets first: the first runs on a fresh
# origin are slower (page cache, index, allocator warm-up), and whichever
# target ran first would carry that.
log "warm-up pass (discarded)"
timeout 300 "$BIN/gureum-load" run \
    --target "user=s3:$ORIGIN_URL" --target "root=s3:$ORIGIN_URL" \
    --target-key "user=$USER_AK:$USER_SK" \
    --scenarios "$SCENARIOS" --repeats 1 --max-secs "$MAX_SECS" \
    ${REQUESTS:+--requests "$REQUESTS"} >/dev/null 2>&1 || true
set +e
timeout 600 "$BIN/gureum-load" run \
    --target "user=s3:$ORIGIN_URL" --target "root=s3:$ORIGIN_URL" \
    --target-key "user=$USER_AK:$USER_SK" \
    --scenarios "$SCENARIOS" --repeats "$REPEATS" --max-secs "$MAX_SECS" ${REQUESTS:+--requests "$REQUESTS"} \
    --cpu-pid "user=$ORIGIN_PID" --cpu-pid "root=$ORIGIN_PID" \
    --json "$WORK/run.jsonl" >"$RUN_OUT"
rc=$?
set -e
[ "$rc" -le 1 ] || die "gureum-load run failed (rc $rc)"

{
    echo "### Authorization cost (bench/run-authz.sh)"
    echo
    bench_header
    echo "- one gureum-origin (6 drive dirs, 4+2); 'root' signs with the root key, 'user' with IAM user bench-app (10-statement policy); same objects size, interleaved runs, medians of $REPEATS"
    echo "- ratio = user / root; target >= 95%"
    echo
    grep '^|' "$RUN_OUT"
} | tee "${OUT:-/dev/null}"

# user / root median of each scenario; the worst one decides.
ratio="$(jq -rs '[.[] | select(.kind == "summary")] | group_by(.scenario)
    | map((map(select(.target == "user"))[0].median) / (map(select(.target == "root"))[0].median))
    | min // empty' "$WORK/run.jsonl")"
log "user / root (worst scenario): ${ratio:-unknown}"
[ -n "$ratio" ] && [ "$rc" -eq 0 ] || exit 1
awk -v r="$ratio" 'BEGIN { exit (r >= 0.95) ? 0 : 1 }'
