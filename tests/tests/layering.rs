//! The layering check: data flows one way (HTTP -> s3/api -> objects ->
//! index + store; edge: route -> cache, miss -> fetch), and this test
//! fails the build when a source file imports against it. It reads the
//! sources (comments and string literals stripped) and looks at every
//! path through `crate::`, `super::` chains or an external crate.

use std::path::{Path, PathBuf};

/// One rule: files under `scope` (relative to the workspace root; a file
/// or a directory) must not name any of `forbidden` (module paths such as
/// `crate::store` or crate names such as `s3s`).
struct Rule {
    scope: &'static str,
    forbidden: &'static [&'static str],
    why: &'static str,
}

const RULES: &[Rule] = &[
    Rule {
        scope: "origin/src/s3",
        forbidden: &["crate::store", "crate::index"],
        why: "the S3 layer goes through objects/, the only door to storage",
    },
    Rule {
        scope: "origin/src/api",
        forbidden: &["crate::store", "crate::index"],
        why: "Gureum's own APIs go through objects/",
    },
    Rule {
        scope: "origin/src/http.rs",
        forbidden: &["crate::store", "crate::index"],
        why: "the HTTP front goes through objects/",
    },
    Rule {
        scope: "origin/src/iam",
        forbidden: &["crate::store", "crate::index", "crate::s3"],
        why: "IAM goes through objects/ and never reaches up into S3",
    },
    Rule {
        scope: "origin/src/store",
        forbidden: &[
            "s3s",
            "http",
            "hyper",
            "crate::index",
            "crate::objects",
            "crate::s3",
            "crate::api",
        ],
        why: "the storage engine knows nothing of HTTP, S3 or the index",
    },
    Rule {
        scope: "origin/src/index",
        forbidden: &[
            "s3s",
            "http",
            "hyper",
            "crate::store",
            "crate::objects",
            "crate::s3",
            "crate::api",
        ],
        why: "the index owns its rows; it never knows the store or the layers above",
    },
    Rule {
        scope: "origin/src/objects",
        forbidden: &["s3s", "hyper", "crate::s3", "crate::api", "crate::http"],
        why: "the object layer knows no HTTP and never reaches up",
    },
    Rule {
        scope: "edge/src/cache",
        forbidden: &[
            "crate::fetch",
            "crate::config",
            "crate::metrics",
            "crate::serve",
        ],
        why: "the cache never fetches and gets what it needs passed in",
    },
    Rule {
        scope: "edge/src/serve.rs",
        forbidden: &["crate::fetch::client", "crate::app"],
        why: "the cache path talks to the origin only through the fetch layer",
    },
    Rule {
        scope: "common/src",
        forbidden: &["gureum_origin", "gureum_edge"],
        why: "common sits at the bottom of the workspace",
    },
];

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

fn rust_files(path: &Path) -> Vec<PathBuf> {
    if path.is_file() {
        return vec![path.to_path_buf()];
    }
    let mut out: Vec<PathBuf> = gureum_tests::walk(path)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "rs"))
        .collect();
    out.sort();
    out
}

/// Source text with comments, string and char literals blanked out (line
/// structure kept, so reported line numbers are right).
fn strip(src: &str) -> String {
    let b: Vec<char> = src.chars().collect();
    let mut out = String::with_capacity(src.len());
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let next = b.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < b.len() && b[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < b.len() {
                if b[i] == '/' && b.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if b[i] == '*' && b.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if b[i] == '\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && raw_string_at(&b, i) {
            // r"..." / r#"..."#
            let mut j = i + 1;
            let mut hashes = 0;
            while b.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            j += 1; // opening quote
            loop {
                match b.get(j) {
                    None => break,
                    Some('"') if (1..=hashes).all(|h| b.get(j + h) == Some(&'#')) => {
                        j += 1 + hashes;
                        break;
                    }
                    Some('\n') => out.push('\n'),
                    _ => {}
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c == '"' {
            i += 1;
            while i < b.len() && b[i] != '"' {
                if b[i] == '\\' {
                    i += 1;
                } else if b[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c == '\'' && char_literal_end(&b, i).is_some() {
            i = char_literal_end(&b, i).unwrap_or(i + 1);
            out.push_str("' '");
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

fn raw_string_at(b: &[char], i: usize) -> bool {
    // Not part of an identifier (`br"..."` is still a raw string).
    let prev_ok = i == 0 || !(b[i - 1].is_alphanumeric() || b[i - 1] == '_') || b[i - 1] == 'b';
    let mut j = i + 1;
    while b.get(j) == Some(&'#') {
        j += 1;
    }
    prev_ok && b.get(j) == Some(&'"')
}

/// End (exclusive) of a char literal starting at `i`, if it is one (and
/// not a lifetime).
fn char_literal_end(b: &[char], i: usize) -> Option<usize> {
    if b.get(i + 1) == Some(&'\\') {
        let mut j = i + 2;
        while j < b.len() && j < i + 12 {
            if b[j] == '\'' {
                return Some(j + 1);
            }
            j += 1;
        }
        return None;
    }
    (b.get(i + 2) == Some(&'\'')).then_some(i + 3)
}

/// Every path the code names, as `crate::a::b` / `extern_crate::a`
/// strings, with the line it is on. `use crate::{a, b::c}` groups are
/// expanded; `super::` chains are resolved against the file's module path.
fn paths(code: &str, module: &[String]) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    for (n, line) in code.lines().enumerate() {
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let starts_word = i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_');
            if starts_word && (chars[i].is_alphabetic() || chars[i] == '_') {
                let mut j = i;
                while j < chars.len()
                    && (chars[j].is_alphanumeric() || chars[j] == '_' || chars[j] == ':')
                {
                    j += 1;
                }
                let word: String = chars[i..j].iter().collect();
                let word = word.trim_end_matches(':').to_string();
                if let Some(p) = resolve(&word, module) {
                    out.push((n + 1, p.clone()));
                    // A brace group right after `path::{`.
                    if chars.get(j) == Some(&'{') {
                        let mut depth = 0;
                        let mut k = j;
                        let mut group = String::new();
                        while k < chars.len() {
                            match chars[k] {
                                '{' => depth += 1,
                                '}' => {
                                    depth -= 1;
                                    if depth == 0 {
                                        break;
                                    }
                                }
                                _ => {}
                            }
                            group.push(chars[k]);
                            k += 1;
                        }
                        for item in group.trim_start_matches('{').split(',') {
                            let item = item.trim().trim_start_matches('{').trim();
                            let first = item.split(['{', ' ']).next().unwrap_or("");
                            let first = first.trim_end_matches(':');
                            if !first.is_empty() {
                                out.push((n + 1, format!("{p}::{first}")));
                            }
                        }
                    }
                }
                i = j.max(i + 1);
            } else {
                i += 1;
            }
        }
    }
    out
}

/// A word like `crate::store::X`, `super::super::index`, `s3s::dto` or
/// `http::HeaderMap` as an absolute path; None for other words.
fn resolve(word: &str, module: &[String]) -> Option<String> {
    let parts: Vec<&str> = word.split("::").filter(|s| !s.is_empty()).collect();
    let first = *parts.first()?;
    if first == "crate" {
        return Some(parts.join("::"));
    }
    if first == "super" {
        let ups = parts.iter().take_while(|p| **p == "super").count();
        let base = module.len().checked_sub(ups)?;
        let mut abs: Vec<String> = vec!["crate".into()];
        abs.extend(module[..base].iter().cloned());
        abs.extend(parts[ups..].iter().map(|s| s.to_string()));
        return Some(abs.join("::"));
    }
    // Only words used as paths count as a crate reference.
    (parts.len() > 1 || word.ends_with("::")).then(|| parts.join("::"))
}

/// The module path of a file under a crate's `src/` (`store/writer.rs` ->
/// [store, writer]; `store/mod.rs` -> [store]).
fn module_of(file: &Path, src: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().trim_end_matches(".rs").to_string())
        .collect();
    if parts
        .last()
        .is_some_and(|p| p == "mod" || p == "lib" || p == "main")
    {
        parts.pop();
    }
    parts
}

fn crate_src(file: &Path, root: &Path) -> PathBuf {
    let rel = file.strip_prefix(root).unwrap_or(file);
    let krate = rel.iter().next().map(PathBuf::from).unwrap_or_default();
    root.join(krate).join("src")
}

fn violations(root: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for rule in RULES {
        let scope = root.join(rule.scope);
        for file in rust_files(&scope) {
            let src = std::fs::read_to_string(&file)
                .unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
            let module = module_of(&file, &crate_src(&file, root));
            for (line, path) in paths(&strip(&src), &module) {
                for f in rule.forbidden {
                    if path == *f || path.starts_with(&format!("{f}::")) {
                        found.push(format!(
                            "{}:{line}: names `{path}` ({})",
                            file.strip_prefix(root).unwrap_or(&file).display(),
                            rule.why
                        ));
                    }
                }
            }
        }
    }
    found
}

#[test]
fn imports_follow_the_layers() {
    let root = workspace_root();
    for rule in RULES {
        assert!(
            root.join(rule.scope).exists(),
            "layering rule scope {} does not exist",
            rule.scope
        );
    }
    let found = violations(&root);
    assert!(
        found.is_empty(),
        "imports against the layers:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_every_form_of_import() {
    let module = vec!["s3".to_string(), "object".to_string()];
    let code = strip(
        r#"
use crate::store::ObjectInfo;
use crate::{objects::Objects, index};
use super::super::store::X;
fn f() { let _ = crate::index::Index::open; }
// use crate::store::Commented;
let s = "crate::store::InAString";
use s3s::dto::*;
let c = 'x';
fn g<'a>(x: &'a str) {}
"#,
    );
    let got: Vec<String> = paths(&code, &module).into_iter().map(|(_, p)| p).collect();
    for want in [
        "crate::store::ObjectInfo",
        "crate::objects::Objects",
        "crate::index",
        "crate::store::X",
        "crate::index::Index::open",
        "s3s::dto",
    ] {
        assert!(got.iter().any(|p| p == want), "missing {want} in {got:?}");
    }
    assert!(
        !got.iter()
            .any(|p| p.contains("Commented") || p.contains("InAString")),
        "{got:?}"
    );
    assert_eq!(
        module_of(
            Path::new("/w/origin/src/store/mod.rs"),
            Path::new("/w/origin/src")
        ),
        vec!["store".to_string()]
    );
}
