//! Lifecycle configuration: Put/Get/DeleteBucketLifecycle. Gureum applies
//! expiration (days or date), noncurrent-version expiration and
//! AbortIncompleteMultipartUpload, by prefix; rules it cannot apply
//! (transitions, tag or size filters) are refused with NotImplemented
//! rather than stored and silently ignored.

use s3s::dto::*;
use s3s::{S3Error, S3ErrorCode, S3Request, S3Response, S3Result};

use super::GureumS3;
use crate::objects::LifecycleRule as Rule;

fn not_implemented(what: &str) -> S3Error {
    S3Error::with_message(
        S3ErrorCode::NotImplemented,
        format!("Lifecycle {what} are not supported by Gureum"),
    )
}

fn days(v: Option<i32>, what: &str) -> S3Result<Option<i32>> {
    match v {
        Some(d) if d <= 0 => Err(S3Error::with_message(
            S3ErrorCode::InvalidArgument,
            format!("'{what}' in a lifecycle rule must be a positive integer"),
        )),
        other => Ok(other),
    }
}

fn to_rule(r: LifecycleRule) -> S3Result<Rule> {
    if r.transitions.as_ref().is_some_and(|t| !t.is_empty())
        || r.noncurrent_version_transitions
            .as_ref()
            .is_some_and(|t| !t.is_empty())
    {
        return Err(not_implemented("transitions"));
    }
    let prefix = match r.filter {
        Some(f) => {
            if f.tag.is_some()
                || f.object_size_greater_than.is_some()
                || f.object_size_less_than.is_some()
            {
                return Err(not_implemented("filters on tags or object size"));
            }
            match f.and {
                Some(and) => {
                    if and.tags.as_ref().is_some_and(|t| !t.is_empty())
                        || and.object_size_greater_than.is_some()
                        || and.object_size_less_than.is_some()
                    {
                        return Err(not_implemented("filters on tags or object size"));
                    }
                    and.prefix.unwrap_or_default()
                }
                None => f.prefix.unwrap_or_default(),
            }
        }
        None => r.prefix.unwrap_or_default(),
    };
    let exp = r.expiration.unwrap_or_default();
    let rule = Rule {
        id: r.id,
        enabled: r.status.as_str() == ExpirationStatus::ENABLED,
        prefix,
        expiration_days: days(exp.days, "Days")?,
        expiration_date_ms: exp
            .date
            .map(|d| time::OffsetDateTime::from(d).unix_timestamp() * 1000),
        noncurrent_days: days(
            r.noncurrent_version_expiration
                .and_then(|n| n.noncurrent_days),
            "NoncurrentDays",
        )?,
        abort_incomplete_days: days(
            r.abort_incomplete_multipart_upload
                .and_then(|a| a.days_after_initiation),
            "DaysAfterInitiation",
        )?,
    };
    if rule.expiration_days.is_none()
        && rule.expiration_date_ms.is_none()
        && rule.noncurrent_days.is_none()
        && rule.abort_incomplete_days.is_none()
    {
        return Err(S3Error::with_message(
            S3ErrorCode::InvalidRequest,
            "At least one action needs to be specified in a rule",
        ));
    }
    Ok(rule)
}

fn from_rule(r: Rule) -> LifecycleRule {
    let expiration = (r.expiration_days.is_some() || r.expiration_date_ms.is_some()).then(|| {
        LifecycleExpiration {
            days: r.expiration_days,
            date: r.expiration_date_ms.and_then(|ms| {
                time::OffsetDateTime::from_unix_timestamp(ms / 1000)
                    .ok()
                    .map(Timestamp::from)
            }),
            ..Default::default()
        }
    });
    LifecycleRule {
        id: r.id,
        status: ExpirationStatus::from_static(if r.enabled {
            ExpirationStatus::ENABLED
        } else {
            ExpirationStatus::DISABLED
        }),
        filter: Some(LifecycleRuleFilter {
            prefix: Some(r.prefix),
            ..Default::default()
        }),
        expiration,
        noncurrent_version_expiration: r.noncurrent_days.map(|d| NoncurrentVersionExpiration {
            noncurrent_days: Some(d),
            newer_noncurrent_versions: None,
        }),
        abort_incomplete_multipart_upload: r.abort_incomplete_days.map(|d| {
            AbortIncompleteMultipartUpload {
                days_after_initiation: Some(d),
            }
        }),
        prefix: None,
        transitions: None,
        noncurrent_version_transitions: None,
    }
}

pub(super) async fn put_bucket_lifecycle_configuration(
    s3: &GureumS3,
    req: S3Request<PutBucketLifecycleConfigurationInput>,
) -> S3Result<S3Response<PutBucketLifecycleConfigurationOutput>> {
    let i = req.input;
    let rules = i
        .lifecycle_configuration
        .map(|c| c.rules)
        .unwrap_or_default()
        .into_iter()
        .map(to_rule)
        .collect::<S3Result<Vec<_>>>()?;
    if rules.is_empty() || rules.len() > 1000 {
        return Err(S3Error::with_message(
            S3ErrorCode::MalformedXML,
            "A lifecycle configuration holds 1 to 1000 rules",
        ));
    }
    s3.objects
        .update_bucket_config(&i.bucket, |c| c.lifecycle = rules)
        .await?;
    Ok(S3Response::new(
        PutBucketLifecycleConfigurationOutput::default(),
    ))
}

pub(super) fn get_bucket_lifecycle_configuration(
    s3: &GureumS3,
    req: S3Request<GetBucketLifecycleConfigurationInput>,
) -> S3Result<S3Response<GetBucketLifecycleConfigurationOutput>> {
    let rec = s3.objects.head_bucket(&req.input.bucket)?;
    if rec.config.lifecycle.is_empty() {
        return Err(S3Error::with_message(
            S3ErrorCode::NoSuchLifecycleConfiguration,
            "The lifecycle configuration does not exist",
        ));
    }
    Ok(S3Response::new(GetBucketLifecycleConfigurationOutput {
        rules: Some(
            rec.config
                .lifecycle
                .iter()
                .cloned()
                .map(from_rule)
                .collect(),
        ),
        ..Default::default()
    }))
}

pub(super) async fn delete_bucket_lifecycle(
    s3: &GureumS3,
    req: S3Request<DeleteBucketLifecycleInput>,
) -> S3Result<S3Response<DeleteBucketLifecycleOutput>> {
    s3.objects
        .update_bucket_config(&req.input.bucket, |c| c.lifecycle.clear())
        .await?;
    Ok(S3Response::new(DeleteBucketLifecycleOutput::default()))
}
