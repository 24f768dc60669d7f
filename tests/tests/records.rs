//! Drive records check their format version on read: a `.gureum/format`,
//! `meta.json` or `.bucket.json` written by a newer Gureum is refused with
//! a message naming the file (never silently skipped, which would drop
//! data from a rebuilt index), and a corrupt copy is skipped while the
//! other drives' copies still count.

use gureum_tests::*;

async fn one_object(origin: &Origin) -> Vec<u8> {
    let c = origin.client();
    create_bucket(&c, "rec").await;
    let data = random_bytes(9, 300 * KIB);
    put_bytes(&c, "rec", "k", &data).await;
    data
}

/// Rewrites the `"format": N` of a JSON record to `format`.
fn set_format(path: &std::path::Path, format: u32) {
    let text = std::fs::read_to_string(path).expect("read record");
    let mut v: serde_json::Value = serde_json::from_str(&text).expect("record is JSON");
    v["format"] = serde_json::json!(format);
    std::fs::write(path, serde_json::to_vec(&v).expect("json")).expect("write record");
}

#[tokio::test]
async fn a_future_drive_format_file_is_refused_at_start() {
    let mut origin = Origin::start(6);
    one_object(&origin).await;
    origin.kill9();
    let path = origin.drive_path(3).join(".gureum").join("format");
    set_format(&path, 99);
    assert_one_line_failure(
        origin.serve_command(),
        "serve with a future format file",
        &[&path.display().to_string().to_lowercase()],
    );
    // Garbage is refused by name too.
    std::fs::write(&path, b"{not json").expect("write");
    assert_one_line_failure(
        origin.serve_command(),
        "serve with a corrupt format file",
        &[&path.display().to_string().to_lowercase()],
    );
}

#[tokio::test]
async fn reindex_refuses_a_future_record_and_skips_a_corrupt_one() {
    let mut origin = Origin::start(6);
    let data = one_object(&origin).await;
    origin.kill9();
    let metas = find_files(&origin.jail().join("drives"), "meta.json");
    assert_eq!(metas.len(), 6, "{metas:?}");
    // A corrupt copy on one drive: reindex warns and uses the other five.
    std::fs::write(&metas[0], b"\x00garbage").expect("corrupt");
    std::fs::remove_dir_all(origin.meta_dir()).expect("rm meta");
    let (status, stdout, stderr) = run_with_timeout(
        &mut origin.reindex_command(),
        std::time::Duration::from_secs(60),
    );
    assert!(status.success(), "reindex: {stdout}\n{stderr}");
    assert!(stderr.contains("unreadable meta.json skipped"), "{stderr}");
    origin.start_again();
    assert_eq!(get_bytes(&origin.client(), "rec", "k").await, data);
    origin.kill9();

    // A record from a newer build: reindex stops and names it.
    set_format(&metas[1], 2);
    std::fs::remove_dir_all(origin.meta_dir()).expect("rm meta");
    let (status, _, stderr) = run_with_timeout(
        &mut origin.reindex_command(),
        std::time::Duration::from_secs(60),
    );
    assert!(
        !status.success(),
        "reindex accepted a future record: {stderr}"
    );
    let named = metas[1].display().to_string();
    assert!(
        stderr.contains(&named) && stderr.contains("newer"),
        "error does not name {named}: {stderr}"
    );

    // A future bucket marker is refused the same way.
    set_format(&metas[1], 1);
    let marker = origin
        .drive_path(0)
        .join("buckets")
        .join("rec")
        .join(".bucket.json");
    set_format(&marker, 7);
    let (status, _, stderr) = run_with_timeout(
        &mut origin.reindex_command(),
        std::time::Duration::from_secs(60),
    );
    assert!(
        !status.success(),
        "reindex accepted a future marker: {stderr}"
    );
    assert!(stderr.contains(&marker.display().to_string()), "{stderr}");
}
