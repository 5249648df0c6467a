//! The audit log as the facts read it: one compact entry per event, found
//! by user. Built as the events stream in, so a caller that does not need
//! the full events (batch triage) never holds them: memory follows what the
//! facts read (an event's time, activity, result, initiator and the names
//! of the properties it changed), not the audit file's size.

use super::record::AuditEvent;
use super::user_key;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// One audit event, as far as the facts read it. Texts are shared with
/// every other event holding the same text (the audit reader shares them).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct AuditEntry {
    /// `activityDateTime`.
    pub time: Option<DateTime<Utc>>,
    /// `activityDisplayName`.
    pub activity: Option<Arc<str>>,
    /// `result`.
    pub result: Option<Arc<str>>,
    /// `resultReason`.
    pub result_reason: Option<Arc<str>>,
    /// Who did it: the initiating user's UPN, else their name, else the app.
    initiator: Option<Arc<str>>,
    /// The initiating user's IP address (never empty).
    initiator_ip: Option<Arc<str>>,
    /// The initiating user's id and UPN, as [`user_key`]s (0: none); `None`
    /// when no user initiated the event (an app, or no initiator).
    initiator_user: Option<[u64; 2]>,
    /// Names of the modified properties on the targets.
    properties: Box<[Arc<str>]>,
    /// Where it was read: the index's file number, the record number, and
    /// the event's `id`.
    file: u32,
    record: u32,
    id: Option<Box<str>>,
}

impl AuditEntry {
    /// The initiator's name (see the field).
    pub(crate) fn initiator_name(&self) -> Option<&str> {
        self.initiator.as_deref()
    }

    /// The initiating user's IP address.
    pub(crate) fn initiator_ip(&self) -> Option<&str> {
        self.initiator_ip.as_deref()
    }

    /// Whether a user (not an app) initiated the event.
    pub(crate) fn initiated_by_user(&self) -> bool {
        self.initiator_user.is_some()
    }

    /// Whether the initiator is the user with this id or UPN (self-service)
    /// rather than an admin; as [`AuditEvent::is_self_service`], by key.
    pub(crate) fn is_self_service(&self, user_id: Option<&str>, upn: Option<&str>) -> bool {
        let Some([id, name]) = self.initiator_user else { return false };
        let same = |key: u64, of: Option<&str>| key != 0 && of.is_some_and(|v| user_key(v) == key);
        same(id, user_id) || same(name, upn)
    }

    /// Names of the modified properties on the targets.
    pub(crate) fn modified_property_names(&self) -> impl Iterator<Item = &str> {
        self.properties.iter().map(|p| &**p)
    }
}

/// The audit events of a log, each as an [`AuditEntry`], and by user.
#[derive(Debug, Default)]
pub(crate) struct AuditIndex {
    entries: Vec<AuditEntry>,
    files: Vec<Arc<str>>,
    /// (user key, entry number), sorted once every event is in: the events
    /// of each user id or UPN, found by binary search.
    users: Vec<(u64, u32)>,
    sorted: bool,
}

impl AuditIndex {
    /// Add an event; it is filed under its user targets' ids and UPNs, or
    /// when it has no user target, under its initiating user's (the users
    /// [`AuditEvent::concerns`] accepts).
    pub(crate) fn push(&mut self, e: &AuditEvent) {
        let number = self.entries.len() as u32;
        let mut filed = false;
        for t in e.target_resources.iter().flatten().filter(|t| t.kind.as_deref().is_none_or(|k| k.eq_ignore_ascii_case("user"))) {
            filed = true;
            self.users.extend([t.id.as_deref(), t.user_principal_name.as_deref()].into_iter().flatten().map(|k| (user_key(k), number)));
        }
        let user = e.initiated_by.as_ref().and_then(|i| i.user.as_ref());
        if !filed {
            self.users.extend(user.into_iter().flat_map(|u| [u.id.as_deref(), u.user_principal_name.as_deref()]).flatten().map(|k| (user_key(k), number)));
        }
        let key = |v: Option<&Arc<str>>| v.map_or(0, |v| user_key(v));
        let initiator = e
            .initiated_by
            .as_ref()
            .and_then(|i| i.user.as_ref().and_then(|u| u.user_principal_name.clone().or_else(|| u.display_name.clone())).or_else(|| i.app.as_ref().and_then(|a| a.display_name.clone())));
        let file = match self.files.last() {
            Some(f) if Arc::ptr_eq(f, &e.origin.file) || **f == *e.origin.file => self.files.len() - 1,
            _ => {
                self.files.push(e.origin.file.clone());
                self.files.len() - 1
            }
        };
        self.entries.push(AuditEntry {
            time: e.time,
            activity: e.activity.clone(),
            result: e.result.clone(),
            result_reason: e.result_reason.clone(),
            initiator,
            initiator_ip: user.and_then(|u| u.ip_address.clone()).filter(|s| !s.is_empty()),
            initiator_user: user.map(|u| [key(u.id.as_ref()), key(u.user_principal_name.as_ref())]),
            properties: e.modified_property_names().map(Arc::from).collect(),
            file: file as u32,
            record: e.origin.record as u32,
            id: e.id.as_deref().map(Box::from),
        });
        self.sorted = false;
    }

    /// Sort the user index (every event in), and give back spare room.
    pub(crate) fn finish(&mut self) {
        if !self.sorted {
            self.users.sort_unstable();
            self.users.dedup();
            self.sorted = true;
        }
        self.users.shrink_to_fit();
        self.entries.shrink_to_fit();
    }

    /// How many events.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The entry numbers of a user's events (by id or UPN, case folded), in
    /// file order. Two users sharing a key (see [`user_key`]) would share
    /// their events, as they would share their sign-in history.
    pub(crate) fn numbers_for(&self, user_id: Option<&str>, upn: Option<&str>) -> Vec<u32> {
        debug_assert!(self.sorted || self.users.is_empty(), "the audit index is read before it is finished");
        let of = |k: &str| {
            let h = user_key(k);
            let from = self.users.partition_point(|&(x, _)| x < h);
            self.users[from..].iter().take_while(move |&&(x, _)| x == h).map(|&(_, i)| i)
        };
        let mut numbers: Vec<u32> = [user_id, upn].into_iter().flatten().filter(|k| !k.is_empty()).flat_map(of).collect();
        numbers.sort_unstable();
        numbers.dedup();
        numbers
    }

    /// A user's events (by id or UPN), in file order.
    pub(crate) fn for_user(&self, user_id: Option<&str>, upn: Option<&str>) -> Vec<&AuditEntry> {
        self.numbers_for(user_id, upn).into_iter().filter_map(|i| self.entries.get(i as usize)).collect()
    }

    /// Label of an entry for traces: `file#N (id)`, the file without its
    /// directories.
    pub(crate) fn label(&self, a: &AuditEntry) -> Arc<str> {
        let path = self.files.get(a.file as usize).map_or("", |f| &**f);
        let file = path.rsplit(['/', '\\']).next().unwrap_or(path);
        Arc::from(match a.id.as_deref().filter(|i| !i.is_empty()) {
            Some(id) => format!("{file}#{} ({id})", a.record),
            None => format!("{file}#{}", a.record),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::AuditIndex;
    use crate::logs::AuditEvent;

    fn events(text: &str) -> Result<Vec<AuditEvent>, String> {
        crate::logs::read_text::<AuditEvent>(std::path::Path::new("dir/audit.json"), text).map_err(|e| e.to_string())
    }

    fn index(text: &str) -> Result<(Vec<AuditEvent>, AuditIndex), String> {
        let events = events(text)?;
        let mut index = AuditIndex::default();
        for e in &events {
            index.push(e);
        }
        index.finish();
        Ok((events, index))
    }

    /// The index files an event under exactly the users `concerns` accepts,
    /// and its entries say what the full event says.
    #[test]
    fn entries_say_what_the_events_say_and_are_found_as_concerns_finds_them() -> Result<(), String> {
        let (events, index) = index(
            r#"[{"id": "e1", "activityDisplayName": "User registered security info", "activityDateTime": "2026-11-02T09:00:00Z", "result": "success",
                 "initiatedBy": {"user": {"id": "U1", "userPrincipalName": "ana@contoso.com", "ipAddress": "203.0.113.5"}},
                 "targetResources": [{"id": "u1", "type": "User", "userPrincipalName": "Ana@Contoso.com", "modifiedProperties": [{"displayName": "StrongAuthenticationMethod"}]}]},
                {"id": "e2", "activityDisplayName": "Reset password (by admin)", "activityDateTime": "2026-11-03T09:00:00Z",
                 "initiatedBy": {"user": {"id": "admin1", "userPrincipalName": "admin@contoso.com", "ipAddress": ""}},
                 "targetResources": [{"id": "u2", "type": "User", "userPrincipalName": "ben@contoso.com"}]},
                {"activityDisplayName": "Update policy", "initiatedBy": {"app": {"displayName": "Graph Explorer"}}, "targetResources": [{"id": "p1", "type": "Policy"}]},
                {"id": "e4", "activityDisplayName": "User started security info registration", "initiatedBy": {"user": {"id": "u3", "userPrincipalName": "cy@contoso.com"}}, "targetResources": []}]"#,
        )?;
        assert_eq!(index.len(), 4);
        for (uid, upn) in [
            (Some("u1"), None),
            (None, Some("ana@contoso.com")),
            (Some("U2"), Some("ben@contoso.com")),
            (Some("admin1"), Some("admin@contoso.com")),
            (Some("u3"), None),
            (Some("p1"), None),
            (None, Some("nobody@contoso.com")),
        ] {
            let want: Vec<u32> = events.iter().enumerate().filter(|(_, e)| e.concerns(uid, upn)).map(|(i, _)| i as u32).collect();
            assert_eq!(index.numbers_for(uid, upn), want, "{uid:?} {upn:?}");
        }
        let entries = index.for_user(Some("u1"), None);
        let (a, e) = (entries.first().ok_or("no entry for u1")?, &events[0]);
        assert_eq!((a.time, a.activity.as_deref(), a.result.as_deref()), (e.time, e.activity.as_deref(), e.result.as_deref()));
        assert_eq!((a.initiator_name(), a.initiator_ip()), (e.initiator_name(), e.initiator_ip()));
        assert!(a.modified_property_names().eq(e.modified_property_names()));
        for (uid, upn) in [(Some("u1"), Some("ana@contoso.com")), (Some("x"), Some("ANA@contoso.com")), (Some("x"), Some("y"))] {
            assert_eq!(a.is_self_service(uid, upn), e.is_self_service(uid, upn), "{uid:?} {upn:?}");
        }
        assert_eq!(&*index.label(a), "audit.json#1 (e1)");
        let admin = index.for_user(Some("u2"), None);
        let b = admin.first().ok_or("no entry for u2")?;
        assert!(b.initiated_by_user() && !b.is_self_service(Some("u2"), Some("ben@contoso.com")) && b.initiator_ip().is_none());
        let app = index.for_user(Some("p1"), None);
        assert!(app.is_empty(), "a policy target is not a user");
        Ok(())
    }
}
