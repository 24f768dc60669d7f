"""boto3 compatibility steps; every mismatch raises and fails the run."""
import hashlib
import os
import subprocess
import urllib.request

import boto3
from boto3.s3.transfer import TransferConfig

endpoint, work, bucket, tmp = (os.environ[k] for k in ("ENDPOINT", "WORK", "BUCKET", "T"))
s3 = boto3.client("s3", endpoint_url=endpoint)
fx = os.path.join(work, "fx")


def step(name):
    print("---", name, flush=True)


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def same(a, b):
    assert sha(a) == sha(b), f"{a} and {b} differ"


def keys(prefix=""):
    out = []
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        out += [o["Key"] for o in page.get("Contents", [])]
    return out


step("create bucket")
s3.create_bucket(Bucket=bucket)
step("put 1 KiB")
s3.upload_file(os.path.join(fx, "small.bin"), bucket, "small.bin")
step("put 50 MiB (multipart, 8 MiB parts)")
s3.upload_file(os.path.join(fx, "big.bin"), bucket, "big/big.bin",
               Config=TransferConfig(multipart_threshold=8 << 20, multipart_chunksize=8 << 20))
head = s3.head_object(Bucket=bucket, Key="big/big.bin")
assert head["ContentLength"] == 50 << 20, head
assert head["ETag"].strip('"').endswith("-7"), head["ETag"]
step("list")
assert set(keys()) == {"small.bin", "big/big.bin"}, keys()
step("get")
s3.download_file(bucket, "small.bin", os.path.join(tmp, "small.bin"))
same(os.path.join(fx, "small.bin"), os.path.join(tmp, "small.bin"))
s3.download_file(bucket, "big/big.bin", os.path.join(tmp, "big.bin"))
same(os.path.join(fx, "big.bin"), os.path.join(tmp, "big.bin"))
step("server-side copy (managed, multipart)")
s3.copy({"Bucket": bucket, "Key": "big/big.bin"}, bucket, "copy/big.bin",
        Config=TransferConfig(multipart_threshold=8 << 20, multipart_chunksize=8 << 20))
s3.download_file(bucket, "copy/big.bin", os.path.join(tmp, "copy.bin"))
same(os.path.join(fx, "big.bin"), os.path.join(tmp, "copy.bin"))
s3.copy_object(Bucket=bucket, Key="small-copy.bin", CopySource={"Bucket": bucket, "Key": "small.bin"})
body = s3.get_object(Bucket=bucket, Key="small-copy.bin")["Body"].read()
assert body == open(os.path.join(fx, "small.bin"), "rb").read()

step("tree up")
tree = os.path.join(fx, "tree")
local = {}
for root, _, files in os.walk(tree):
    for name in files:
        path = os.path.join(root, name)
        local[os.path.relpath(path, tree)] = path
assert len(local) == 200
for rel, path in local.items():
    s3.upload_file(path, bucket, "tree/" + rel)
remote = {k[len("tree/"):] for k in keys("tree/")}
assert remote == set(local), sorted(set(local) ^ remote)[:5]
step("tree down")
for rel in remote:
    dest = os.path.join(tmp, "tree", rel)
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    s3.download_file(bucket, "tree/" + rel, dest)
subprocess.run(["diff", "-r", tree, os.path.join(tmp, "tree")], check=True)
step("second pass transfers nothing (ETag == local MD5 for single-part files)")
changed = []
for rel, path in local.items():
    h = s3.head_object(Bucket=bucket, Key="tree/" + rel)
    etag = h["ETag"].strip('"')
    if "-" not in etag and etag != hashlib.md5(open(path, "rb").read()).hexdigest():
        changed.append(rel)
    if h["ContentLength"] != os.path.getsize(path):
        changed.append(rel)
assert not changed, changed

step("presigned GET with curl")
url = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "small.bin"}, ExpiresIn=300)
subprocess.run(["curl", "-sSf", "-o", os.path.join(tmp, "presigned.bin"), url], check=True)
same(os.path.join(fx, "small.bin"), os.path.join(tmp, "presigned.bin"))
with urllib.request.urlopen(url) as r:
    assert r.read() == open(os.path.join(fx, "small.bin"), "rb").read()

step("delete")
all_keys = keys()
for i in range(0, len(all_keys), 1000):
    resp = s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": k} for k in all_keys[i:i + 1000]]})
    assert not resp.get("Errors"), resp.get("Errors")
assert keys() == []
step("delete bucket")
s3.delete_bucket(Bucket=bucket)
assert bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]
print("ok")
