//! CloudFront's URL-safe base64: standard base64 with `+` -> `-`,
//! `=` -> `_`, `/` -> `~` (Developer Guide, "Using Linux commands and
//! OpenSSL for base64 encoding": `tr -- '+=/' '-_~'`).
//!
//! Owns: encoding and decoding of `Policy` and `Signature` values.
//! Must never: panic on hostile input, or allocate without a bound (the
//! caller caps input length before decoding).

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

/// Standard alphabet; padding optional on input because some signers drop
/// the trailing `_`s, and the signature check makes leniency here harmless.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Encodes `data` the way CloudFront expects in URLs and cookies.
pub(super) fn encode(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD
        .encode(data)
        .chars()
        .map(|c| match c {
            '+' => '-',
            '=' => '_',
            '/' => '~',
            other => other,
        })
        .collect()
}

/// Decodes a CloudFront base64 value. Plain standard base64 is accepted as
/// well: the characters do not collide, and some tools forget the mapping.
pub(super) fn decode(text: &str) -> Option<Vec<u8>> {
    let standard: String = text
        .chars()
        .map(|c| match c {
            '-' => '+',
            '_' => '=',
            '~' => '/',
            other => other,
        })
        .collect();
    LENIENT.decode(standard.as_bytes()).ok()
}
