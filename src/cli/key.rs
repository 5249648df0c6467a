//! The key that seals saved sessions, kept in the user's configuration
//! directory (`signin-doctor/session.key`, readable by the user only), or in
//! the file `SIGNIN_DOCTOR_KEY_FILE` names. Made on first use.

use signin_doctor::{Error, ErrorKind, SessionKey};
use std::io::Write;
use std::path::PathBuf;

const ENV: &str = "SIGNIN_DOCTOR_KEY_FILE";

fn key_path() -> Result<PathBuf, Error> {
    if let Some(p) = std::env::var_os(ENV).filter(|p| !p.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    dirs::config_dir().map(|d| d.join("signin-doctor").join("session.key")).ok_or_else(|| {
        Error::from_parts(ErrorKind::Session, "there is no configuration directory to keep the session key in", std::path::Path::new("")).with_hint(format!("set {ENV} to a file for it"))
    })
}

/// The session key, made and saved on first use.
pub fn session_key() -> Result<SessionKey, Error> {
    let path = key_path()?;
    if path.exists() {
        return read(&path);
    }
    let dir = path.parent().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("."));
    create_private_dir(&dir).map_err(|e| Error::from_write(&dir, &e))?;
    let key = SessionKey::generate()?;
    // Written aside (private to the user) and moved into place only if no
    // other process made one meanwhile; then that one is used.
    let mut tmp = tempfile::Builder::new().prefix(".session-key-").tempfile_in(&dir).map_err(|e| Error::from_write(&path, &e))?;
    tmp.write_all(format!("{}\n", key.to_hex()).as_bytes()).and_then(|_| tmp.as_file().sync_all()).map_err(|e| Error::from_write(&path, &e))?;
    match tmp.persist_noclobber(&path) {
        Ok(_) => Ok(key),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => read(&path),
        Err(e) => Err(Error::from_write(&path, &e.error)),
    }
}

fn read(path: &std::path::Path) -> Result<SessionKey, Error> {
    let text = signin_doctor::read_text_file(path)?;
    SessionKey::from_hex(&text).ok_or_else(|| {
        Error::from_parts(ErrorKind::Session, "the session key file is damaged (it should hold 64 hexadecimal digits)", path)
            .with_hint("delete it to make a new key; sessions saved with the old one will no longer resume")
    })
}

#[cfg(unix)]
fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}
