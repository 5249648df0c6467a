//! Classifying what a record says: which authentication step is the MFA
//! step, and MFA results and method names in one word. The first pass of
//! batch triage and the full reader share these, so both count alike.

use crate::logs::{AuthStep, SignIn};

pub(crate) fn is_mfa_step(step: &AuthStep) -> bool {
    is_mfa_step_parts(step.requirement.as_deref(), step.method.as_deref())
}

/// Whether a step with this `authenticationStepRequirement` and
/// `authenticationMethod` is an MFA step (not the primary, password step).
pub(crate) fn is_mfa_step_parts(requirement: Option<&str>, method: Option<&str>) -> bool {
    StepRequirement::of(requirement.unwrap_or("")).is_mfa_with(StepMethod::of(method.unwrap_or("")))
}

/// Methods that are the first factor or a token, never an MFA step.
const FIRST_FACTOR_METHODS: &[&str] = &["password", "previously satisfied", "cloudonlypassword", "claim in access token"];

/// Whether `s` contains `part` (lower-case ASCII), ignoring ASCII case, without allocating.
pub(crate) fn contains_ci(s: &str, part: &str) -> bool {
    s.as_bytes().windows(part.len()).any(|w| w.eq_ignore_ascii_case(part.as_bytes()))
}

/// What an `authenticationStepRequirement` says, read without keeping the text
/// (batch triage's first pass reads every record's steps).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct StepRequirement {
    mfa: bool,
    primary: bool,
}

impl StepRequirement {
    pub(crate) fn of(r: &str) -> Self {
        StepRequirement { mfa: contains_ci(r, "mfa") || contains_ci(r, "multi"), primary: contains_ci(r, "primary") }
    }
    /// Whether a step with this requirement and method is an MFA step.
    pub(crate) fn is_mfa_with(self, m: StepMethod) -> bool {
        self.mfa || (!m.none && !self.primary && !m.first_factor)
    }
}

/// What an `authenticationMethod` says, read without keeping the text.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StepMethod {
    none: bool,
    first_factor: bool,
}

impl Default for StepMethod {
    fn default() -> Self {
        StepMethod { none: true, first_factor: false }
    }
}

impl StepMethod {
    pub(crate) fn of(m: &str) -> Self {
        StepMethod { none: m.is_empty(), first_factor: FIRST_FACTOR_METHODS.iter().any(|x| m.eq_ignore_ascii_case(x)) }
    }
}

/// Both read as a string (or null) from a record, never allocated.
macro_rules! from_str_flags {
    ($t:ty) => {
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = $t;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        f.write_str("a string or null")
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<$t, E> {
                        Ok(<$t>::of(v))
                    }
                    fn visit_unit<E: serde::de::Error>(self) -> std::result::Result<$t, E> {
                        Ok(<$t>::default())
                    }
                    fn visit_none<E: serde::de::Error>(self) -> std::result::Result<$t, E> {
                        Ok(<$t>::default())
                    }
                    // Anything else reads as absent, as the full reader's text fields do.
                    fn visit_bool<E: serde::de::Error>(self, _: bool) -> std::result::Result<$t, E> {
                        Ok(<$t>::default())
                    }
                    fn visit_i64<E: serde::de::Error>(self, _: i64) -> std::result::Result<$t, E> {
                        Ok(<$t>::default())
                    }
                    fn visit_u64<E: serde::de::Error>(self, _: u64) -> std::result::Result<$t, E> {
                        Ok(<$t>::default())
                    }
                    fn visit_f64<E: serde::de::Error>(self, _: f64) -> std::result::Result<$t, E> {
                        Ok(<$t>::default())
                    }
                    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut s: A) -> std::result::Result<$t, A::Error> {
                        while s.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                        Ok(<$t>::default())
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut m: A) -> std::result::Result<$t, A::Error> {
                        while m.next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?.is_some() {}
                        Ok(<$t>::default())
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}
from_str_flags!(StepRequirement);
from_str_flags!(StepMethod);

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
