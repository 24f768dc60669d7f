#!/usr/bin/env bash
# boto3 (newest from PyPI, default checksum settings) against Gureum.
. "$(dirname "$0")/lib.sh"
export BUCKET T
exec python3 "$(dirname "$0")/boto3_client.py"
