//! What a record says of MFA, read the same way by the summary reader
//! (batch triage's first pass, without allocating) and the full reader:
//! which authentication step is an MFA step, whether it succeeded, whether
//! the status details say MFA passed.

use super::{AuthStep, SignIn};

/// What a record says of MFA, however it was read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct MfaSays {
    /// `authenticationRequirement` is `multiFactorAuthentication`.
    pub required: bool,
    /// Whether an MFA step of `authenticationDetails` succeeded.
    pub step_ok: bool,
    /// Whether `status.additionalDetails` says MFA passed.
    pub details_ok: bool,
}

impl MfaSays {
    /// Whether a record that succeeded passed MFA, as far as it shows.
    pub(crate) fn hint(&self) -> bool {
        self.step_ok || self.details_ok || self.required
    }
}

/// Whether `status.additionalDetails` says MFA passed: "MFA successfully
/// completed", "MFA requirement satisfied by claim in the token", ...
pub(crate) fn says_mfa_passed(details: &str) -> bool {
    details.as_bytes().get(..3).is_some_and(|p| p.eq_ignore_ascii_case(b"mfa")) && {
        let l = details.to_ascii_lowercase();
        l.contains("completed") || l.contains("satisfied")
    }
}

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

/// Whether `s` contains `part`, ignoring ASCII case, without allocating.
pub(crate) fn contains_ci(s: &str, part: &str) -> bool {
    let (s, part) = (s.as_bytes(), part.as_bytes());
    let Some((&first, rest)) = part.split_first() else { return true };
    // Compare the whole word only where its first letter stands (every
    // record's step requirement is looked at, so this is a hot path).
    s.len() >= part.len() && (0..=s.len() - part.len()).any(|i| s[i].eq_ignore_ascii_case(&first) && s[i + 1..i + part.len()].eq_ignore_ascii_case(rest))
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

impl SignIn {
    /// What this record says of MFA.
    pub(crate) fn mfa_says(&self) -> MfaSays {
        let step_ok = self.authentication_details.iter().flatten().any(|st| st.succeeded == Some(true) && is_mfa_step(st));
        let required = self.authentication_requirement.as_deref().is_some_and(|r| r.eq_ignore_ascii_case("multiFactorAuthentication"));
        MfaSays { required, step_ok, details_ok: self.additional_details().is_some_and(says_mfa_passed) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contains_ci_ignores_ascii_case_only() {
        assert!(contains_ci("multiFactorAuthentication", "multi"));
        assert!(contains_ci("MultiFactorAuthentication", "factor"));
        assert!(contains_ci("primaryAuthentication", "primary"));
        assert!(!contains_ci("mf", "mfa"));
        assert!(contains_ci("", ""));
        assert!(!contains_ci("singleFactorAuthentication", "multi"));
        assert!(contains_ci("xxMFA", "mfa"));
        assert!(contains_ci("blocked: a Malicious IP", "MALICIOUS"), "the part in any case");
    }

    #[test]
    fn an_mfa_step_is_told_by_its_requirement_or_its_method() {
        assert!(StepRequirement::of("Multifactor authentication").is_mfa_with(StepMethod::of("Mobile app notification")));
        assert!(!StepRequirement::of("Primary authentication").is_mfa_with(StepMethod::of("Password")));
        assert!(StepRequirement::of("").is_mfa_with(StepMethod::of("Mobile app notification")));
        assert!(!StepRequirement::of("").is_mfa_with(StepMethod::of("Previously satisfied")));
    }
}
