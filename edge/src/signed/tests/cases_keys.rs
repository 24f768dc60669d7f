//! Key loading: which PEM forms load, which are refused, and that errors
//! name the key id and the fix.

use super::*;

#[test]
fn public_keys() {
    let rsa_as_public_label = RSA_PKCS8.replace("PRIVATE KEY", "PUBLIC KEY");
    let padded = format!("\n   {RSA_PUBLIC}\n\n");
    let body: String = RSA_PUBLIC
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let one_line = format!("-----BEGIN PUBLIC KEY-----{body}-----END PUBLIC KEY-----");
    let crlf_spaces = EC_PUBLIC.replace('\n', "  \r\n");
    let cases: [(&str, &str, &str, Result<(), KeyProblem>); 13] = [
        ("rsa spki", "K1", RSA_PUBLIC, Ok(())),
        ("ec p-256 spki", "K1", EC_PUBLIC, Ok(())),
        ("surrounding whitespace", "K1", &padded, Ok(())),
        ("unwrapped body on one line", "K1", &one_line, Ok(())),
        ("CRLF and trailing spaces", "K1", &crlf_spaces, Ok(())),
        (
            "p-384",
            "K1",
            EC_P384_PUBLIC,
            Err(KeyProblem::UnsupportedCurve("1.3.132.0.34".into())),
        ),
        (
            "rsa-1024",
            "K1",
            RSA_1024_PUBLIC,
            Err(KeyProblem::RsaSize(1024)),
        ),
        (
            "private key given",
            "K1",
            RSA_PKCS8,
            Err(KeyProblem::NotPublicKey("PRIVATE KEY".into())),
        ),
        (
            "pkcs8 body under a PUBLIC KEY label",
            "K1",
            &rsa_as_public_label,
            Err(KeyProblem::BadSpki(String::new())),
        ),
        (
            "not pem",
            "K1",
            "ssh-rsa AAAA...",
            Err(KeyProblem::NotPem(String::new())),
        ),
        (
            "only a BEGIN line",
            "K1",
            "-----BEGIN PUBLIC KEY-----\n",
            Err(KeyProblem::NotPem(String::new())),
        ),
        ("empty id", "", RSA_PUBLIC, Err(KeyProblem::BadId)),
        ("id with a space", "K 1", RSA_PUBLIC, Err(KeyProblem::BadId)),
    ];
    for (name, id, pem, want) in cases {
        let got = KeySet::new().insert_pem(id, pem).map_err(|e| e.problem);
        // Messages from the DER/PEM parsers are not ours to pin down; the
        // variant is.
        let same = match (&got, &want) {
            (Err(KeyProblem::NotPem(_)), Err(KeyProblem::NotPem(_)))
            | (Err(KeyProblem::BadSpki(_)), Err(KeyProblem::BadSpki(_))) => true,
            _ => got == want,
        };
        assert!(same, "{name}: want {want:?}, got {got:?}");
    }
}

#[test]
fn key_set_bookkeeping_and_messages() {
    let set = keyset();
    assert_eq!(set.len(), 4);
    assert!(set.contains(RSA_ID) && set.contains(EC_ID) && !set.contains("K0"));
    assert!(KeySet::new().is_empty());

    let dup = KeySet::from_pems([("KDUP", RSA_PUBLIC), ("KDUP", EC_PUBLIC)]).expect_err("dup");
    assert_eq!(dup.problem, KeyProblem::Duplicate);

    let err = KeySet::from_pems([("KGOOD", RSA_PUBLIC), ("KBAD384", EC_P384_PUBLIC)])
        .expect_err("P-384 is refused");
    let message = err.to_string();
    assert!(
        message.contains("KBAD384") && message.contains("P-256"),
        "{message}"
    );
}

#[test]
fn private_keys_all_forms_sign_verifiably() {
    let url = "https://cdn.example.com/forms/check.bin";
    let unwrapped_sec1 = EC_SEC1.replace('\n', "");
    let forms = [
        (
            "ec sec1 with its newlines lost",
            EC_ID,
            unwrapped_sec1.as_str(),
        ),
        (
            "rsa pkcs#1 (openssl genrsa -traditional)",
            RSA_ID,
            RSA_PKCS1,
        ),
        ("rsa pkcs#8", RSA_ID, RSA_PKCS8),
        ("ec sec1 (openssl ecparam -genkey)", EC_ID, EC_SEC1),
        ("ec pkcs#8", EC_ID, EC_PKCS8),
    ];
    let keys = keyset();
    for (name, id, pem) in forms {
        let signer = Signer::from_pem(id, pem).unwrap_or_else(|e| panic!("{name}: {e}"));
        let signed = sign(&signer, url, &canned(NOW + HOUR));
        let got = verify(
            &keys,
            &SignedRequest {
                url: &signed,
                cookies: &[],
                client_ip: client(),
                now_epoch: NOW,
            },
        );
        assert!(got.is_ok(), "{name}: {got:?}");
        assert!(
            !format!("{signer:?}").contains("BEGIN"),
            "{name}: Debug leaks key text"
        );
    }
}

#[test]
fn private_key_errors_say_how_to_convert() {
    let encrypted =
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n";
    let truncated_sec1 = "-----BEGIN EC PRIVATE KEY-----\nMAA=\n-----END EC PRIVATE KEY-----\n";
    let legacy_encrypted = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
    let cases = [
        ("public key given to the signer", RSA_PUBLIC),
        ("legacy encrypted pkcs#1", legacy_encrypted),
        ("encrypted pkcs#8", encrypted),
        ("truncated sec1", truncated_sec1),
        (
            "p-384 pkcs#8 body",
            &EC_P384_PUBLIC.replace("PUBLIC KEY", "PRIVATE KEY"),
        ),
    ];
    for (name, pem) in cases {
        let err = Signer::from_pem(RSA_ID, pem).expect_err(name);
        let message = err.to_string();
        assert!(
            message.contains("openssl pkcs8 -topk8 -nocrypt"),
            "{name}: message lacks the conversion hint: {message}"
        );
    }
    assert_eq!(
        Signer::from_pem("bad id", RSA_PKCS8).expect_err("bad id"),
        SignError::BadKeyId("bad id".into())
    );
    assert!(matches!(
        Signer::from_pem(RSA_ID, "hello"),
        Err(SignError::Key(PrivateKeyProblem::NotPem(_)))
    ));
}
