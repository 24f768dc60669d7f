//! The `gureum-edge` command line: `--help`, and a bad config ends the
//! process at once with a one-line reason and a non-zero exit code.

use std::process::Command;
use std::time::Duration;

use gureum_tests::edge::edge_bin;
use gureum_tests::run_with_timeout;

#[test]
fn help_lists_serve_and_its_flags() {
    let (status, out, _) = run_with_timeout(
        Command::new(edge_bin()).arg("--help"),
        Duration::from_secs(10),
    );
    assert!(status.success());
    assert!(out.contains("serve"), "{out}");
    let (status, out, _) = run_with_timeout(
        Command::new(edge_bin()).args(["serve", "--help"]),
        Duration::from_secs(10),
    );
    assert!(status.success());
    assert!(
        out.contains("--config") && out.contains("--listen"),
        "{out}"
    );
}

#[test]
fn bad_configs_fail_with_one_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    let good_origin =
        "[origin]\nurl = \"http://127.0.0.1:1\"\naccess_key = \"a\"\nsecret_key = \"b\"\n";
    let cases = [
        ("missing.toml", None::<String>),
        ("syntax.toml", Some("listen = \n".to_string())),
        ("no-cache.toml", Some(good_origin.to_string())),
        (
            "bad-mode.toml",
            Some(format!(
                "{good_origin}[cache]\ndisk_dir = \"c\"\n[fallback]\nmode = \"teleport\"\n"
            )),
        ),
        (
            "bad-size.toml",
            Some(format!(
                "{good_origin}[cache]\ndisk_dir = \"c\"\ndisk_bytes = \"lots\"\n"
            )),
        ),
        (
            "unknown-key.toml",
            Some(format!(
                "{good_origin}[cache]\ndisk_dir = \"c\"\ncolour = \"blue\"\n"
            )),
        ),
    ];
    for (name, text) in cases {
        let path = dir.path().join(name);
        if let Some(t) = &text {
            std::fs::write(&path, t).expect("write config");
        }
        let (status, _, err) = run_with_timeout(
            Command::new(edge_bin())
                .arg("serve")
                .arg("--config")
                .arg(&path),
            Duration::from_secs(10),
        );
        assert!(!status.success(), "{name}: accepted");
        let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
        assert_eq!(lines.len(), 1, "{name}: want one line, got {err:?}");
        assert!(lines[0].starts_with("gureum-edge: "), "{name}: {err:?}");
    }
}
