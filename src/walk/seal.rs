//! Saved sessions that cannot be forged. A session leaves the process (a
//! file on the agent's disk, a web page between requests) and comes back;
//! what comes back is believed only if it carries a valid seal: an
//! HMAC-SHA256, under a key that never leaves the machine, over everything
//! in the session (subject, facts, answers, notes, rules fingerprint). A
//! forged `user.is_break_glass: true` or a swapped subject fails the seal.
//! Before the seal is even checked, the format version and every fact's
//! name and type are checked against the catalog.

use super::Session;
use crate::error::{Error, ErrorKind, Result};
use crate::facts::spec;
use crate::rules::Rules;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// What a saved session says about itself: it holds personal data.
pub const PERSONAL_DATA: &str = "Personal data: this troubleshooting session holds values from a user's sign-in logs (name, address, IP). Keep it private and delete it when the call is closed.";

/// The saved-session format this build writes and reads.
pub const SESSION_VERSION: u32 = 2;

/// The secret that seals sessions: 32 random bytes, kept by the program that
/// saves and resumes them (the command line keeps it in the user's
/// configuration directory). Its `Debug` form does not show it.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionKey([u8; 32]);

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(..)")
    }
}

impl SessionKey {
    /// A key from its bytes.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        SessionKey(bytes)
    }
    /// A new random key from the operating system.
    pub fn generate() -> Result<Self> {
        let mut b = [0u8; 32];
        getrandom::fill(&mut b).map_err(|e| Error::new(ErrorKind::Session, format!("cannot make a session key: the system gave no random bytes ({e})")))?;
        Ok(SessionKey(b))
    }
    /// The key as 64 hexadecimal digits (how a key file holds it).
    pub fn to_hex(&self) -> String {
        self.0.iter().map(|b| format!("{b:02x}")).collect()
    }
    /// A key from 64 hexadecimal digits (surrounding whitespace allowed).
    pub fn from_hex(text: &str) -> Option<Self> {
        from_hex(text.trim()).map(SessionKey)
    }

    fn mac(&self, body: &[u8]) -> Hmac<Sha256> {
        // HMAC takes a key of any length: this cannot fail.
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        m.update(b"signin-doctor session v2\0");
        m.update(body);
        m
    }
}

/// The bytes the seal covers: the session as JSON without its seal. Facts
/// serialize sorted by name and numbers in their shortest form, so a session
/// read back serializes to the same bytes.
fn body(s: &Session) -> Result<Vec<u8>> {
    let mut unsealed = s.clone();
    unsealed.seal = None;
    serde_json::to_vec(&unsealed).map_err(|e| Error::new(ErrorKind::Session, format!("cannot write the session: {e}")))
}

/// 32 bytes from 64 hexadecimal digits; `None` for anything else (a
/// multi-byte character included: the fuzzer's first find here).
fn from_hex(t: &str) -> Option<[u8; 32]> {
    let digits = t.as_bytes();
    if digits.len() != 64 || !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    let mut b = [0u8; 32];
    for (byte, pair) in b.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(b)
}

fn session_error(message: impl Into<String>) -> Error {
    Error::new(ErrorKind::Session, message)
}

impl Session {
    /// The session as pretty JSON with its seal, for a file or a web page.
    pub fn to_sealed_json(&self, key: &SessionKey) -> Result<String> {
        let mut s = self.clone();
        s.version = SESSION_VERSION;
        let tag = key.mac(&body(&s)?).finalize().into_bytes();
        s.seal = Some(tag.iter().map(|b| format!("{b:02x}")).collect());
        // Whoever finds the file learns what it holds; the notice is outside the seal and never read back.
        let mut v = serde_json::to_value(&s).map_err(|e| session_error(format!("cannot write the session: {e}")))?;
        if let Some(o) = v.as_object_mut() {
            o.insert("notice".into(), serde_json::Value::String(PERSONAL_DATA.into()));
        }
        serde_json::to_string_pretty(&v).map_err(|e| session_error(format!("cannot write the session: {e}")))
    }

    /// Read a saved session and believe it only if it holds up: this
    /// format's version, facts the catalog knows with their types, a seal
    /// made with `key`, and the same rules as now. A session saved with other
    /// rules is refused unless `rules_changed_ok`, when the answers those
    /// rules no longer accept are dropped and the notes say so. Every
    /// failure is an [`ErrorKind::Session`] error.
    pub fn from_sealed_json(text: &str, rules: &Rules, key: &SessionKey, rules_changed_ok: bool) -> Result<(Session, Vec<String>)> {
        let mut s: Session = serde_json::from_str(text).map_err(|e| session_error(format!("not a saved session: {e}")))?;
        if s.version != SESSION_VERSION {
            return Err(session_error(format!("the session is in format version {}; this build reads version {SESSION_VERSION}", s.version)).hint("start the call again from the log"));
        }
        for (name, fact) in s.facts.iter() {
            let Some(spec) = spec(name) else {
                return Err(session_error(format!("the session holds a fact no rule knows: `{name}`")).hint("sessions are written by signin-doctor; this one was changed"));
            };
            if let Some(v) = &fact.value {
                if v.ty() != spec.ty {
                    return Err(session_error(format!("the session's fact `{name}` is {}, but it is a {} fact", v.ty(), spec.ty)).hint("sessions are written by signin-doctor; this one was changed"));
                }
            }
        }
        let Some(seal) = s.seal.as_deref() else {
            return Err(
                session_error("the session has no seal, so nothing shows that its facts are the log's").hint("it was saved by an older version or written by hand; start the call again from the log")
            );
        };
        let tag = from_hex(seal);
        let body = body(&s)?;
        let valid = tag.is_some_and(|t| key.mac(&body).verify_slice(&t).is_ok());
        if !valid {
            return Err(session_error("the session's seal does not match: it was changed after it was saved, or saved on another machine or by another user")
                .hint("start the call again from the log; a session resumes only where it was saved"));
        }
        let mut notes = Vec::new();
        if s.rules_fingerprint != rules.fingerprint() {
            if !rules_changed_ok {
                return Err(session_error(format!("the rules changed since this session was saved (saved with {}, now {})", s.rules_fingerprint, rules.fingerprint()))
                    .hint("resume with --accept-rule-changes to walk it again with the current rules (answers they no longer accept are dropped)"));
            }
            notes = s.reconcile(rules);
        }
        s.seal = None;
        Ok((s, notes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_of_any_text_is_read_or_refused_never_a_panic() {
        let good = "ab".repeat(32);
        assert_eq!(from_hex(&good), Some([0xab; 32]));
        // 64 bytes, but a two-byte character across a digit pair (found by fuzzing).
        let bad = format!("{}é{}", "a".repeat(31), "b".repeat(31));
        assert_eq!(bad.len(), 64);
        assert_eq!(from_hex(&bad), None);
        assert_eq!(from_hex("+f".repeat(32).as_str()), None, "from_str_radix takes a sign; a digit pair must not");
    }
}
