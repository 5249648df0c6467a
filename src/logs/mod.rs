//! Logs in: files → records → attempts.
//!
//! [`Evidence`] holds the sign-in and audit records read from files;
//! [`Evidence::attempts`] groups sign-ins by correlation id (an interrupt such
//! as 50074 and its final result are one attempt) and [`Evidence::select`]
//! picks the attempt to diagnose.

pub(crate) mod activities;
mod audit;
pub(crate) mod csv;

mod flex;
pub(crate) mod inputs;
mod kinds;
mod read;
mod record;
mod says;
pub(crate) mod split;
pub(crate) mod summary;

pub use record::{AppIdentity, AuditEvent, AuthStep, CaPolicy, DeviceDetail, Initiator, Location, MfaDetail, ModifiedProperty, Origin, RequirementPolicy, SignIn, Status, Target, UserIdentity};

pub(crate) use audit::{AuditEntry, AuditIndex};
pub(crate) use flex::{boolean as flex_boolean, int as flex_int, nested as flex_nested, parse_time, text as flex_text};
pub(crate) use read::{is_json, read as read_text};
pub(crate) use says::{contains_ci, is_mfa_step, says_mfa_passed, MfaSays, StepMethod, StepRequirement};

use crate::error::{Error, ErrorKind, Result};
use std::borrow::Cow;
use std::path::Path;
use std::sync::OnceLock;

/// `s` in ASCII lower case, borrowed when it already is (user ids and UPNs
/// as map keys, looked up once or more per record).
pub(crate) fn ascii_lowercase(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

/// A file name without its directories, for compact traces (`file#N`).
pub(crate) fn short_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}

/// A text as a 64-bit key, case-insensitively: the one key by which the
/// history and the log index find a user (and the log index a correlation
/// or record id; the audit index keys ids and UPNs apart, see `audit`). Two users sharing a key would have
/// their histories merged, one's facts counting the other's sign-ins; among
/// a million users the chance is about 3 in 10^8. The key is seeded afresh
/// in each process (foldhash, fast rather than cryptographic), so names
/// that collide in one run do not in the next.
pub(crate) fn user_key(k: &str) -> u64 {
    use std::hash::BuildHasher;
    static STATE: OnceLock<foldhash::quality::RandomState> = OnceLock::new();
    // Lower-cased only when it holds an upper-case letter (ids never do).
    STATE.get_or_init(foldhash::quality::RandomState::default).hash_one(ascii_lowercase(k).as_bytes())
}

/// The sign-in and audit records available for a diagnosis.
///
/// ```
/// use signin_doctor::Evidence;
/// let ev = Evidence::builder()
///     .signins_str("s.json", r#"{"id":"a","createdDateTime":"2024-05-01T09:00:00Z",
///         "correlationId":"c1","userPrincipalName":"ana@contoso.com",
///         "status":{"errorCode":50126}}"#)?
///     .build();
/// let attempt = ev.select(&Default::default())?;
/// assert_eq!(attempt.deciding().error_code(), Some(50126));
/// # Ok::<(), signin_doctor::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct Evidence {
    signins: Vec<SignIn>,
    /// The audit events kept in full (see [`EvidenceBuilder::audit_index_only`]).
    audit: Vec<AuditEvent>,
    audit_given: bool,
    /// Records that could not be read, when the builder kept going past them.
    bad_records: Vec<Error>,
    /// The audit events as the facts read them, by user: what every
    /// diagnosis reads, whether or not the full events are kept.
    audit_index: AuditIndex,
    /// The index's number of each event kept in `audit`, ascending.
    audit_numbers: Vec<u32>,
}

/// How to read an input file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum InputFormat {
    /// Detect: JSON (object, array, Graph page, JSON Lines, Log Analytics rows,
    /// Azure Monitor records) by its first character, else CSV (the kind of
    /// CSV export by its header row).
    #[default]
    Auto,
    /// JSON in any of its shapes.
    Json,
    /// A CSV export (Entra admin center or Log Analytics).
    Csv,
}

/// Builds [`Evidence`] from files or text.
#[derive(Debug, Default)]
pub struct EvidenceBuilder {
    ev: Evidence,
    /// Steps from an authentication-details CSV, by Request ID.
    steps: std::collections::HashMap<String, Vec<AuthStep>>,
    format: InputFormat,
    /// `Some` when bad records are listed and skipped rather than fatal.
    bad: Option<Vec<Error>>,
    /// Keep only the audit index, not the full events.
    audit_index_only: bool,
}

impl EvidenceBuilder {
    /// Skip records that cannot be read (listed in
    /// [`Evidence::bad_records`]) instead of failing on the first, as batch
    /// triage does unless `--strict`. The file's structure must still hold,
    /// and a file with no good record is still an error.
    pub fn skip_bad_records(mut self, skip: bool) -> Self {
        self.bad = skip.then(Vec::new);
        self
    }

    /// Keep of the audit files read after this call only what the facts
    /// read (an index of compact entries by user), not the full events:
    /// batch triage's memory then follows the events' digest, not the audit
    /// file's size. The facts are the same; [`Evidence::audit`] and
    /// [`Evidence::audit_for`] hold only the events kept in full.
    pub fn audit_index_only(mut self, only: bool) -> Self {
        self.audit_index_only = only;
        self
    }

    /// Force the input format of the files read after this call.
    pub fn input_format(mut self, format: InputFormat) -> Self {
        self.format = format;
        self
    }

    /// Read sign-ins from a file (Graph `signIn` object, array or page; JSON
    /// Lines; Log Analytics rows; Azure Monitor records; the Entra admin
    /// center's CSV, whose authentication-details CSV may be given as another
    /// sign-in file and is joined on Request ID).
    pub fn signins_file(self, path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let open = || open_log(path);
        self.signins_from(path, open()?, open)
    }
    /// Read sign-ins from text (any shape a file may have); `name` is used in errors and traces.
    pub fn signins_str(self, name: impl AsRef<Path>, text: &str) -> Result<Self> {
        self.signins_from(name.as_ref(), text.as_bytes(), || Ok(text.as_bytes()))
    }
    /// Sign-ins from a stream; `again` opens it anew (an authentication-details
    /// CSV is told by its header row, then read from the start).
    fn signins_from<R: std::io::Read>(mut self, path: &Path, first: R, again: impl Fn() -> Result<R>) -> Result<Self> {
        let mut first = std::io::BufReader::new(first);
        if !read::is_json(&mut first, self.format).map_err(|e| Error::io(path, &e))? {
            if let Some(steps) = read::read_auth_details(path, first)? {
                for (id, st) in steps {
                    self.steps.entry(id).or_default().push(st);
                }
                return Ok(self);
            }
            self.ev.signins.extend(read::read_stream::<SignIn>(path, again()?, self.format, &mut self.bad)?);
            return Ok(self);
        }
        self.ev.signins.extend(read::read_stream::<SignIn>(path, first, self.format, &mut self.bad)?);
        Ok(self)
    }
    /// Read audit events from a file (Graph `directoryAudit` object, array or
    /// page; JSON Lines; Log Analytics rows; Azure Monitor records; the admin
    /// center's or Log Analytics' CSV), streamed.
    pub fn audit_file(self, path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let f = open_log(path)?;
        self.audit_from(path, f)
    }
    /// Read audit events from text.
    pub fn audit_str(self, name: impl AsRef<Path>, text: &str) -> Result<Self> {
        self.audit_from(name.as_ref(), text.as_bytes())
    }
    /// Index each event as it is read, and keep it unless only the index is wanted.
    fn audit_from(mut self, path: &Path, reader: impl std::io::Read) -> Result<Self> {
        let (ev, keep) = (&mut self.ev, !self.audit_index_only);
        read::read_stream_each::<AuditEvent>(path, reader, self.format, &mut self.bad, &mut |e| ev.add_audit(e, keep))?;
        self.ev.audit.shrink_to_fit();
        self.ev.audit_given = true;
        Ok(self)
    }

    /// Add records already decoded.
    pub fn records(mut self, signins: Vec<SignIn>, audit: Option<Vec<AuditEvent>>) -> Self {
        self.ev.signins.extend(signins);
        if let Some(a) = audit {
            for e in a {
                self.ev.add_audit(e, !self.audit_index_only);
            }
            self.ev.audit_given = true;
        }
        self
    }
    /// Finish: join authentication-details rows onto their sign-ins.
    pub fn build(mut self) -> Evidence {
        if !self.steps.is_empty() {
            for s in &mut self.ev.signins {
                if let Some(steps) = s.id.as_deref().and_then(|id| self.steps.get(id)) {
                    if s.authentication_details.as_ref().is_none_or(Vec::is_empty) {
                        s.authentication_details = Some(steps.clone());
                    }
                }
            }
        }
        self.ev.audit_index.finish();
        self.ev.bad_records = self.bad.unwrap_or_default();
        self.ev
    }
}

/// Whether a stream's first bytes are gzip's.
pub(crate) fn is_gzip(first: &[u8]) -> bool {
    first.starts_with(&[0x1f, 0x8b])
}

/// A log file to read whole: gzip-compressed ones (told by their first
/// bytes, whatever their name) are decompressed as they are read, and the
/// log cap counts the decompressed bytes.
fn open_log(path: &Path) -> Result<Box<dyn std::io::Read>> {
    use std::io::BufRead;
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, &e))?;
    let mut r = std::io::BufReader::new(f);
    let gz = is_gzip(r.fill_buf().map_err(|e| Error::io(path, &e))?);
    Ok(if gz { Box::new(crate::limit::Capped::log(flate2::bufread::MultiGzDecoder::new(r))) } else { Box::new(crate::limit::Capped::log(r)) })
}

/// Which attempt to diagnose. The default picks the most recent failure.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Selector {
    /// A record id (request id); its attempt is diagnosed.
    pub id: Option<String>,
    /// A correlation id.
    pub correlation_id: Option<String>,
    /// A user (UPN or object id): that user's most recent failure.
    pub user: Option<String>,
}

impl Selector {
    /// Select by any of record id, correlation id or user (the first given wins).
    pub fn new(id: Option<String>, correlation_id: Option<String>, user: Option<String>) -> Self {
        Selector { id, correlation_id, user }
    }
    /// Select by record id.
    pub fn id(id: impl Into<String>) -> Self {
        Selector { id: Some(id.into()), ..Default::default() }
    }
    /// Select by correlation id.
    pub fn correlation_id(id: impl Into<String>) -> Self {
        Selector { correlation_id: Some(id.into()), ..Default::default() }
    }
    /// Select a user's most recent failure.
    pub fn user(upn: impl Into<String>) -> Self {
        Selector { user: Some(upn.into()), ..Default::default() }
    }
}

/// One sign-in attempt: the records that share a correlation id, oldest first.
#[derive(Debug, Clone)]
pub struct Attempt {
    records: Vec<SignIn>,
    chosen: Option<usize>,
    /// Older records left out past [`Attempt::MAX_RECORDS`].
    dropped: usize,
}

impl Attempt {
    /// The most records an attempt keeps: its latest. One correlation id
    /// shared by a million records (a broken client, a replayed token) must
    /// not take gigabytes; the facts read the last records of an attempt.
    pub const MAX_RECORDS: usize = 100;

    /// An attempt of these records (sorted oldest first here; past
    /// [`Attempt::MAX_RECORDS`], the oldest are counted and left out).
    pub fn from_records(mut records: Vec<SignIn>) -> Attempt {
        records.sort_by(|a, b| a.created.cmp(&b.created).then(a.origin.record.cmp(&b.origin.record)));
        let dropped = records.len().saturating_sub(Self::MAX_RECORDS);
        records.drain(..dropped);
        Attempt { records, chosen: None, dropped }
    }

    /// How many older records were left out (see [`Attempt::MAX_RECORDS`]).
    pub fn records_dropped(&self) -> usize {
        self.dropped
    }

    /// Why the attempt's records tell no step (password, MFA) they could
    /// have told, in the terms of where they came from.
    pub(crate) fn no_steps_reason(&self) -> &'static str {
        let steps = || self.records.iter().filter_map(|r| r.authentication_details.as_ref());
        if steps().any(|s| !s.is_empty()) {
            "the records' step details do not include this step"
        } else if steps().next().is_some() {
            "the records' step details are empty (authenticationDetails is [])"
        } else if self.records.iter().any(|r| r.log_analytics) {
            "the Log Analytics rows carry no step details (the query or export left out the AuthenticationDetails column)"
        } else {
            "the records carry no step details (authenticationDetails: Graph v1.0 and the portal's sign-in CSV leave them out; Graph beta has them)"
        }
    }

    /// The records, oldest first.
    pub fn records(&self) -> &[SignIn] {
        &self.records
    }
    /// The correlation id shared by the records.
    pub fn correlation_id(&self) -> Option<&str> {
        self.records.first().and_then(|r| r.correlation_id.as_deref())
    }
    /// The record that decides the outcome: the one picked by `--id`; else,
    /// for an attempt that ended in a success (an interrupt such as 50074,
    /// then the sign-in went through), the success; else the last failure.
    pub fn deciding(&self) -> &SignIn {
        let last = self.records.len() - 1;
        let i = self.chosen.unwrap_or_else(|| if self.failed() { self.records.iter().rposition(SignIn::is_failure).unwrap_or(last) } else { last });
        &self.records[i]
    }
    /// Whether the attempt failed: its last record has an error code. An
    /// interrupt (such as 50074) followed by a success is not a failure.
    pub fn failed(&self) -> bool {
        self.records.last().is_some_and(SignIn::is_failure)
    }
}

fn same(a: Option<&str>, b: &str) -> bool {
    a.is_some_and(|a| a.eq_ignore_ascii_case(b))
}

impl Evidence {
    /// Start building.
    pub fn builder() -> EvidenceBuilder {
        EvidenceBuilder::default()
    }
    /// All sign-in records, in file order.
    pub fn signins(&self) -> &[SignIn] {
        &self.signins
    }
    /// Records skipped because they could not be read (only when built with
    /// [`EvidenceBuilder::skip_bad_records`]), each error naming its file,
    /// line and record.
    pub fn bad_records(&self) -> &[Error] {
        &self.bad_records
    }
    /// The audit events kept in full, in file order (not those read while
    /// [`EvidenceBuilder::audit_index_only`] was on).
    pub fn audit(&self) -> &[AuditEvent] {
        &self.audit
    }
    /// How many audit events were read (kept in full or not).
    pub fn audit_len(&self) -> usize {
        self.audit_index.len()
    }
    /// The audit log as the facts read it.
    pub(crate) fn audit_index(&self) -> &AuditIndex {
        &self.audit_index
    }
    /// Whether an audit log was given at all (if not, audit facts are unknown).
    pub fn has_audit(&self) -> bool {
        self.audit_given
    }
    /// The audit events that concern a user (as target, or as the initiator of
    /// a self-service change; an empty id or UPN names no one), in file
    /// order. Only events kept in full are returned: none of those read
    /// with [`EvidenceBuilder::audit_index_only`].
    pub fn audit_for(&self, user_id: Option<&str>, upn: Option<&str>) -> Vec<&AuditEvent> {
        let numbers = self.audit_index.numbers_for(user_id, upn);
        let kept = numbers.into_iter().filter_map(|n| self.audit_numbers.binary_search(&n).ok());
        kept.filter_map(|i| self.audit.get(i)).filter(|a| a.concerns(user_id, upn)).collect()
    }

    /// Index an audit event, and keep it in full if `keep`.
    fn add_audit(&mut self, e: AuditEvent, keep: bool) {
        let number = self.audit_index.len() as u32;
        self.audit_index.push(&e);
        if keep {
            self.audit_numbers.push(number);
            self.audit.push(e);
        }
    }

    /// Group the sign-ins into attempts by correlation id, each oldest first;
    /// attempts are ordered by their last record's time.
    pub fn attempts(&self) -> Vec<Attempt> {
        let mut groups: Vec<Vec<SignIn>> = Vec::new();
        let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
        for s in &self.signins {
            match s.correlation_id.as_deref().filter(|c| !c.is_empty()) {
                Some(c) => {
                    let i = *index.entry(c.to_string()).or_insert_with(|| {
                        groups.push(Vec::new());
                        groups.len() - 1
                    });
                    groups[i].push(s.clone());
                }
                None => groups.push(vec![s.clone()]),
            }
        }
        let mut attempts: Vec<Attempt> = groups.into_iter().map(Attempt::from_records).collect();
        attempts.sort_by(|a, b| {
            let ka = (a.records.last().and_then(|r| r.created), a.records.last().map(|r| r.origin.record));
            let kb = (b.records.last().and_then(|r| r.created), b.records.last().map(|r| r.origin.record));
            ka.cmp(&kb)
        });
        attempts
    }

    /// The users with failed attempts, the newest failure first, with how
    /// many failed attempts each (an interrupt then a success is not one):
    /// whom a log of several users' failures may be about.
    pub fn failed_users(&self) -> Vec<(String, usize)> {
        let mut users: Vec<(String, usize)> = Vec::new();
        for at in self.attempts().iter().rev().filter(|a| a.failed()) {
            let d = at.deciding();
            let Some(u) = d.user_principal_name.clone().or_else(|| d.user_id.clone()) else { continue };
            match users.iter_mut().find(|(x, _)| x.eq_ignore_ascii_case(&u)) {
                Some((_, n)) => *n += 1,
                None => users.push((u, 1)),
            }
        }
        users
    }

    /// Pick the attempt to diagnose: the one with the record or correlation
    /// id, else the most recent failure (of the user, if one is named). For a
    /// named user whose sign-ins all succeeded, their latest success, so a
    /// sign-in the caller asks about can be examined ([`Attempt::failed`]
    /// tells which).
    pub fn select(&self, sel: &Selector) -> Result<Attempt> {
        let attempts = self.attempts();
        if let Some(id) = &sel.id {
            for mut a in attempts {
                if let Some(i) = a.records.iter().position(|r| same(r.id.as_deref(), id)) {
                    a.chosen = Some(i);
                    return Ok(a);
                }
            }
            if self.signins.iter().any(|r| same(r.id.as_deref(), id)) {
                return Err(Error::new(ErrorKind::NotFound, format!("the sign-in record {id} is older than the last {} records of its attempt, which are all an attempt keeps", Attempt::MAX_RECORDS))
                    .hint("its correlation id is shared by more records than one sign-in makes; select the attempt by --correlation-id to see its latest records"));
            }
            return Err(Error::new(ErrorKind::NotFound, format!("no sign-in record has the id {id}")).hint("the id is the sign-in's \"id\" (Request ID in the portal)"));
        }
        if let Some(c) = &sel.correlation_id {
            return attempts.into_iter().find(|a| same(a.correlation_id(), c)).ok_or_else(|| Error::new(ErrorKind::NotFound, format!("no sign-in record has the correlation id {c}")));
        }
        let candidates = attempts.into_iter().filter(|a| sel.user.as_deref().is_none_or(|u| a.records.iter().any(|r| same(r.user_principal_name.as_deref(), u) || same(r.user_id.as_deref(), u))));
        let mut all: Vec<Attempt> = candidates.collect();
        let n = all.len();
        // A caller asking about a user whose log holds no failure: examine
        // their latest successful sign-in (a device code they typed, a
        // sign-in they do not recognise) rather than stop.
        if sel.user.is_some() && !all.iter().any(Attempt::failed) {
            if let Some(latest) = all.pop() {
                return Ok(latest);
            }
        }
        all.into_iter().rev().find(Attempt::failed).ok_or_else(|| {
            let who = sel.user.as_deref().map(|u| format!(" for {u}")).unwrap_or_default();
            if n == 0 {
                Error::new(ErrorKind::NotFound, format!("the log holds no sign-in{who}")).hint("an authentication-details CSV is only joined onto its sign-in CSV: give both with --signin")
            } else {
                Error::new(ErrorKind::NotFound, format!("the log holds no failed sign-in{who} ({n} attempt{}, all successful)", if n == 1 { "" } else { "s" }))
                    .hint("to diagnose a successful sign-in (e.g. a break-glass account), pick it with --id")
            }
        })
    }
}
