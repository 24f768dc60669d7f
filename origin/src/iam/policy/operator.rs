//! Condition operator names: `[ForAnyValue:|ForAllValues:]Base[IfExists]`.
//!
//! Owns: the table of AWS's condition operators (IAM JSON policy
//! elements: Condition operators) and splitting a name into its family,
//! negation, `...IfExists` and set qualifier.
//! Must never: read condition values or evaluate anything.

use super::error::Fault;

/// How numbers or dates are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    pub(super) fn holds<T: PartialOrd>(self, request: T, policy: T) -> bool {
        match self {
            Cmp::Eq => request == policy,
            Cmp::Lt => request < policy,
            Cmp::Le => request <= policy,
            Cmp::Gt => request > policy,
            Cmp::Ge => request >= policy,
        }
    }
}

/// What kind of values an operator compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Family {
    String { like: bool, fold: bool },
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

/// The set qualifier for multivalued keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Qualifier {
    None,
    ForAnyValue,
    ForAllValues,
}

/// A parsed operator name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Operator {
    pub(super) family: Family,
    /// `StringNotEquals`, `NotIpAddress`...: the negation of the positive
    /// match, evaluated as AWS does (see `condition`).
    pub(super) negated: bool,
    pub(super) if_exists: bool,
    pub(super) qualifier: Qualifier,
    pub(super) name: String,
}

impl Operator {
    /// Parses an operator name; unknown names are refused as AWS does.
    /// Names are case-sensitive, as AWS writes them.
    pub(super) fn parse(name: &str) -> Result<Operator, Fault> {
        let unknown = || Fault::InvalidConditionType(name.to_owned());
        let (qualifier, rest) = if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Qualifier::ForAnyValue, rest)
        } else if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Qualifier::ForAllValues, rest)
        } else {
            (Qualifier::None, name)
        };
        let (if_exists, base) = match rest.strip_suffix("IfExists") {
            Some(base) => (true, base),
            None => (false, rest),
        };
        let (family, negated) = base_operator(base).ok_or_else(unknown)?;
        // AWS: "You can add IfExists to the end of any condition operator
        // name except the Null condition"; a set qualifier on Null has no
        // meaning either.
        if family == Family::Null && (if_exists || qualifier != Qualifier::None) {
            return Err(unknown());
        }
        Ok(Operator {
            family,
            negated,
            if_exists,
            qualifier,
            name: name.to_owned(),
        })
    }
}

fn base_operator(base: &str) -> Option<(Family, bool)> {
    let string = |like, fold| Family::String { like, fold };
    Some(match base {
        "StringEquals" => (string(false, false), false),
        "StringNotEquals" => (string(false, false), true),
        "StringEqualsIgnoreCase" => (string(false, true), false),
        "StringNotEqualsIgnoreCase" => (string(false, true), true),
        "StringLike" => (string(true, false), false),
        "StringNotLike" => (string(true, false), true),
        "NumericEquals" => (Family::Numeric(Cmp::Eq), false),
        "NumericNotEquals" => (Family::Numeric(Cmp::Eq), true),
        "NumericLessThan" => (Family::Numeric(Cmp::Lt), false),
        "NumericLessThanEquals" => (Family::Numeric(Cmp::Le), false),
        "NumericGreaterThan" => (Family::Numeric(Cmp::Gt), false),
        "NumericGreaterThanEquals" => (Family::Numeric(Cmp::Ge), false),
        "DateEquals" => (Family::Date(Cmp::Eq), false),
        "DateNotEquals" => (Family::Date(Cmp::Eq), true),
        "DateLessThan" => (Family::Date(Cmp::Lt), false),
        "DateLessThanEquals" => (Family::Date(Cmp::Le), false),
        "DateGreaterThan" => (Family::Date(Cmp::Gt), false),
        "DateGreaterThanEquals" => (Family::Date(Cmp::Ge), false),
        "Bool" => (Family::Bool, false),
        "BinaryEquals" => (Family::Binary, false),
        "IpAddress" => (Family::Ip, false),
        "NotIpAddress" => (Family::Ip, true),
        "ArnEquals" | "ArnLike" => (Family::Arn, false),
        "ArnNotEquals" | "ArnNotLike" => (Family::Arn, true),
        "Null" => (Family::Null, false),
        _ => return None,
    })
}
