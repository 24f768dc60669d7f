//! The parameters of an IAM query request (form body and query string),
//! with IAM's validation of names, paths and lists (`Tags.member.N.Key`),
//! and the errors AWS answers when they fail.

use super::super::error::IamError;

/// Request parameters, in the order sent.
pub struct Params {
    pairs: Vec<(String, String)>,
}

/// IAM's name pattern for users, groups and policies: `[\w+=,.@-]+`.
fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "_+=,.@-".contains(c)
}

impl Params {
    /// Wraps decoded pairs.
    pub fn new(pairs: Vec<(String, String)>) -> Params {
        Params { pairs }
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The value of `name`, or MissingParameter / ValidationError as AWS.
    pub fn required(&self, name: &str) -> Result<&str, IamError> {
        match self.get(name) {
            Some(v) if !v.is_empty() => Ok(v),
            Some(_) => Err(IamError::Validation(format!(
                "1 validation error detected: Value at '{}' failed to satisfy constraint: Member must have length greater than or equal to 1",
                camel(name)
            ))),
            None => Err(IamError::Validation(format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                camel(name)
            ))),
        }
    }

    /// A user, group or policy name (1-`max` characters of `[\w+=,.@-]`).
    pub fn name(&self, param: &str, max: usize) -> Result<&str, IamError> {
        let v = self.required(param)?;
        check_name(param, v, max)?;
        Ok(v)
    }

    /// A path (`/` by default): starts and ends with `/`, at most 512
    /// printable ASCII characters.
    pub fn path(&self, param: &str) -> Result<String, IamError> {
        let Some(p) = self.get(param) else {
            return Ok("/".into());
        };
        let ok = p.starts_with('/')
            && p.ends_with('/')
            && p.len() <= 512
            && p.bytes().all(|b| (0x21..=0x7e).contains(&b));
        if !ok {
            return Err(IamError::Validation(format!(
                "1 validation error detected: Value '{p}' at '{}' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)",
                camel(param)
            )));
        }
        Ok(p.to_string())
    }

    /// `prefix.member.N.field` for every N, in N order, as (N, field ->
    /// value) maps; e.g. `Tags.member.1.Key`.
    pub fn members(&self, prefix: &str) -> Vec<Vec<(String, String)>> {
        let mut by_n: std::collections::BTreeMap<u32, Vec<(String, String)>> =
            std::collections::BTreeMap::new();
        let head = format!("{prefix}.member.");
        for (k, v) in &self.pairs {
            let Some(rest) = k.strip_prefix(&head) else {
                continue;
            };
            let (n, field) = rest.split_once('.').unwrap_or((rest, ""));
            if let Ok(n) = n.parse::<u32>() {
                by_n.entry(n)
                    .or_default()
                    .push((field.to_string(), v.clone()));
            }
        }
        by_n.into_values().collect()
    }

    /// `MaxItems` (1-1000, default 100) and `Marker` of a list call.
    pub fn paging(&self) -> Result<(usize, Option<&str>), IamError> {
        let max = match self.get("MaxItems") {
            None => 100,
            Some(v) => v
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=1000).contains(n))
                .ok_or_else(|| {
                    IamError::Validation(format!(
                        "1 validation error detected: Value '{v}' at 'maxItems' failed to satisfy constraint: Member must have value between 1 and 1000"
                    ))
                })?,
        };
        Ok((max, self.get("Marker")))
    }
}

/// Checks a name against IAM's pattern and length.
pub fn check_name(param: &str, v: &str, max: usize) -> Result<(), IamError> {
    if v.chars().count() > max || v.is_empty() || !v.chars().all(name_char) {
        return Err(IamError::Validation(format!(
            "1 validation error detected: Value '{v}' at '{}' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+ and have length less than or equal to {max}",
            camel(param)
        )));
    }
    Ok(())
}

/// `UserName` -> `userName`, as AWS names parameters in its messages.
fn camel(name: &str) -> String {
    let mut c = name.chars();
    match c.next() {
        Some(f) => f.to_lowercase().chain(c).collect(),
        None => String::new(),
    }
}

/// One page of `items` (sorted by the caller) after `marker`: the page
/// and the marker of the next one.
pub fn page<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> String,
    max: usize,
    marker: Option<&str>,
) -> (Vec<T>, Option<String>) {
    let mut out: Vec<T> = items
        .into_iter()
        .filter(|i| marker.is_none_or(|m| key(i).as_str() > m))
        .collect();
    if out.len() > max {
        out.truncate(max);
        let next = out.last().map(&key);
        (out, next)
    } else {
        (out, None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Params {
        Params::new(
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn names_paths_members_paging() {
        let ok = p(&[("UserName", "alice.b+c=d,e@f-g_h")]);
        assert!(ok.name("UserName", 64).is_ok());
        for bad in ["", "a b", "a/b", "ü", &"a".repeat(65)] {
            let e = p(&[("UserName", bad)]).name("UserName", 64).expect_err(bad);
            assert_eq!(e.code(), "ValidationError", "{bad}");
        }
        assert_eq!(
            p(&[]).name("UserName", 64).expect_err("null").code(),
            "ValidationError"
        );
        assert_eq!(p(&[]).path("Path").expect("default"), "/");
        assert_eq!(p(&[("Path", "/apps/")]).path("Path").expect("ok"), "/apps/");
        for bad in ["apps/", "/apps", "/a b/"] {
            assert!(p(&[("Path", bad)]).path("Path").is_err(), "{bad}");
        }
        let tags = p(&[
            ("Tags.member.2.Key", "b"),
            ("Tags.member.1.Key", "a"),
            ("Tags.member.1.Value", "1"),
            ("Tags.member.2.Value", "2"),
        ])
        .members("Tags");
        assert_eq!(tags.len(), 2);
        assert_eq!(
            tags[0],
            vec![
                ("Key".to_string(), "a".to_string()),
                ("Value".into(), "1".into())
            ]
        );
        assert!(p(&[("MaxItems", "0")]).paging().is_err());
        assert!(p(&[("MaxItems", "1001")]).paging().is_err());
        assert_eq!(p(&[("MaxItems", "5")]).paging().expect("ok").0, 5);
        let (pg, next) = page(vec!["a", "b", "c"], |s| s.to_string(), 2, None);
        assert_eq!((pg, next.as_deref()), (vec!["a", "b"], Some("b")));
        let (pg, next) = page(vec!["a", "b", "c"], |s| s.to_string(), 2, Some("b"));
        assert_eq!((pg, next), (vec!["c"], None));
    }
}
