//! The audit log as the facts read it: one compact entry per event, found
//! by user. Built as the events stream in, so a caller that does not need
//! the full events (batch triage) never holds them: memory follows what the
//! facts read, not the audit file's size (about 800 bytes an event). An
//! event of a kind the facts tell apart (a registration, a security-info
//! change, a password reset, ...) keeps its time, activity, result,
//! reason and initiator (about 180 bytes with its user index); any other
//! event is only counted (about 64 bytes).

use super::record::AuditEvent;
use chrono::{DateTime, Utc};
use std::hash::BuildHasher;
use std::sync::{Arc, OnceLock};

/// Which kind of name a key is of: an object id is only ever compared with
/// an object id, a UPN with a UPN (as [`AuditEvent::concerns`] compares them).
#[derive(Clone, Copy, Hash)]
enum Kind {
    Id,
    Upn,
}

/// A user's id or UPN, case folded, as a 64-bit key and a 32-bit check
/// hashed apart (two seeds, fresh in each process): two names are taken
/// for one only when all 96 bits agree, so unlike the history (which keeps
/// users by a 64-bit key alone) two users' audit events are never mixed in
/// practice. Empty names are no names.
fn ident(kind: Kind, name: Option<&str>) -> Option<(u64, u32)> {
    static STATES: OnceLock<[foldhash::quality::RandomState; 2]> = OnceLock::new();
    let name = name.filter(|n| !n.is_empty())?;
    let [a, b] = STATES.get_or_init(Default::default);
    let folded = super::ascii_lowercase(name);
    let it = (kind, folded.as_bytes());
    Some((a.hash_one(it), b.hash_one(it) as u32))
}

/// One audit event, as far as the facts read it: its time, whether it
/// succeeded, what kind of activity it is, and for an event of a kind the
/// facts tell apart (see [`activities`](super::activities)), its detail.
/// An event of no such kind is only counted: about 32 bytes.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AuditEntry {
    /// `activityDateTime`.
    pub time: Option<DateTime<Utc>>,
    /// The activity's kinds (flags of [`activities`](super::activities)).
    kinds: u8,
    /// `result` is `success` (or `0`), or absent.
    succeeded: bool,
    detail: Option<Box<Detail>>,
}

/// What the facts show of an event of a kind they tell apart. Texts are
/// shared with every other event holding the same text.
#[derive(Debug, Clone, PartialEq)]
struct Detail {
    /// `activityDisplayName`.
    activity: Option<Arc<str>>,
    /// `resultReason`.
    result_reason: Option<Arc<str>>,
    /// Who did it: the initiating user's UPN, else their name, else the app.
    initiator: Option<Arc<str>>,
    /// The initiating user's IP address (never empty).
    initiator_ip: Option<Arc<str>>,
    /// The initiating user's id and UPN, each as the 64-bit key of
    /// [`ident`] (0: no name; compared only with the one user asked about,
    /// so 64 bits suffice); `None` when no user initiated the event (an
    /// app, or no initiator).
    initiator_user: Option<[u64; 2]>,
    /// Where it was read: the index's file number, the record number, and
    /// the event's `id`.
    file: u32,
    record: u32,
    id: Option<Box<str>>,
}

impl AuditEntry {
    /// Whether the activity is of this kind (a flag of [`activities`](super::activities)).
    pub(crate) fn is(&self, kind: u8) -> bool {
        self.kinds & kind != 0
    }

    /// Whether the event succeeded (`result` `success` or `0`, or none given).
    pub(crate) fn succeeded(&self) -> bool {
        self.succeeded
    }

    /// The activity's name ("" for an event only counted).
    pub(crate) fn activity(&self) -> &str {
        self.detail.as_ref().and_then(|d| d.activity.as_deref()).unwrap_or_default()
    }

    /// `resultReason`.
    pub(crate) fn result_reason(&self) -> Option<&str> {
        self.detail.as_ref()?.result_reason.as_deref()
    }

    /// The initiator's name (see the field).
    pub(crate) fn initiator_name(&self) -> Option<&str> {
        self.detail.as_ref()?.initiator.as_deref()
    }

    /// The initiating user's IP address.
    pub(crate) fn initiator_ip(&self) -> Option<&str> {
        self.detail.as_ref()?.initiator_ip.as_deref()
    }

    /// Whether a user (not an app) initiated the event.
    pub(crate) fn initiated_by_user(&self) -> bool {
        self.detail.as_ref().is_some_and(|d| d.initiator_user.is_some())
    }

    /// Whether the initiator is the user with this id or UPN (self-service)
    /// rather than an admin; as [`AuditEvent::is_self_service`], by key,
    /// an empty name matching nothing.
    pub(crate) fn is_self_service(&self, user_id: Option<&str>, upn: Option<&str>) -> bool {
        let Some([id, name]) = self.detail.as_ref().and_then(|d| d.initiator_user) else { return false };
        let same = |key: u64, kind, of| key != 0 && ident(kind, of).is_some_and(|(k, _)| k == key);
        same(id, Kind::Id, user_id) || same(name, Kind::Upn, upn)
    }
}

/// The audit events of a log, each as an [`AuditEntry`], and by user.
#[derive(Debug, Default)]
pub(crate) struct AuditIndex {
    entries: Vec<AuditEntry>,
    files: Vec<Arc<str>>,
    /// (key, check, entry number) of each user id and UPN (see [`ident`]),
    /// sorted once every event is in, found by binary search: 16 bytes a name.
    users: Vec<(u64, u32, u32)>,
}

impl AuditIndex {
    /// Add an event; it is filed under its user targets' ids and UPNs, or
    /// when it has no user target, under its initiating user's (the users
    /// [`AuditEvent::concerns`] accepts).
    pub(crate) fn push(&mut self, e: &AuditEvent) {
        let number = self.entries.len() as u32;
        let names = |id: Option<&str>, upn: Option<&str>| [ident(Kind::Id, id), ident(Kind::Upn, upn)];
        let file = |(key, check): (u64, u32)| (key, check, number);
        let mut filed = false;
        for t in e.target_resources.iter().flatten().filter(|t| t.kind.as_deref().is_none_or(|k| k.eq_ignore_ascii_case("user"))) {
            filed = true;
            self.users.extend(names(t.id.as_deref(), t.user_principal_name.as_deref()).into_iter().flatten().map(file));
        }
        let user = e.initiated_by.as_ref().and_then(|i| i.user.as_ref());
        let initiator_names = user.map(|u| names(u.id.as_deref(), u.user_principal_name.as_deref()));
        if !filed {
            self.users.extend(initiator_names.into_iter().flatten().flatten().map(file));
        }
        let file = match self.files.last() {
            Some(f) if Arc::ptr_eq(f, &e.origin.file) || **f == *e.origin.file => self.files.len() - 1,
            _ => {
                self.files.push(e.origin.file.clone());
                self.files.len() - 1
            }
        };
        let activity = e.activity.as_deref().unwrap_or_default();
        let kinds = super::activities::kinds(activity, e.modified_property_names());
        let detail = (kinds != 0).then(|| {
            Box::new(Detail {
                activity: e.activity.clone(),
                result_reason: e.result_reason.clone(),
                initiator: e.initiator_text().cloned(),
                initiator_ip: e.initiator_ip_text().cloned(),
                initiator_user: initiator_names.map(|n| n.map(|k| k.map_or(0, |(key, _)| key))),
                file: file as u32,
                // An audit log is capped at 1 GiB: some million events.
                record: u32::try_from(e.origin.record).unwrap_or(u32::MAX),
                id: e.id.as_deref().map(Box::from),
            })
        });
        let succeeded = e.result.as_deref().is_none_or(|r| r.eq_ignore_ascii_case("success") || r == "0");
        self.entries.push(AuditEntry { time: e.time, kinds, succeeded, detail });
    }

    /// Sort the user index (every event in), and give back spare room.
    pub(crate) fn finish(&mut self) {
        self.users.sort_unstable();
        self.users.dedup();
        self.users.shrink_to_fit();
        self.entries.shrink_to_fit();
    }

    /// How many events.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entry numbers of a user's events, by id or UPN (case folded, an
    /// empty name matching nothing), in file order: the events
    /// [`AuditEvent::concerns`] accepts.
    pub(crate) fn numbers_for(&self, user_id: Option<&str>, upn: Option<&str>) -> Vec<u32> {
        let of = |(key, check): (u64, u32)| {
            let from = self.users.partition_point(|&(k, c, _)| (k, c) < (key, check));
            self.users[from..].iter().take_while(move |&&(k, c, _)| (k, c) == (key, check)).map(|&(_, _, i)| i)
        };
        let mut numbers: Vec<u32> = [ident(Kind::Id, user_id), ident(Kind::Upn, upn)].into_iter().flatten().flat_map(of).collect();
        numbers.sort_unstable();
        numbers.dedup();
        numbers
    }

    /// A user's events (by id or UPN), in file order.
    pub(crate) fn for_user(&self, user_id: Option<&str>, upn: Option<&str>) -> Vec<&AuditEntry> {
        self.numbers_for(user_id, upn).into_iter().filter_map(|i| self.entries.get(i as usize)).collect()
    }

    /// Label of an entry for traces: `file#N (id)`, the file without its
    /// directories ("audit log" for an event only counted).
    pub(crate) fn label(&self, a: &AuditEntry) -> Arc<str> {
        let Some(d) = a.detail.as_ref() else { return Arc::from("audit log") };
        let file = super::short_name(self.files.get(d.file as usize).map_or("", |f| &**f));
        Arc::from(match d.id.as_deref().filter(|i| !i.is_empty()) {
            Some(id) => format!("{file}#{} ({id})", d.record),
            None => format!("{file}#{}", d.record),
        })
    }
}

#[cfg(test)]
mod tests;

// One entry per audit event, held for the whole run: keep it small (an
// event the facts only count is this and its 16 bytes a name in `users`).
const _: () = assert!(std::mem::size_of::<AuditEntry>() <= 32);
