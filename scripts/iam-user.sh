#!/usr/bin/env bash
# Makes (or refreshes) an IAM user with one inline policy and a fresh access
# key on a running origin, through its IAM API, and prints
# "ACCESS_KEY SECRET_KEY" on stdout. Uses curl's SigV4 signing, so it needs no
# aws-cli. Used by `make run` (scripts/dev.sh) and the compose demo
# (deploy/up.sh) to give the edge its own least-privileged key.
#
#   scripts/iam-user.sh ENDPOINT USER POLICY_NAME POLICY_FILE
#
# Root credentials from GUREUM_ROOT_ACCESS_KEY / GUREUM_ROOT_SECRET_KEY;
# GUREUM_REGION (default us-east-1). Idempotent: an existing user keeps its
# name, gets the policy again, and its old keys are deleted. What it does is
# what these three aws-cli commands do:
#   aws iam create-user --user-name USER
#   aws iam put-user-policy --user-name USER --policy-name POLICY_NAME --policy-document file://POLICY_FILE
#   aws iam create-access-key --user-name USER
set -euo pipefail

die() { echo "iam-user.sh: $*" >&2; exit 1; }
[[ $# -eq 4 ]] || die "usage: iam-user.sh ENDPOINT USER POLICY_NAME POLICY_FILE"
ep="${1%/}" user="$2" pname="$3" pfile="$4"
[[ -r "$pfile" ]] || die "policy file $pfile: cannot read it"
: "${GUREUM_ROOT_ACCESS_KEY:?iam-user.sh: GUREUM_ROOT_ACCESS_KEY is not set}"
: "${GUREUM_ROOT_SECRET_KEY:?iam-user.sh: GUREUM_ROOT_SECRET_KEY is not set}"
region="${GUREUM_REGION:-us-east-1}"

# iam ACTION [NAME=VALUE...]: one IAM query call; prints the response XML,
# fails (printing the IAM error) on a non-2xx answer.
iam() {
    local action="$1" args=() kv out code
    shift
    for kv in "$@"; do args+=(--data-urlencode "$kv"); done
    out="$(curl -sS --max-time 30 --aws-sigv4 "aws:amz:$region:iam" \
        --user "$GUREUM_ROOT_ACCESS_KEY:$GUREUM_ROOT_SECRET_KEY" \
        -w '\n%{http_code}' -X POST "$ep/" \
        --data-urlencode "Action=$action" --data-urlencode "Version=2010-05-08" "${args[@]}")" ||
        { echo "$action: cannot reach $ep" >&2; return 1; }
    code="${out##*$'\n'}"
    out="${out%$'\n'*}"
    if [[ "$code" != 2?? ]]; then
        echo "$action: HTTP $code $(tr -d '\n' <<<"$out" | sed -n 's:.*<Code>\([^<]*\)</Code>.*<Message>\([^<]*\)</Message>.*:\1\: \2:p')" >&2
        return 1
    fi
    printf '%s\n' "$out"
}
# tag NAME: the text of every <NAME>…</NAME> in stdin, one per line.
tag() { tr -d '\n' | grep -o "<$1>[^<]*</$1>" | sed "s:<$1>\([^<]*\)</$1>:\1:" || true; }

if ! iam GetUser "UserName=$user" >/dev/null 2>&1; then
    iam CreateUser "UserName=$user" >/dev/null || die "CreateUser $user failed"
fi
iam PutUserPolicy "UserName=$user" "PolicyName=$pname" "PolicyDocument@$pfile" >/dev/null ||
    die "PutUserPolicy $user/$pname ($pfile) failed"
for old in $(iam ListAccessKeys "UserName=$user" | tag AccessKeyId); do
    iam DeleteAccessKey "UserName=$user" "AccessKeyId=$old" >/dev/null || die "DeleteAccessKey $old failed"
done
created="$(iam CreateAccessKey "UserName=$user")" || die "CreateAccessKey for $user failed"
ak="$(tag AccessKeyId <<<"$created")"
sk="$(tag SecretAccessKey <<<"$created")"
[[ -n "$ak" && -n "$sk" ]] || die "CreateAccessKey for $user returned no key"
printf '%s %s\n' "$ak" "$sk"
