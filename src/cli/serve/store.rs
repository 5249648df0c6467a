//! Sessions kept on the server: a browser or a ticketing system holds only
//! an opaque, unguessable id (128 random bits), so nothing it sends back can
//! change a fact. Each session expires after a quiet spell, and the store
//! holds at most so many (the least recently used goes first). A session is
//! kept packed (its JSON, deflated: about a fifth of its size in memory),
//! so ten thousand open calls fit in a few tens of megabytes.

use signin_doctor::{Error, ErrorKind, Session};
use std::collections::HashMap;
use std::io::Read;
use std::time::{Duration, Instant};

struct Entry {
    packed: Vec<u8>,
    used: Instant,
    /// Bumped at every change: a change made from an older copy is refused.
    version: u64,
}

/// What became of a changed session put back.
#[derive(Debug, PartialEq, Eq)]
pub enum Put {
    Done,
    /// The session ended or expired meanwhile.
    Gone,
    /// Another request changed it since this one took it.
    Changed,
}

pub struct Store {
    map: HashMap<String, Entry>,
    ttl: Duration,
    cap: usize,
    /// When expired sessions were last swept out (a sweep walks them all).
    swept: Instant,
}

fn failed(what: &str, e: impl std::fmt::Display) -> Error {
    Error::from_parts(ErrorKind::Session, format!("cannot {what} the session: {e}"), std::path::Path::new(""))
}

/// A session packed for the store (done before the store is locked).
pub struct Packed(Vec<u8>);

/// Pack a session: its JSON, deflated.
pub fn pack(session: &Session) -> Result<Packed, Error> {
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    serde_json::to_writer(&mut z, session).map_err(|e| failed("keep", e))?;
    let mut packed = z.finish().map_err(|e| failed("keep", e))?;
    packed.shrink_to_fit();
    Ok(Packed(packed))
}

/// The session a [`Packed`] holds.
pub fn unpack(Packed(packed): &Packed) -> Result<Session, Error> {
    let mut json = Vec::new();
    flate2::read::DeflateDecoder::new(packed.as_slice()).read_to_end(&mut json).map_err(|e| failed("read", e))?;
    serde_json::from_slice(&json).map_err(|e| failed("read", e))
}

impl Store {
    pub fn new(ttl: Duration, cap: usize) -> Store {
        Store { map: HashMap::new(), ttl, cap: cap.max(1), swept: Instant::now() }
    }

    /// Sweep out expired sessions, at most every few seconds (a session
    /// past its time is refused when asked for, swept or not).
    fn purge(&mut self, now: Instant, force: bool) {
        if !force && now.duration_since(self.swept) < Duration::from_secs(5).min(self.ttl) {
            return;
        }
        self.swept = now;
        let ttl = self.ttl;
        self.map.retain(|_, e| now.duration_since(e.used) < ttl);
    }

    /// Keep a new session; its id.
    pub fn insert(&mut self, Packed(packed): Packed) -> Result<String, Error> {
        let now = Instant::now();
        // Full: expired sessions go first, then the least recently used.
        let full = self.map.len() >= self.cap;
        self.purge(now, full);
        while self.map.len() >= self.cap {
            let Some(oldest) = self.map.iter().min_by_key(|(_, e)| e.used).map(|(k, _)| k.clone()) else { break };
            self.map.remove(&oldest);
        }
        let mut b = [0u8; 16];
        getrandom::fill(&mut b).map_err(|e| failed("name", e))?;
        let id: String = b.iter().map(|x| format!("{x:02x}")).collect();
        self.map.insert(id.clone(), Entry { packed, used: now, version: 0 });
        Ok(id)
    }

    /// A live session, packed (unpack it with [`unpack`] once the store is
    /// unlocked), marked as used now; `None` when there is no such session
    /// or it expired.
    pub fn get(&mut self, id: &str) -> Option<(Packed, u64)> {
        let now = Instant::now();
        let ttl = self.ttl;
        match self.map.get_mut(id) {
            Some(e) if now.duration_since(e.used) < ttl => {
                e.used = now;
                Some((Packed(e.packed.clone()), e.version))
            }
            Some(_) => {
                self.map.remove(id);
                None
            }
            None => None,
        }
    }

    /// Keep a changed session under its id, if it is still open and no
    /// other request changed it since it was taken at `version`.
    pub fn put(&mut self, id: &str, version: u64, Packed(packed): Packed) -> Put {
        match self.map.get_mut(id) {
            Some(e) if e.version != version => Put::Changed,
            Some(e) => {
                e.packed = packed;
                e.used = Instant::now();
                e.version += 1;
                Put::Done
            }
            None => Put::Gone,
        }
    }

    /// Drop every expired session now (a timer calls this, so an idle
    /// server does not keep a finished call's personal data).
    pub fn sweep(&mut self) {
        self.purge(Instant::now(), true);
    }

    /// End a session (the call is over): its personal data goes with it.
    pub fn remove(&mut self, id: &str) -> bool {
        self.map.remove(id).is_some()
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.map.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session() -> Result<Session, Error> {
        Ok(Session::without_log(&signin_doctor::Rules::embedded()?))
    }

    #[test]
    fn the_least_recently_used_session_goes_when_the_store_is_full() -> Result<(), Error> {
        let mut s = Store::new(Duration::from_secs(60), 2);
        let a = s.insert(pack(&session()?)?)?;
        let b = s.insert(pack(&session()?)?)?;
        assert!(s.get(&a).is_some(), "a is used again");
        let c = s.insert(pack(&session()?)?)?;
        assert_eq!(s.len(), 2);
        assert!(s.get(&b).is_none(), "b was the least recently used");
        assert!(s.get(&a).is_some() && s.get(&c).is_some());
        assert_ne!(a, c);
        assert_eq!(a.len(), 32);
        Ok(())
    }

    #[test]
    fn a_session_comes_back_as_it_went_in() -> Result<(), Error> {
        let rules = signin_doctor::Rules::embedded()?;
        let mut one = Session::from_error_code(&rules, 50053);
        one.add_note("lockout-user-tried", "Caller: \"locked since 9\"");
        let mut s = Store::new(Duration::from_secs(60), 10);
        let id = s.insert(pack(&one)?)?;
        let (p, v) = s.get(&id).ok_or_else(|| failed("find", "gone"))?;
        assert_eq!(unpack(&p)?, one);
        one.answer(&rules, "lockout-user-tried", "yes")?;
        assert_eq!(s.put(&id, v, pack(&one)?), Put::Done);
        // A second change made from the same old copy is refused, not lost silently.
        assert_eq!(s.put(&id, v, pack(&one)?), Put::Changed);
        let (p, _) = s.get(&id).ok_or_else(|| failed("find", "gone"))?;
        assert_eq!(unpack(&p)?, one);
        assert_eq!(s.put("nope", 0, pack(&one)?), Put::Gone);
        Ok(())
    }

    #[test]
    fn an_expired_session_is_gone() -> Result<(), Error> {
        let mut s = Store::new(Duration::from_millis(1), 10);
        let a = s.insert(pack(&session()?)?)?;
        let b = s.insert(pack(&session()?)?)?;
        std::thread::sleep(Duration::from_millis(5));
        assert!(s.get(&a).is_none());
        s.sweep();
        assert_eq!(s.len(), 0, "the sweep took {b} too");
        assert!(!s.remove(&a));
        Ok(())
    }
}
