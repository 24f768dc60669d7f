//! Policy strings compiled once: literal text, `*` / `?` wildcards and
//! `${key}` policy variables, and the matchers that run over them.
//!
//! Owns: the `${...}` grammar (escapes `${*}` `${?}` `${$}`, defaults
//! `${key, 'text'}` with `''` for a quote), glob and exact matching, and
//! ARN component matching.
//! Must never: know which element a string came from or what a key means;
//! callers decide whether wildcards and variables are live.
//!
//! Matching never allocates for strings without variables; a string with
//! variables resolves them once per match into one small vector.

use super::keys::normalize_key;

/// One compiled piece of a policy string.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Lit(String),
    /// A variable; `slot` indexes the per-match resolution vector.
    Var {
        slot: usize,
        key: String,
        default: Option<String>,
    },
    /// `*`: any run of characters, including none.
    Star,
    /// `?`: exactly one character.
    One,
}

/// Where variables come from at evaluation time.
pub(super) trait Resolve {
    /// The value of a single-valued key. AWS does not substitute
    /// multivalued keys, so a key with several values answers `None`.
    fn single(&self, normalized_key: &str) -> Option<&str>;
}

/// A resolver with no values, for strings compiled without variables.
pub(super) struct NoVariables;

impl Resolve for NoVariables {
    fn single(&self, _normalized_key: &str) -> Option<&str> {
        None
    }
}

/// A compiled policy string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Pattern {
    raw: String,
    tokens: Vec<Token>,
    vars: usize,
}

/// One matching unit: a character, or a live wildcard.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Char(char),
    Star,
    One,
}

/// A position in a pattern: token index and byte offset inside it.
#[derive(Clone, Copy)]
struct Pos {
    tok: usize,
    off: usize,
}

impl Pattern {
    /// Compiles `src`. With `wildcards`, bare `*` and `?` are live; with
    /// `variables` (policy version 2012-10-17 only), `${...}` is read as a
    /// variable, otherwise it is literal text as AWS documents.
    pub(super) fn parse(src: &str, wildcards: bool, variables: bool) -> Pattern {
        let mut tokens = Vec::new();
        let mut lit = String::new();
        let mut vars = 0;
        let mut rest = src;
        while let Some(c) = rest.chars().next() {
            if variables
                && c == '$'
                && let Some((var, after)) = parse_variable(rest)
            {
                match var {
                    Parsed::Char(ch) => lit.push(ch),
                    Parsed::Var { key, default } => {
                        flush(&mut lit, &mut tokens);
                        tokens.push(Token::Var {
                            slot: vars,
                            key,
                            default,
                        });
                        vars += 1;
                    }
                }
                rest = after;
                continue;
            }
            if wildcards && (c == '*' || c == '?') {
                flush(&mut lit, &mut tokens);
                tokens.push(if c == '*' { Token::Star } else { Token::One });
            } else {
                lit.push(c);
            }
            rest = rest.get(c.len_utf8()..).unwrap_or("");
        }
        flush(&mut lit, &mut tokens);
        Pattern {
            raw: src.to_owned(),
            tokens,
            vars,
        }
    }

    /// The string as written in the policy.
    pub(super) fn raw(&self) -> &str {
        &self.raw
    }

    /// Whether a policy variable is present.
    pub(super) fn has_variable(&self) -> bool {
        self.vars > 0
    }

    /// Splits at `:` in literal text (never inside a substituted value),
    /// at most `max_splits` times, the way ARN components are delimited.
    pub(super) fn split_colons(&self, max_splits: usize) -> Vec<Pattern> {
        let mut parts = vec![Vec::new()];
        let mut splits = 0;
        for token in &self.tokens {
            match token {
                Token::Lit(s) if splits < max_splits && s.contains(':') => {
                    let mut pieces = s.split(':').peekable();
                    while let Some(piece) = pieces.next() {
                        if !piece.is_empty() {
                            push_token(&mut parts, Token::Lit(piece.to_owned()));
                        }
                        if pieces.peek().is_some() {
                            if splits < max_splits {
                                parts.push(Vec::new());
                                splits += 1;
                            } else {
                                push_token(&mut parts, Token::Lit(":".to_owned()));
                            }
                        }
                    }
                }
                other => push_token(&mut parts, other.clone()),
            }
        }
        parts
            .into_iter()
            .map(|tokens| {
                let mut vars = 0;
                let tokens: Vec<Token> = tokens
                    .into_iter()
                    .map(|t| match t {
                        Token::Var { key, default, .. } => {
                            vars += 1;
                            Token::Var {
                                slot: vars - 1,
                                key,
                                default,
                            }
                        }
                        other => other,
                    })
                    .collect();
                Pattern {
                    raw: render(&tokens),
                    tokens,
                    vars,
                }
            })
            .collect()
    }

    /// Resolves every variable, or `None` when one has neither a value
    /// nor a default: AWS then treats the policy value as not matching.
    fn resolve<'a>(&'a self, ctx: &'a dyn Resolve) -> Option<Vec<&'a str>> {
        let mut slots = Vec::with_capacity(self.vars);
        for token in &self.tokens {
            if let Token::Var { key, default, .. } = token {
                slots.push(ctx.single(key).or(default.as_deref())?);
            }
        }
        Some(slots)
    }

    /// Glob match (`*`, `?` live when compiled with wildcards). `fold`
    /// compares characters case-insensitively, as AWS does for actions.
    pub(super) fn glob(&self, input: &str, fold: bool, ctx: &dyn Resolve) -> bool {
        if self.vars == 0 {
            if !fold && let Some(hit) = self.simple_glob(input) {
                return hit;
            }
            return self.glob_with(&[], input, fold);
        }
        self.resolve(ctx)
            .is_some_and(|slots| self.glob_with(&slots, input, fold))
    }

    /// Exact match of the whole (substituted) string. `fold` ignores case
    /// with full Unicode lowercasing.
    pub(super) fn equals(&self, input: &str, fold: bool, ctx: &dyn Resolve) -> bool {
        if self.vars == 0 {
            return self.equals_with(&[], input, fold);
        }
        self.resolve(ctx)
            .is_some_and(|slots| self.equals_with(&slots, input, fold))
    }

    fn equals_with(&self, slots: &[&str], input: &str, fold: bool) -> bool {
        let chars = self.tokens.iter().flat_map(|t| token_chars(t, slots));
        if fold {
            chars
                .flat_map(char::to_lowercase)
                .eq(input.chars().flat_map(char::to_lowercase))
        } else {
            chars.eq(input.chars())
        }
    }

    /// The shapes most policies use (`arn:…:bucket/*`, `*bot*`, an exact
    /// ARN) answered with one string comparison instead of the general
    /// matcher; `None` for any other shape.
    fn simple_glob(&self, input: &str) -> Option<bool> {
        Some(match self.tokens.as_slice() {
            [] => input.is_empty(),
            [Token::Star] => true,
            [Token::Lit(a)] => input == a,
            [Token::Lit(a), Token::Star] => input.starts_with(a.as_str()),
            [Token::Star, Token::Lit(a)] => input.ends_with(a.as_str()),
            [Token::Star, Token::Lit(a), Token::Star] => input.contains(a.as_str()),
            _ => return None,
        })
    }

    /// The unit at `pos`, skipping exhausted literal tokens; `None` at end.
    fn unit(&self, slots: &[&str], mut pos: Pos) -> (Option<Unit>, Pos) {
        while let Some(token) = self.tokens.get(pos.tok) {
            let text = match token {
                Token::Star => return (Some(Unit::Star), pos),
                Token::One => return (Some(Unit::One), pos),
                Token::Lit(s) => s.as_str(),
                Token::Var { slot, .. } => slots.get(*slot).copied().unwrap_or(""),
            };
            if let Some(c) = text.get(pos.off..).and_then(|t| t.chars().next()) {
                return (Some(Unit::Char(c)), pos);
            }
            pos = Pos {
                tok: pos.tok + 1,
                off: 0,
            };
        }
        (None, pos)
    }

    /// The position after the unit at `pos` (which `unit` normalised).
    fn step(&self, pos: Pos, unit: Unit) -> Pos {
        match unit {
            Unit::Char(c) => Pos {
                tok: pos.tok,
                off: pos.off + c.len_utf8(),
            },
            Unit::Star | Unit::One => Pos {
                tok: pos.tok + 1,
                off: 0,
            },
        }
    }

    /// Iterative wildcard matching with one backtrack point (the last
    /// `*`): linear space, O(pattern × input) time, so a hostile policy
    /// cannot make evaluation blow up.
    fn glob_with(&self, slots: &[&str], input: &str, fold: bool) -> bool {
        let mut p = Pos { tok: 0, off: 0 };
        let mut s = 0usize;
        let mut backtrack: Option<(Pos, usize)> = None;
        while let Some(c) = input.get(s..).and_then(|t| t.chars().next()) {
            let (unit, at) = self.unit(slots, p);
            match unit {
                Some(Unit::Star) => {
                    p = self.step(at, Unit::Star);
                    backtrack = Some((p, s));
                    continue;
                }
                Some(Unit::One) => {
                    p = self.step(at, Unit::One);
                    s += c.len_utf8();
                    continue;
                }
                Some(Unit::Char(pc)) if same(pc, c, fold) => {
                    p = self.step(at, Unit::Char(pc));
                    s += c.len_utf8();
                    continue;
                }
                _ => {}
            }
            let Some((star_p, star_s)) = backtrack else {
                return false;
            };
            let skipped = input
                .get(star_s..)
                .and_then(|t| t.chars().next())
                .map_or(1, char::len_utf8);
            backtrack = Some((star_p, star_s + skipped));
            p = star_p;
            s = star_s + skipped;
        }
        loop {
            match self.unit(slots, p) {
                (Some(Unit::Star), at) => p = self.step(at, Unit::Star),
                (None, _) => return true,
                _ => return false,
            }
        }
    }
}

/// ARN matching as `ArnLike` does it: each of the six colon-delimited
/// components is matched on its own, so a `*` never spans a `:` there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ArnPattern {
    whole: Pattern,
    parts: Option<Vec<Pattern>>,
}

impl ArnPattern {
    pub(super) fn parse(src: &str, variables: bool) -> ArnPattern {
        let whole = Pattern::parse(src, true, variables);
        let parts = whole.split_colons(5);
        // A value that is not shaped like an ARN (e.g. a bare "*") cannot
        // be matched component-wise; it falls back to a plain glob.
        let parts = (parts.len() == 6).then_some(parts);
        ArnPattern { whole, parts }
    }

    pub(super) fn pattern(&self) -> &Pattern {
        &self.whole
    }

    pub(super) fn matches(&self, input: &str, ctx: &dyn Resolve) -> bool {
        let Some(parts) = &self.parts else {
            return self.whole.glob(input, false, ctx);
        };
        let mut components = input.splitn(6, ':');
        for part in parts {
            match components.next() {
                Some(component) if part.glob(component, false, ctx) => {}
                _ => return false,
            }
        }
        true
    }
}

enum Parsed {
    Char(char),
    Var {
        key: String,
        default: Option<String>,
    },
}

/// Reads `${...}` at the start of `src`. `None` means the text is not a
/// well-formed variable, and the caller keeps it as literal text.
fn parse_variable(src: &str) -> Option<(Parsed, &str)> {
    let body = src.strip_prefix("${")?;
    for (escape, ch) in [("*}", '*'), ("?}", '?'), ("$}", '$')] {
        if let Some(after) = body.strip_prefix(escape) {
            return Some((Parsed::Char(ch), after));
        }
    }
    let end = body.find(['}', ','])?;
    let key = body.get(..end)?.trim();
    if key.is_empty() || !key.contains(':') || key.contains(char::is_whitespace) {
        return None;
    }
    let after_key = body.get(end..)?;
    if let Some(after) = after_key.strip_prefix('}') {
        return Some((
            Parsed::Var {
                key: normalize_key(key),
                default: None,
            },
            after,
        ));
    }
    let quoted = after_key
        .strip_prefix(',')?
        .trim_start()
        .strip_prefix('\'')?;
    let mut default = String::new();
    let mut chars = quoted.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\'' {
            default.push(c);
            continue;
        }
        let rest = quoted.get(i + 1..)?;
        if rest.starts_with('\'') {
            // '' inside a default stands for one quote.
            default.push('\'');
            chars.next();
            continue;
        }
        let after = rest.trim_start().strip_prefix('}')?;
        return Some((
            Parsed::Var {
                key: normalize_key(key),
                default: Some(default),
            },
            after,
        ));
    }
    None
}

fn flush(lit: &mut String, tokens: &mut Vec<Token>) {
    if !lit.is_empty() {
        tokens.push(Token::Lit(std::mem::take(lit)));
    }
}

fn push_token(parts: &mut [Vec<Token>], token: Token) {
    if let Some(last) = parts.last_mut() {
        last.push(token);
    }
}

fn token_chars<'a>(token: &'a Token, slots: &'a [&'a str]) -> std::str::Chars<'a> {
    match token {
        Token::Lit(s) => s.chars(),
        Token::Var { slot, .. } => slots.get(*slot).copied().unwrap_or("").chars(),
        Token::Star => "*".chars(),
        Token::One => "?".chars(),
    }
}

/// A readable form of split tokens, only for `raw()` of a component.
fn render(tokens: &[Token]) -> String {
    let mut out = String::new();
    for token in tokens {
        match token {
            Token::Lit(s) => out.push_str(s),
            Token::Var { key, .. } => {
                out.push_str("${");
                out.push_str(key);
                out.push('}');
            }
            Token::Star => out.push('*'),
            Token::One => out.push('?'),
        }
    }
    out
}

fn same(a: char, b: char, fold: bool) -> bool {
    a == b || (fold && a.to_lowercase().eq(b.to_lowercase()))
}
