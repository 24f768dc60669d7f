//! The `[[distribution]]` tables: bucket, prefix, TTL and TTL rules,
//! pre-warm, and the trusted keys of a private (`signed = true`)
//! distribution. Reads the public key files it names; nothing else.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use super::{ConfigError, Human, bad, duration_secs};
use crate::signed::KeySet;

const DEFAULT_TTL: Duration = Duration::from_secs(3600);

/// One designated folder.
#[derive(Debug, Clone)]
pub struct Distribution {
    /// Bucket name.
    pub bucket: String,
    /// Key prefix ("" = the whole bucket).
    pub prefix: String,
    /// Freshness lifetime when the origin sends no max-age.
    pub ttl: Duration,
    /// Per-path lifetimes (`[[distribution.ttl]]`), first match wins;
    /// they replace `ttl` for the keys they match.
    pub ttl_rules: Vec<TtlRule>,
    /// Pull the whole folder in the background at start.
    pub prewarm: bool,
    /// `signed = true`: every request needs a CloudFront-style signed URL
    /// or signed cookies made with one of these keys.
    pub signed: Option<Arc<KeySet>>,
}

/// One `[[distribution.ttl]]` rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TtlRule {
    /// Glob over the key below the distribution's prefix: `*` any run of
    /// characters (`/` included), `?` one character.
    pub pattern: String,
    /// Lifetime of the keys it matches.
    pub ttl: Duration,
}

impl Distribution {
    /// The freshness lifetime of `key` (a key of this distribution): the
    /// first TTL rule that matches the part below the prefix, else `ttl`.
    pub fn ttl_for(&self, key: &str) -> Duration {
        let rest = key.strip_prefix(self.prefix.as_str()).unwrap_or(key);
        self.ttl_rules
            .iter()
            .find(|r| glob(&r.pattern, rest))
            .map_or(self.ttl, |r| r.ttl)
    }
}

/// `*` / `?` wildcard match, iterative with one backtrack point (linear
/// space, O(pattern x text) time).
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi + 1, ti));
                pi += 1;
            }
            Some(c) if *c == '?' || *c == t[ti] => {
                pi += 1;
                ti += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FileDistribution {
    bucket: String,
    #[serde(default)]
    prefix: String,
    ttl_secs: Option<Human>,
    #[serde(default)]
    prewarm: bool,
    #[serde(default)]
    ttl: Vec<FileTtl>,
    #[serde(default)]
    signed: bool,
    #[serde(default)]
    key: Vec<FileKey>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTtl {
    pattern: String,
    ttl_secs: Human,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileKey {
    id: String,
    public_key_file: PathBuf,
}

/// Validates every `[[distribution]]`; key files are read relative to the
/// config's folder (`relative`).
pub(super) fn build_all(
    file: Vec<FileDistribution>,
    relative: &dyn Fn(PathBuf) -> PathBuf,
) -> Result<Vec<Distribution>, ConfigError> {
    let mut distributions: Vec<Distribution> = Vec::new();
    for (i, d) in file.into_iter().enumerate() {
        if d.bucket.is_empty() || d.bucket.contains('/') {
            return Err(bad(format!(
                "distribution #{}: bucket {:?} is not a bucket name",
                i + 1,
                d.bucket
            )));
        }
        let name = format!("{}/{}", d.bucket, d.prefix);
        let ttl = match d.ttl_secs {
            None => DEFAULT_TTL,
            Some(h) => Duration::from_secs(duration_secs(h, "distribution.ttl_secs")?),
        };
        if distributions
            .iter()
            .any(|o| o.bucket == d.bucket && o.prefix == d.prefix)
        {
            return Err(bad(format!("distribution {name} is listed twice")));
        }
        let mut ttl_rules = Vec::new();
        for r in d.ttl {
            if r.pattern.is_empty() {
                return Err(bad(format!(
                    "distribution {name}: a [[distribution.ttl]] rule has an empty pattern"
                )));
            }
            ttl_rules.push(TtlRule {
                pattern: r.pattern,
                ttl: Duration::from_secs(duration_secs(r.ttl_secs, "distribution.ttl.ttl_secs")?),
            });
        }
        let signed = match (d.signed, d.key.is_empty()) {
            (false, true) => None,
            (false, false) => {
                return Err(bad(format!(
                    "distribution {name}: [[distribution.key]] is listed but signed is not true \
                     (set signed = true to make it private)"
                )));
            }
            (true, true) => {
                return Err(bad(format!(
                    "distribution {name}: signed = true needs at least one [[distribution.key]] \
                     with id and public_key_file"
                )));
            }
            (true, false) => Some(Arc::new(load_keys(&name, d.key, relative)?)),
        };
        distributions.push(Distribution {
            bucket: d.bucket,
            prefix: d.prefix,
            ttl,
            ttl_rules,
            prewarm: d.prewarm,
            signed,
        });
    }
    Ok(distributions)
}

fn load_keys(
    name: &str,
    keys: Vec<FileKey>,
    relative: &dyn Fn(PathBuf) -> PathBuf,
) -> Result<KeySet, ConfigError> {
    let mut set = KeySet::new();
    for k in keys {
        let path = relative(k.public_key_file);
        let pem = read_pem(&path).map_err(|e| {
            bad(format!(
                "distribution {name}: key {:?}: cannot read public_key_file {}: {e}",
                k.id,
                path.display()
            ))
        })?;
        set.insert_pem(&k.id, &pem).map_err(|e| {
            bad(format!(
                "distribution {name}: public_key_file {}: {e}",
                path.display()
            ))
        })?;
    }
    Ok(set)
}

fn read_pem(path: &Path) -> std::io::Result<String> {
    std::fs::read_to_string(path)
}

#[cfg(test)]
mod tests {
    use super::super::from_toml;
    use super::*;

    #[test]
    fn ttl_rules_pick_the_first_match() {
        let cfg = from_toml(
            "[origin]\nurl = \"http://127.0.0.1:9000\"\naccess_key = \"a\"\nsecret_key = \"b\"\n\
             [cache]\ndisk_dir = \"c\"\n[[distribution]]\nbucket = \"media\"\nprefix = \"live/\"\n\
             ttl_secs = 600\n[[distribution.ttl]]\npattern = \"*.m3u8\"\nttl_secs = 2\n\
             [[distribution.ttl]]\npattern = \"*.ts\"\nttl_secs = \"1d\"\n\
             [[distribution.ttl]]\npattern = \"*\"\nttl_secs = 5\n",
            Path::new("."),
        )
        .expect("config");
        let d = &cfg.distributions[0];
        let cases = [
            ("live/index.m3u8", 2),
            ("live/720p/index.m3u8", 2),
            ("live/720p/seg-0001.ts", 86_400),
            ("live/poster.jpg", 5),
            ("live/a.m3u8.bak", 5),
        ];
        for (key, want) in cases {
            assert_eq!(d.ttl_for(key), Duration::from_secs(want), "{key}");
        }
        let mut plain = d.clone();
        plain.ttl_rules.clear();
        assert_eq!(plain.ttl_for("live/x"), Duration::from_secs(600));
        for (pat, text, want) in [
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("*bc", "abcbc", true),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "axxbyy", false),
            ("", "", true),
            ("**", "", true),
        ] {
            assert_eq!(glob(pat, text), want, "{pat} ~ {text}");
        }
        let empty = from_toml(
            "[origin]\nurl = \"http://127.0.0.1:9000\"\naccess_key = \"a\"\nsecret_key = \"b\"\n\
             [cache]\ndisk_dir = \"c\"\n[[distribution]]\nbucket = \"media\"\n\
             [[distribution.ttl]]\npattern = \"\"\nttl_secs = 2\n",
            Path::new("."),
        );
        assert!(empty.is_err_and(|e| e.to_string().contains("empty pattern")));
    }
}
