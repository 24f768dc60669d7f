//! Access control end to end: IAM users, keys and policies made through
//! the IAM query API, then S3 requests as those users (aws-sdk-s3),
//! anonymous requests (raw HTTP) against bucket policies and ACLs, the
//! public access block and object ownership — the refusals as much as
//! the grants.

use std::time::Duration;

use aws_sdk_s3::presigning::PresigningConfig;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    ObjectCannedAcl, ObjectOwnership, OwnershipControls, OwnershipControlsRule,
    PublicAccessBlockConfiguration,
};
use gureum_tests::*;

const READ_ONLY: &str = r#"{"Version":"2012-10-17","Statement":[
  {"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],
   "Resource":["arn:aws:s3:::media","arn:aws:s3:::media/*"]}]}"#;

async fn put(c: &aws_sdk_s3::Client, bucket: &str, key: &str, body: &[u8]) -> Result<(), String> {
    c.put_object()
        .bucket(bucket)
        .key(key)
        .body(ByteStream::from(body.to_vec()))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| err_code(&e).unwrap_or_else(|| format!("{e:?}")))
}

async fn get(c: &aws_sdk_s3::Client, bucket: &str, key: &str) -> Result<Vec<u8>, String> {
    match c.get_object().bucket(bucket).key(key).send().await {
        Ok(o) => Ok(o.body.collect().await.expect("body").into_bytes().to_vec()),
        Err(e) => Err(err_code(&e).unwrap_or_else(|| format!("{e:?}"))),
    }
}

#[tokio::test]
async fn read_only_user_reads_but_cannot_write_or_delete() {
    let origin = Origin::start(4);
    let root = origin.client();
    create_bucket(&root, "media").await;
    put_bytes(&root, "media", "a.jpg", b"jpeg").await;
    let (ak, sk) = origin.user_with_key("viewer", Some(READ_ONLY)).await;
    let user = origin.client_with(&ak, &sk);

    assert_eq!(
        get(&user, "media", "a.jpg").await.as_deref(),
        Ok(&b"jpeg"[..])
    );
    let listed = list_all(&user, "media", "").await;
    assert_eq!(listed.len(), 1);
    assert_eq!(
        put(&user, "media", "b.jpg", b"x").await,
        Err("AccessDenied".into())
    );
    assert_s3_err(
        "delete as read-only",
        user.delete_object()
            .bucket("media")
            .key("a.jpg")
            .send()
            .await,
        403,
        Some("AccessDenied"),
    );
    assert_s3_err(
        "create bucket as read-only",
        user.create_bucket().bucket("mine").send().await,
        403,
        Some("AccessDenied"),
    );
    // Nothing changed.
    assert_eq!(
        get(&root, "media", "a.jpg").await.as_deref(),
        Ok(&b"jpeg"[..])
    );
    assert_eq!(list_all(&root, "media", "").await.len(), 1);
    // DeleteObjects is checked key by key.
    let del = user
        .delete_objects()
        .bucket("media")
        .delete(
            aws_sdk_s3::types::Delete::builder()
                .objects(
                    aws_sdk_s3::types::ObjectIdentifier::builder()
                        .key("a.jpg")
                        .build()
                        .expect("id"),
                )
                .build()
                .expect("delete"),
        )
        .send()
        .await;
    match del {
        Ok(out) => {
            assert!(out.deleted().is_empty(), "{out:?}");
            assert_eq!(out.errors()[0].code(), Some("AccessDenied"));
        }
        Err(e) => assert_eq!(err_code(&e).as_deref(), Some("AccessDenied")),
    }
    assert_eq!(
        get(&root, "media", "a.jpg").await.as_deref(),
        Ok(&b"jpeg"[..])
    );
}

#[tokio::test]
async fn home_prefix_per_user_with_policy_variables() {
    let origin = Origin::start(4);
    let root = origin.client();
    create_bucket(&root, "shared").await;
    let policy = r#"{"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Action":["s3:GetObject","s3:PutObject","s3:DeleteObject"],
       "Resource":"arn:aws:s3:::shared/home/${aws:username}/*"},
      {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::shared",
       "Condition":{"StringLike":{"s3:prefix":"home/${aws:username}/*"}}}]}"#;
    let (aak, ask) = origin.user_with_key("alice", Some(policy)).await;
    let (bak, bsk) = origin.user_with_key("bob", Some(policy)).await;
    let alice = origin.client_with(&aak, &ask);
    let bob = origin.client_with(&bak, &bsk);

    put(&alice, "shared", "home/alice/notes.txt", b"alice's")
        .await
        .expect("own prefix");
    put(&bob, "shared", "home/bob/notes.txt", b"bob's")
        .await
        .expect("own prefix");
    assert_eq!(
        put(&alice, "shared", "home/bob/evil.txt", b"x").await,
        Err("AccessDenied".into())
    );
    assert_eq!(
        get(&alice, "shared", "home/bob/notes.txt").await,
        Err("AccessDenied".into())
    );
    assert_eq!(
        get(&bob, "shared", "home/bob/notes.txt").await.as_deref(),
        Ok(&b"bob's"[..])
    );
    assert_eq!(list_all(&alice, "shared", "home/alice/").await.len(), 1);
    assert_s3_err(
        "alice lists bob's prefix",
        alice
            .list_objects_v2()
            .bucket("shared")
            .prefix("home/bob/")
            .send()
            .await,
        403,
        Some("AccessDenied"),
    );
    assert_eq!(list_all(&root, "shared", "home/bob/").await.len(), 1);
}

#[tokio::test]
async fn explicit_deny_beats_an_allow_from_a_group() {
    let origin = Origin::start(4);
    let root = origin.client();
    create_bucket(&root, "bkt").await;
    put_bytes(&root, "bkt", "keep.txt", b"keep").await;
    origin
        .iam_ok("CreateGroup", &[("GroupName", "writers")])
        .await;
    origin
        .iam_ok(
            "AttachGroupPolicy",
            &[
                ("GroupName", "writers"),
                ("PolicyArn", "arn:aws:iam::aws:policy/AmazonS3FullAccess"),
            ],
        )
        .await;
    let deny = r#"{"Version":"2012-10-17","Statement":[
      {"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"}]}"#;
    let (ak, sk) = origin.user_with_key("carol", Some(deny)).await;
    let carol = origin.client_with(&ak, &sk);
    // Not yet in the group: nothing allowed.
    assert_eq!(
        put(&carol, "bkt", "new.txt", b"n").await,
        Err("AccessDenied".into())
    );
    origin
        .iam_ok(
            "AddUserToGroup",
            &[("GroupName", "writers"), ("UserName", "carol")],
        )
        .await;
    // The change applies at once, without a restart.
    put(&carol, "bkt", "new.txt", b"n")
        .await
        .expect("group allows PUT");
    assert_s3_err(
        "delete under explicit deny",
        carol
            .delete_object()
            .bucket("bkt")
            .key("keep.txt")
            .send()
            .await,
        403,
        Some("AccessDenied"),
    );
    assert_eq!(
        get(&root, "bkt", "keep.txt").await.as_deref(),
        Ok(&b"keep"[..])
    );
}

#[tokio::test]
async fn bucket_policy_opens_a_prefix_to_anonymous_requests() {
    let origin = Origin::start(4);
    let root = origin.client();
    create_bucket(&root, "media").await;
    put_bytes(&root, "media", "public/a.jpg", b"public bytes").await;
    put_bytes(&root, "media", "private/b.jpg", b"private bytes").await;
    put_bytes(&root, "media", "hotlink/c.jpg", b"hotlinked").await;
    put_bytes(&root, "media", "lan/d.jpg", b"lan only").await;
    // Before any policy: refused.
    let r = origin
        .anonymous("GET", "/media/public/a.jpg", &[], b"")
        .await;
    assert_eq!(r.status, 403, "{}", r.text());

    let policy = r#"{"Version":"2012-10-17","Statement":[
      {"Sid":"PublicRead","Effect":"Allow","Principal":"*","Action":"s3:GetObject",
       "Resource":"arn:aws:s3:::media/public/*"},
      {"Sid":"Hotlink","Effect":"Allow","Principal":"*","Action":"s3:GetObject",
       "Resource":"arn:aws:s3:::media/hotlink/*",
       "Condition":{"StringLike":{"aws:Referer":["https://example.com/*"]}}},
      {"Sid":"Lan","Effect":"Allow","Principal":"*","Action":"s3:GetObject",
       "Resource":"arn:aws:s3:::media/lan/*",
       "Condition":{"IpAddress":{"aws:SourceIp":"10.0.0.0/8"}}}]}"#;
    root.put_bucket_policy()
        .bucket("media")
        .policy(policy)
        .send()
        .await
        .expect("put policy");
    let got = root
        .get_bucket_policy()
        .bucket("media")
        .send()
        .await
        .expect("get policy");
    assert_eq!(got.policy(), Some(policy));
    let status = root
        .get_bucket_policy_status()
        .bucket("media")
        .send()
        .await
        .expect("status");
    assert_eq!(
        status.policy_status().and_then(|s| s.is_public()),
        Some(true)
    );

    let r = origin
        .anonymous("GET", "/media/public/a.jpg", &[], b"")
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.body, b"public bytes");
    for target in [
        "/media/private/b.jpg",
        "/media/?list-type=2",
        "/media/nothing/here",
    ] {
        let r = origin.anonymous("GET", target, &[], b"").await;
        assert_eq!(r.status, 403, "{target}: {}", r.text());
        assert_eq!(r.error_code().as_deref(), Some("AccessDenied"));
    }
    let r = origin
        .anonymous("PUT", "/media/public/new.jpg", &[], b"x")
        .await;
    assert_eq!(r.status, 403, "anonymous PUT: {}", r.text());
    // Hotlink protection.
    let r = origin
        .anonymous(
            "GET",
            "/media/hotlink/c.jpg",
            &[("referer", "https://example.com/page")],
            b"",
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    for referer in [None, Some("https://evil.example.net/")] {
        let h: Vec<(&str, &str)> = referer.iter().map(|r| ("referer", *r)).collect();
        let r = origin
            .anonymous("GET", "/media/hotlink/c.jpg", &h, b"")
            .await;
        assert_eq!(r.status, 403, "referer {referer:?}: {}", r.text());
    }
    // The test client is 127.0.0.1, outside 10.0.0.0/8.
    let r = origin.anonymous("GET", "/media/lan/d.jpg", &[], b"").await;
    assert_eq!(r.status, 403, "{}", r.text());

    // A user without identity policies gets what "*" gets.
    let (ak, sk) = origin.user_with_key("nobody", None).await;
    let nobody = origin.client_with(&ak, &sk);
    assert!(get(&nobody, "media", "public/a.jpg").await.is_ok());
    assert_eq!(
        get(&nobody, "media", "private/b.jpg").await,
        Err("AccessDenied".into())
    );

    root.delete_bucket_policy()
        .bucket("media")
        .send()
        .await
        .expect("delete policy");
    let r = origin
        .anonymous("GET", "/media/public/a.jpg", &[], b"")
        .await;
    assert_eq!(r.status, 403, "after delete: {}", r.text());
    assert_s3_err(
        "get deleted policy",
        root.get_bucket_policy().bucket("media").send().await,
        404,
        Some("NoSuchBucketPolicy"),
    );
}

#[tokio::test]
async fn malformed_policies_are_refused_when_put() {
    let origin = Origin::start(4);
    let root = origin.client();
    create_bucket(&root, "bkt").await;
    for doc in [
        "not json",
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Maybe","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:user/ghost"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/*"}]}"#,
    ] {
        assert_s3_err(
            doc,
            root.put_bucket_policy()
                .bucket("bkt")
                .policy(doc)
                .send()
                .await,
            400,
            Some("MalformedPolicy"),
        );
    }
    assert_s3_err(
        "nothing stored",
        root.get_bucket_policy().bucket("bkt").send().await,
        404,
        Some("NoSuchBucketPolicy"),
    );
    origin.iam_ok("CreateUser", &[("UserName", "u")]).await;
    let r = origin
        .iam(
            "PutUserPolicy",
            &[
                ("UserName", "u"),
                ("PolicyName", "p"),
                ("PolicyDocument", r#"{"Statement":[{"Effect":"Allow"}]}"#),
            ],
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert_eq!(
        xml_values(&r.text(), "Code"),
        vec!["MalformedPolicyDocument"]
    );
    let r = origin.iam("ListUserPolicies", &[("UserName", "u")]).await;
    assert!(xml_values(&r.text(), "member").is_empty(), "{}", r.text());
}

#[tokio::test]
async fn canned_acls_make_single_objects_public() {
    let origin = Origin::start(4);
    let root = origin.client();
    create_bucket(&root, "site").await;
    root.put_object()
        .bucket("site")
        .key("open.jpg")
        .acl(ObjectCannedAcl::PublicRead)
        .body(ByteStream::from_static(b"open"))
        .send()
        .await
        .expect("public-read put");
    root.put_object()
        .bucket("site")
        .key("closed.jpg")
        .acl(ObjectCannedAcl::Private)
        .body(ByteStream::from_static(b"closed"))
        .send()
        .await
        .expect("private put");
    let r = origin.anonymous("GET", "/site/open.jpg", &[], b"").await;
    assert_eq!(
        (r.status, r.body.as_slice()),
        (200, &b"open"[..]),
        "{}",
        r.text()
    );
    let r = origin.anonymous("GET", "/site/closed.jpg", &[], b"").await;
    assert_eq!(r.status, 403, "{}", r.text());

    let acl = root
        .get_object_acl()
        .bucket("site")
        .key("open.jpg")
        .send()
        .await
        .expect("get acl");
    let uris: Vec<_> = acl
        .grants()
        .iter()
        .filter_map(|g| g.grantee().and_then(|g| g.uri()))
        .collect();
    assert_eq!(uris, ["http://acs.amazonaws.com/groups/global/AllUsers"]);
    // Owner ids agree across the ACL, ListBuckets and FetchOwner.
    let owner = acl
        .owner()
        .and_then(|o| o.id())
        .expect("owner id")
        .to_string();
    let buckets = root.list_buckets().send().await.expect("list buckets");
    assert_eq!(buckets.owner().and_then(|o| o.id()), Some(owner.as_str()));
    let listed = root
        .list_objects_v2()
        .bucket("site")
        .fetch_owner(true)
        .send()
        .await
        .expect("list");
    for o in listed.contents() {
        assert_eq!(o.owner().and_then(|o| o.id()), Some(owner.as_str()));
    }

    // PutObjectAcl flips it back.
    root.put_object_acl()
        .bucket("site")
        .key("open.jpg")
        .acl(ObjectCannedAcl::Private)
        .send()
        .await
        .expect("put acl");
    let r = origin.anonymous("GET", "/site/open.jpg", &[], b"").await;
    assert_eq!(r.status, 403, "{}", r.text());
    // A public-read bucket ACL lets anyone list it.
    root.put_bucket_acl()
        .bucket("site")
        .acl(aws_sdk_s3::types::BucketCannedAcl::PublicRead)
        .send()
        .await
        .expect("bucket acl");
    let r = origin.anonymous("GET", "/site?list-type=2", &[], b"").await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_s3_err(
        "bad canned acl",
        root.put_object()
            .bucket("site")
            .key("x")
            .acl(ObjectCannedAcl::from("wide-open"))
            .body(ByteStream::from_static(b"x"))
            .send()
            .await,
        400,
        Some("InvalidArgument"),
    );
}

#[tokio::test]
async fn bucket_owner_enforced_refuses_acls() {
    let origin = Origin::start(4);
    let root = origin.client();
    create_bucket(&root, "bkt").await;
    let got = root
        .get_bucket_ownership_controls()
        .bucket("bkt")
        .send()
        .await
        .expect("default ownership");
    let rule = &got.ownership_controls().expect("controls").rules()[0];
    assert_eq!(rule.object_ownership(), &ObjectOwnership::ObjectWriter);
    root.put_bucket_ownership_controls()
        .bucket("bkt")
        .ownership_controls(
            OwnershipControls::builder()
                .rules(
                    OwnershipControlsRule::builder()
                        .object_ownership(ObjectOwnership::BucketOwnerEnforced)
                        .build()
                        .expect("rule"),
                )
                .build()
                .expect("controls"),
        )
        .send()
        .await
        .expect("enforce");
    assert_s3_err(
        "public-read put under BucketOwnerEnforced",
        root.put_object()
            .bucket("bkt")
            .key("k")
            .acl(ObjectCannedAcl::PublicRead)
            .body(ByteStream::from_static(b"x"))
            .send()
            .await,
        400,
        Some("AccessControlListNotSupported"),
    );
    assert!(
        list_all(&root, "bkt", "").await.is_empty(),
        "refused put stored"
    );
    root.put_object()
        .bucket("bkt")
        .key("k")
        .acl(ObjectCannedAcl::BucketOwnerFullControl)
        .body(ByteStream::from_static(b"x"))
        .send()
        .await
        .expect("bucket-owner-full-control is accepted");
    assert_s3_err(
        "put-object-acl under BucketOwnerEnforced",
        root.put_object_acl()
            .bucket("bkt")
            .key("k")
            .acl(ObjectCannedAcl::PublicRead)
            .send()
            .await,
        400,
        Some("AccessControlListNotSupported"),
    );
    let r = origin.anonymous("GET", "/bkt/k", &[], b"").await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn public_access_block_blocks_and_restricts() {
    let origin = Origin::start(4);
    let root = origin.client();
    create_bucket(&root, "bkt").await;
    put_bytes(&root, "bkt", "pub/a", b"a").await;
    let public = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bkt/pub/*"}]}"#;
    let block = |policy: bool, restrict: bool, acls: bool| {
        PublicAccessBlockConfiguration::builder()
            .block_public_policy(policy)
            .restrict_public_buckets(restrict)
            .block_public_acls(acls)
            .ignore_public_acls(acls)
            .build()
    };
    root.put_public_access_block()
        .bucket("bkt")
        .public_access_block_configuration(block(true, false, false))
        .send()
        .await
        .expect("pab");
    assert_s3_err(
        "public policy under BlockPublicPolicy",
        root.put_bucket_policy()
            .bucket("bkt")
            .policy(public)
            .send()
            .await,
        403,
        Some("AccessDenied"),
    );
    // Lift the block, put the policy, then restrict.
    root.put_public_access_block()
        .bucket("bkt")
        .public_access_block_configuration(block(false, false, false))
        .send()
        .await
        .expect("pab");
    root.put_bucket_policy()
        .bucket("bkt")
        .policy(public)
        .send()
        .await
        .expect("public policy");
    assert_eq!(
        origin.anonymous("GET", "/bkt/pub/a", &[], b"").await.status,
        200
    );
    root.put_public_access_block()
        .bucket("bkt")
        .public_access_block_configuration(block(false, true, false))
        .send()
        .await
        .expect("restrict");
    assert_eq!(
        origin.anonymous("GET", "/bkt/pub/a", &[], b"").await.status,
        403
    );
    let got = root
        .get_public_access_block()
        .bucket("bkt")
        .send()
        .await
        .expect("get pab");
    let c = got.public_access_block_configuration().expect("config");
    assert_eq!(c.restrict_public_buckets(), Some(true));
    assert_eq!(c.block_public_policy(), Some(false));
    // BlockPublicAcls refuses public ACLs; IgnorePublicAcls ignores old ones.
    root.put_object()
        .bucket("bkt")
        .key("acl/open")
        .acl(ObjectCannedAcl::PublicRead)
        .body(ByteStream::from_static(b"o"))
        .send()
        .await
        .expect("public-read before block");
    assert_eq!(
        origin
            .anonymous("GET", "/bkt/acl/open", &[], b"")
            .await
            .status,
        200
    );
    root.put_public_access_block()
        .bucket("bkt")
        .public_access_block_configuration(block(false, false, true))
        .send()
        .await
        .expect("block acls");
    assert_eq!(
        origin
            .anonymous("GET", "/bkt/acl/open", &[], b"")
            .await
            .status,
        403
    );
    assert_s3_err(
        "public-read under BlockPublicAcls",
        root.put_object()
            .bucket("bkt")
            .key("acl/new")
            .acl(ObjectCannedAcl::PublicRead)
            .body(ByteStream::from_static(b"n"))
            .send()
            .await,
        403,
        Some("AccessDenied"),
    );
    root.delete_public_access_block()
        .bucket("bkt")
        .send()
        .await
        .expect("delete pab");
    assert_s3_err(
        "get deleted pab",
        root.get_public_access_block().bucket("bkt").send().await,
        404,
        Some("NoSuchPublicAccessBlockConfiguration"),
    );
}

#[tokio::test]
async fn deleted_users_and_inactive_keys_stop_working_at_once() {
    let origin = Origin::start(4);
    let root = origin.client();
    create_bucket(&root, "media").await;
    put_bytes(&root, "media", "a", b"a").await;
    let (ak, sk) = origin.user_with_key("temp", Some(READ_ONLY)).await;
    let user = origin.client_with(&ak, &sk);
    assert!(get(&user, "media", "a").await.is_ok());

    origin
        .iam_ok(
            "UpdateAccessKey",
            &[
                ("UserName", "temp"),
                ("AccessKeyId", &ak),
                ("Status", "Inactive"),
            ],
        )
        .await;
    assert_eq!(
        get(&user, "media", "a").await,
        Err("InvalidAccessKeyId".into())
    );
    origin
        .iam_ok(
            "UpdateAccessKey",
            &[
                ("UserName", "temp"),
                ("AccessKeyId", &ak),
                ("Status", "Active"),
            ],
        )
        .await;
    assert!(get(&user, "media", "a").await.is_ok());

    // A user with keys and policies cannot be deleted (DeleteConflict).
    let r = origin.iam("DeleteUser", &[("UserName", "temp")]).await;
    assert_eq!(r.status, 409, "{}", r.text());
    assert_eq!(xml_values(&r.text(), "Code"), vec!["DeleteConflict"]);
    origin
        .iam_ok(
            "DeleteAccessKey",
            &[("UserName", "temp"), ("AccessKeyId", &ak)],
        )
        .await;
    assert_eq!(
        get(&user, "media", "a").await,
        Err("InvalidAccessKeyId".into())
    );
    origin
        .iam_ok(
            "DeleteUserPolicy",
            &[("UserName", "temp"), ("PolicyName", "inline")],
        )
        .await;
    origin.iam_ok("DeleteUser", &[("UserName", "temp")]).await;
    let r = origin.iam("GetUser", &[("UserName", "temp")]).await;
    assert_eq!(r.status, 404);
    assert_eq!(xml_values(&r.text(), "Code"), vec!["NoSuchEntity"]);
    // Its key fails for IAM calls too.
    let r = origin.iam_as(&ak, &sk, "GetUser", &[]).await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(xml_values(&r.text(), "Code"), vec!["InvalidClientTokenId"]);
}

#[tokio::test]
async fn keys_survive_a_restart_and_are_not_stored_in_plaintext() {
    let mut origin = Origin::start(4);
    let root = origin.client();
    create_bucket(&root, "media").await;
    put_bytes(&root, "media", "a", b"a").await;
    let (ak, sk) = origin.user_with_key("durable", Some(READ_ONLY)).await;
    origin.restart();
    let user = origin.client_with(&ak, &sk);
    assert!(get(&user, "media", "a").await.is_ok());
    let key_file = origin.meta_dir().join("master.key");
    let meta = std::fs::metadata(&key_file).expect("master key created");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    for file in walk(&origin.jail()) {
        let Ok(bytes) = std::fs::read(&file) else {
            continue;
        };
        assert!(
            !bytes.windows(sk.len()).any(|w| w == sk.as_bytes()),
            "secret key in plaintext in {}",
            file.display()
        );
    }
    assert!(!origin.log_tail().contains(&sk), "secret key in the log");
}

#[tokio::test]
async fn presigned_urls_carry_the_users_permissions() {
    let origin = Origin::start(4);
    let root = origin.client();
    create_bucket(&root, "media").await;
    create_bucket(&root, "other").await;
    put_bytes(&root, "media", "a", b"media a").await;
    put_bytes(&root, "other", "a", b"other a").await;
    let (ak, sk) = origin.user_with_key("presigner", Some(READ_ONLY)).await;
    let user = origin.client_with(&ak, &sk);
    let cfg = || PresigningConfig::expires_in(Duration::from_secs(300)).expect("config");
    let http = reqwest::Client::new();

    let ok = user
        .get_object()
        .bucket("media")
        .key("a")
        .presigned(cfg())
        .await
        .expect("presign");
    let r = http.get(ok.uri()).send().await.expect("GET");
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.expect("body").as_ref(), b"media a");

    let outside = user
        .get_object()
        .bucket("other")
        .key("a")
        .presigned(cfg())
        .await
        .expect("presign");
    let r = http.get(outside.uri()).send().await.expect("GET");
    assert_eq!(r.status(), 403);

    let write = user
        .put_object()
        .bucket("media")
        .key("new")
        .presigned(cfg())
        .await
        .expect("presign");
    let r = http.put(write.uri()).body("x").send().await.expect("PUT");
    assert_eq!(r.status(), 403);
    assert!(list_all(&root, "media", "new").await.is_empty());
}

#[tokio::test]
async fn iam_calls_need_iam_permissions() {
    let origin = Origin::start(4);
    let (ak, sk) = origin.user_with_key("plain", Some(READ_ONLY)).await;
    let r = origin
        .iam_as(&ak, &sk, "CreateUser", &[("UserName", "escalated")])
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    assert_eq!(xml_values(&r.text(), "Code"), vec!["AccessDenied"]);
    let r = origin.iam("GetUser", &[("UserName", "escalated")]).await;
    assert_eq!(r.status, 404, "user was created: {}", r.text());
    // Nor can it grant itself more.
    let r = origin
        .iam_as(
            &ak,
            &sk,
            "AttachUserPolicy",
            &[
                ("UserName", "plain"),
                ("PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess"),
            ],
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
    // An admin user can.
    let admin = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*","Resource":"*"}]}"#;
    let (aak, ask) = origin.user_with_key("admin", Some(admin)).await;
    let r = origin
        .iam_as(&aak, &ask, "CreateUser", &[("UserName", "made-by-admin")])
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let arn = xml_values(&r.text(), "Arn").pop().expect("Arn");
    assert!(
        arn.starts_with("arn:aws:iam::") && arn.ends_with(":user/made-by-admin"),
        "{arn}"
    );
    let account = arn.split(':').nth(4).expect("account");
    assert_eq!(account.len(), 12, "{arn}");
    // A bad signature is refused.
    let r = origin.iam_as(&aak, "wrong-secret", "ListUsers", &[]).await;
    assert_eq!(r.status, 403);
    assert_eq!(xml_values(&r.text(), "Code"), vec!["SignatureDoesNotMatch"]);
    // Unsigned: refused.
    let r = origin
        .anonymous(
            "POST",
            "/",
            &[("content-type", "application/x-www-form-urlencoded")],
            b"Action=ListUsers&Version=2010-05-08",
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.text());
}
