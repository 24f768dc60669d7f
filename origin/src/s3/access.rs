//! Authentication and access hooks for s3s: root credentials from the
//! environment, every signed request by root allowed, anonymous denied.
//! Also tags each request with its S3 operation name for the metrics.
//! Must never look at object data.

use std::sync::{Arc, OnceLock};

use s3s::S3Result;
use s3s::access::{S3Access, S3AccessContext};
use s3s::auth::{S3Auth, SecretKey};

/// Slot the access hook fills with the operation name (request extension).
#[derive(Clone, Default)]
pub struct OpSlot(Arc<OnceLock<String>>);

impl OpSlot {
    /// The operation name, once s3s has routed the request.
    pub fn get(&self) -> Option<&str> {
        self.0.get().map(String::as_str)
    }

    /// Names the operation (first name wins).
    pub fn set(&self, op: &str) {
        let _ = self.0.set(op.to_string());
    }
}

/// Root credentials.
pub struct RootAuth {
    access_key: String,
    secret_key: SecretKey,
}

impl RootAuth {
    /// Root user with the given key pair.
    pub fn new(access_key: String, secret_key: String) -> Self {
        Self {
            access_key,
            secret_key: SecretKey::from(secret_key),
        }
    }
}

#[async_trait::async_trait]
impl S3Auth for RootAuth {
    async fn get_secret_key(&self, access_key: &str) -> S3Result<SecretKey> {
        if access_key == self.access_key {
            Ok(self.secret_key.clone())
        } else {
            Err(s3s::s3_error!(InvalidAccessKeyId))
        }
    }
}

/// Allows signed requests, denies anonymous ones.
pub struct RootOnly;

#[async_trait::async_trait]
impl S3Access for RootOnly {
    async fn check(&self, cx: &mut S3AccessContext<'_>) -> S3Result<()> {
        let op = cx.s3_op().name().to_string();
        if let Some(slot) = cx.extensions_mut().get::<OpSlot>() {
            slot.set(&op);
        }
        match cx.credentials() {
            Some(_) => Ok(()),
            None => Err(s3s::s3_error!(AccessDenied, "Access Denied")),
        }
    }
}
