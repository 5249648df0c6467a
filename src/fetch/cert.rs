//! The signed assertion with which an app proves it holds its certificate
//! (Microsoft identity platform, "certificate credentials"): a JWT signed
//! with the certificate's RSA key, naming the certificate by its thumbprint.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use sha1::Digest;

use crate::error::{Error, ErrorKind, Result};

#[derive(serde::Serialize)]
struct Claims<'a> {
    aud: &'a str,
    iss: &'a str,
    sub: &'a str,
    jti: String,
    nbf: i64,
    iat: i64,
    exp: i64,
}

/// A client assertion for `client_id` at the token endpoint `audience`,
/// from a PEM file holding the private key and the certificate.
pub(crate) fn assertion(pem_text: &str, client_id: &str, audience: &str) -> Result<String> {
    let blocks = pem::parse_many(pem_text).map_err(|e| bad(format!("it is not PEM: {e}")))?;
    let cert = blocks.iter().find(|b| b.tag() == "CERTIFICATE").ok_or_else(|| bad("it holds no CERTIFICATE block".into()))?;
    let key = blocks.iter().find(|b| b.tag() == "PRIVATE KEY" || b.tag() == "RSA PRIVATE KEY").ok_or_else(|| {
        let enc = blocks.iter().any(|b| b.tag() == "ENCRYPTED PRIVATE KEY");
        bad(if enc { "its private key is encrypted; export it without a password (openssl pkcs8 -nocrypt) and keep the file owner-only".into() } else { "it holds no PRIVATE KEY block".into() })
    })?;
    let signing = jsonwebtoken::EncodingKey::from_rsa_pem(pem::encode(key).as_bytes()).map_err(|e| bad(format!("its private key is not an RSA key: {e}")))?;
    let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    header.x5t = Some(URL_SAFE_NO_PAD.encode(sha1::Sha1::digest(cert.contents())));
    header.x5t_s256 = Some(URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(cert.contents())));
    let now = chrono::Utc::now().timestamp();
    let mut nonce = [0u8; 16];
    getrandom::fill(&mut nonce).map_err(|e| bad(format!("the system gave no random bytes ({e})")))?;
    let claims = Claims { aud: audience, iss: client_id, sub: client_id, jti: URL_SAFE_NO_PAD.encode(nonce), nbf: now - 60, iat: now, exp: now + 600 };
    jsonwebtoken::encode(&header, &claims, &signing).map_err(|e| bad(format!("cannot sign with its key: {e}")))
}

fn bad(why: String) -> Error {
    Error::new(ErrorKind::Auth, format!("the certificate file cannot be used: {why}")).hint("--certificate takes a PEM file with the private key and the certificate uploaded to the app registration")
}
