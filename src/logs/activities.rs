//! What the facts tell audit events apart by: the activity names (as
//! Microsoft writes them in `activityDisplayName`) that register or change
//! security info, start a registration, report fraud, disable or enable an
//! account, or change a password. Each event is classified once, as it is
//! indexed; an event of none of these kinds is only counted.

/// Audit activities that change a user's security info (MFA methods).
pub(super) const CHANGE_ACTIVITIES: &[&str] = &[
    "user registered security info",
    "user deleted security info",
    "user changed default security info",
    "user updated security info",
    "admin registered security info",
    "admin deleted security info",
    "admin updated security info",
    "user registered all required security info",
    "add users strong authentication phone app detail",
    "remove users strong authentication phone app detail",
    "add fido2 security key",
    "delete fido2 security key(s)",
    "add passwordless phone sign-in credential",
    "delete passwordless phone sign-in credential",
    "add windows hello for business credential",
    "enable strong authentication",
    "disable strong authentication",
];

/// Audit activities that register a method.
pub(super) const REGISTER_ACTIVITIES: &[&str] = &[
    "user registered security info",
    "admin registered security info",
    "user registered all required security info",
    "add users strong authentication phone app detail",
    "add fido2 security key",
    "add passwordless phone sign-in credential",
    "add windows hello for business credential",
];

/// Audit activities that change or reset a password.
pub(super) const PASSWORD_ACTIVITIES: &[&str] =
    &["reset password", "change password (self-service)", "reset password (self-service)", "reset password (by admin)", "change user password", "reset user password"];

/// An activity registers a method.
pub(crate) const REGISTER: u8 = 1;
/// An activity changes security info (an MFA method), or updates the
/// user's `StrongAuthentication*` properties.
pub(crate) const CHANGE: u8 = 1 << 1;
/// The user started or canceled a security-info registration.
pub(crate) const STARTED: u8 = 1 << 2;
/// Fraud or suspicious activity reported (from an MFA prompt).
pub(crate) const FRAUD: u8 = 1 << 3;
/// The account was disabled.
pub(crate) const DISABLE: u8 = 1 << 4;
/// The account was enabled.
pub(crate) const ENABLE: u8 = 1 << 5;
/// A password was changed or reset.
pub(crate) const PASSWORD: u8 = 1 << 6;

/// The kinds (flags above) of an activity, given the names of the
/// properties the event changed.
pub(crate) fn kinds<'a>(activity: &str, mut properties: impl Iterator<Item = &'a str>) -> u8 {
    let is_in = |list: &[&str]| list.iter().any(|x| x.eq_ignore_ascii_case(activity.trim()));
    let is = |name: &str| activity.eq_ignore_ascii_case(name);
    let mut k = 0;
    if is_in(REGISTER_ACTIVITIES) {
        k |= REGISTER;
    }
    if is_in(CHANGE_ACTIVITIES) || (is("update user") && properties.any(|p| p.starts_with("StrongAuthentication"))) {
        k |= CHANGE;
    }
    if is("user started security info registration") || is("user canceled security info registration") {
        k |= STARTED;
    }
    if activity.as_bytes().get(..14).is_some_and(|p| p.eq_ignore_ascii_case(b"fraud reported")) || is("suspicious activity reported") {
        k |= FRAUD;
    }
    if is("disable account") {
        k |= DISABLE;
    }
    if is("enable account") {
        k |= ENABLE;
    }
    if is_in(PASSWORD_ACTIVITIES) {
        k |= PASSWORD;
    }
    k
}
