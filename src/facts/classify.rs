//! Classifying what a record says for the facts: MFA results and method
//! names in one word, and which step of an attempt is the MFA step. Which
//! step is an MFA step at all is the record source's (`logs::says`), shared
//! by the summary and the full reader.

pub(crate) use crate::logs::is_mfa_step;
use crate::logs::{contains_ci, AuthStep, SignIn};

/// The MFA step of a record: the last failed one, else the last one.
pub(crate) fn mfa_step(s: &SignIn) -> Option<&AuthStep> {
    let steps = s.authentication_details.as_deref()?;
    steps.iter().rev().find(|st| is_mfa_step(st) && st.succeeded == Some(false)).or_else(|| steps.iter().rev().find(|st| is_mfa_step(st)))
}

/// Classify an MFA result text (`authenticationStepResultDetail`,
/// `status.additionalDetails`) into the one-word `mfa.outcome`.
pub(crate) fn classify_mfa_result(text: &str) -> &'static str {
    first_family(
        text,
        &[
            (&["fraud"], "fraud-reported"),
            (&["declined", "mobile app denied"], "declined"),
            (&["did not respond", "didn't respond", "no phone input", "timed out", "never entered", "did not enter", "no response"], "no-response"),
            (&["unable to send the mobile app notification", "all devices blocked", "notification failed"], "app-notification-failed"),
            (&["have any verification methods", "registration prompted", "registration required", "must enroll", "no default authentication method"], "no-methods"),
            (&["unable to reach", "unreachable", "voicemail", "invalid format", "hung up", "sms failed", "text message could not"], "phone-unreachable"),
            (&["incorrect code", "incorrect pin", "invalid verification code", "invalid mobile app verification code", "correct number", "already used", "code incorrect"], "wrong-code"),
            (&["user is blocked", "blocked for mfa"], "blocked"),
            (&["service error", "misconfiguration", "transient", "throttled"], "service-error"),
            (&["in-progress", "in progress", "duplicate authentication"], "in-progress"),
            (&["successfully completed", "completed in", "satisfied", "skipped", "succeeded"], "succeeded"),
        ],
        "other",
    )
}

/// The label of the first family with a word that `text` contains (ignoring
/// ASCII case), else `default`: the one way MFA results and method names are
/// classified.
pub(crate) fn first_family(text: &str, families: &[(&[&str], &'static str)], default: &'static str) -> &'static str {
    families.iter().find(|(words, _)| words.iter().any(|w| contains_ci(text, w))).map_or(default, |(_, label)| label)
}

#[cfg(test)]
mod tests {
    use super::classify_mfa_result;

    #[test]
    fn mfa_result_texts_fall_into_their_families() {
        assert_eq!(classify_mfa_result("MFA denied; user did not respond to mobile app notification"), "no-response");
        assert_eq!(classify_mfa_result("MFA denied; Phone App Reported Fraud"), "fraud-reported");
    }
}
