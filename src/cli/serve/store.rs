//! Sessions kept on the server: a browser or a ticketing system holds only
//! an opaque, unguessable id (128 random bits), so nothing it sends back can
//! change a fact. Each session expires after a quiet spell, and the store
//! holds at most so many (the least recently used goes first).

use signin_doctor::{Error, ErrorKind, Session};
use std::collections::HashMap;
use std::time::{Duration, Instant};

struct Entry {
    session: Session,
    used: Instant,
}

pub struct Store {
    map: HashMap<String, Entry>,
    ttl: Duration,
    cap: usize,
}

impl Store {
    pub fn new(ttl: Duration, cap: usize) -> Store {
        Store { map: HashMap::new(), ttl, cap: cap.max(1) }
    }

    fn purge(&mut self, now: Instant) {
        let ttl = self.ttl;
        self.map.retain(|_, e| now.duration_since(e.used) < ttl);
    }

    /// Keep a new session; its id.
    pub fn insert(&mut self, session: Session) -> Result<String, Error> {
        let now = Instant::now();
        self.purge(now);
        while self.map.len() >= self.cap {
            let Some(oldest) = self.map.iter().min_by_key(|(_, e)| e.used).map(|(k, _)| k.clone()) else { break };
            self.map.remove(&oldest);
        }
        let mut b = [0u8; 16];
        getrandom::fill(&mut b).map_err(|e| Error::from_parts(ErrorKind::Session, format!("cannot make a session id: {e}"), std::path::Path::new("")))?;
        let id: String = b.iter().map(|x| format!("{x:02x}")).collect();
        self.map.insert(id.clone(), Entry { session, used: now });
        Ok(id)
    }

    /// A live session, marked as used now.
    pub fn get_mut(&mut self, id: &str) -> Option<&mut Session> {
        let now = Instant::now();
        let ttl = self.ttl;
        let live = self.map.get(id).is_some_and(|e| now.duration_since(e.used) < ttl);
        if !live {
            self.map.remove(id);
            return None;
        }
        let e = self.map.get_mut(id)?;
        e.used = now;
        Some(&mut e.session)
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
        let a = s.insert(session()?)?;
        let b = s.insert(session()?)?;
        assert!(s.get_mut(&a).is_some(), "a is used again");
        let c = s.insert(session()?)?;
        assert_eq!(s.len(), 2);
        assert!(s.get_mut(&b).is_none(), "b was the least recently used");
        assert!(s.get_mut(&a).is_some() && s.get_mut(&c).is_some());
        assert_ne!(a, c);
        assert_eq!(a.len(), 32);
        Ok(())
    }

    #[test]
    fn an_expired_session_is_gone() -> Result<(), Error> {
        let mut s = Store::new(Duration::from_millis(1), 10);
        let a = s.insert(session()?)?;
        std::thread::sleep(Duration::from_millis(5));
        assert!(s.get_mut(&a).is_none());
        assert!(!s.remove(&a));
        Ok(())
    }
}
