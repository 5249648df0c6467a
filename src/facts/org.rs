//! Organisation settings: the facts no log holds (`--org FILE`, RON).

use crate::error::{Error, ErrorKind, Result};
use crate::text::ron_error;
use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use std::net::IpAddr;
use std::path::Path;

fn default_recent_days() -> u32 {
    14
}

/// What the organisation knows about itself. See `examples/org.ron`.
///
/// ```
/// use signin_doctor::OrgSettings;
/// let org = OrgSettings::from_ron_str("org.ron", r#"(
///     break_glass_accounts: ["svc-emergency-alpha@contoso.com"],
///     trusted_countries: ["GB"],
///     trusted_ip_ranges: ["203.0.113.0/24"],
/// )"#)?;
/// assert!(org.is_break_glass(None, Some("SVC-emergency-alpha@contoso.com")));
/// assert_eq!(org.ip_trusted("203.0.113.9"), Some(true));
/// # Ok::<(), signin_doctor::Error>(())
/// ```
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct OrgSettings {
    /// A name for reports.
    #[serde(default)]
    pub organisation: Option<String>,
    /// Break-glass accounts, by UPN or object id.
    #[serde(default)]
    pub break_glass_accounts: Vec<String>,
    /// Two-letter country codes users normally sign in from.
    #[serde(default)]
    pub trusted_countries: Vec<String>,
    /// IP ranges in CIDR form (`203.0.113.0/24`, `2001:db8::/32`) or single addresses.
    #[serde(default)]
    pub trusted_ip_ranges: Vec<String>,
    /// The MFA pilot group, by UPN or object id.
    #[serde(default)]
    pub pilot_group: Vec<String>,
    /// How many days before a failure count as "recent" for security-info changes.
    #[serde(default = "default_recent_days")]
    pub recent_change_days: u32,
    #[serde(skip)]
    ranges: Vec<IpNet>,
}

impl OrgSettings {
    /// Read settings from a RON file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = crate::limit::read_text_file(path)?;
        Self::from_ron_str(path, &text)
    }

    /// Read settings from RON text; `name` is used in errors.
    pub fn from_ron_str(name: impl AsRef<Path>, text: &str) -> Result<Self> {
        let path = name.as_ref();
        if text.trim().is_empty() {
            return Err(Error::new(ErrorKind::Empty, "the organisation settings file is empty").at_path(path).hint("see examples/org.ron"));
        }
        let org: OrgSettings = crate::text::ron_options().from_str(text).map_err(|e| {
            let (line, col, msg) = ron_error(&e);
            Error::new(ErrorKind::BadOrg, format!("invalid organisation settings: {msg}")).at_path(path).at(line, col).hint("see examples/org.ron for the fields")
        })?;
        org.checked(path, text)
    }

    /// Settings given as a JSON object with the RON file's fields (the HTTP
    /// API takes either); `name` is used in errors.
    pub fn from_json_value(name: impl AsRef<Path>, value: serde_json::Value) -> Result<Self> {
        let path = name.as_ref();
        let org: OrgSettings =
            serde_json::from_value(value).map_err(|e| Error::new(ErrorKind::BadOrg, format!("invalid organisation settings: {e}")).at_path(path).hint("the fields are those of examples/org.ron"))?;
        org.checked(path, "")
    }

    /// Check the ranges and country codes; `text` (the file's, if any)
    /// places an error.
    fn checked(mut self, path: &Path, text: &str) -> Result<Self> {
        let org = &mut self;
        for r in &org.trusted_ip_ranges {
            let parsed = r.parse::<IpNet>().or_else(|_| r.parse::<IpAddr>().map(IpNet::from));
            match parsed {
                Ok(n) => org.ranges.push(n),
                Err(_) => {
                    let (line, col) = text
                        .find(&format!("\"{r}\""))
                        .map(|off| {
                            let before = &text[..off];
                            (before.matches('\n').count() + 1, off - before.rfind('\n').map_or(0, |i| i + 1) + 2)
                        })
                        .unwrap_or((1, 1));
                    return Err(Error::new(ErrorKind::BadOrg, format!("trusted_ip_ranges: \"{r}\" is not an IP range"))
                        .at_path(path)
                        .at(line, col)
                        .hint("write a CIDR range such as 203.0.113.0/24 or a single address"));
                }
            }
        }
        for c in &org.trusted_countries {
            if c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_alphabetic()) {
                return Err(Error::new(ErrorKind::BadOrg, format!("trusted_countries: \"{c}\" is not a two-letter country code"))
                    .at_path(path)
                    .hint("use ISO 3166 codes as the sign-in log writes them, e.g. \"GB\", \"US\""));
            }
        }
        Ok(self)
    }

    fn listed(list: &[String], id: Option<&str>, upn: Option<&str>) -> bool {
        list.iter().any(|x| id.is_some_and(|i| x.eq_ignore_ascii_case(i)) || upn.is_some_and(|u| x.eq_ignore_ascii_case(u)))
    }

    /// Whether this user is a break-glass account.
    pub fn is_break_glass(&self, id: Option<&str>, upn: Option<&str>) -> bool {
        Self::listed(&self.break_glass_accounts, id, upn)
    }

    /// Whether this user is in the pilot group.
    pub fn in_pilot(&self, id: Option<&str>, upn: Option<&str>) -> bool {
        Self::listed(&self.pilot_group, id, upn)
    }

    /// Whether an IP is in a trusted range; `None` when no ranges are set or the IP does not parse.
    pub fn ip_trusted(&self, ip: &str) -> Option<bool> {
        if self.ranges.is_empty() && self.trusted_ip_ranges.is_empty() {
            return None;
        }
        let addr: IpAddr = ip.trim().parse().ok()?;
        self.addr_trusted(&addr)
    }

    /// [`OrgSettings::ip_trusted`] for a parsed address.
    pub(crate) fn addr_trusted(&self, addr: &IpAddr) -> Option<bool> {
        if self.ranges.is_empty() && self.trusted_ip_ranges.is_empty() {
            return None;
        }
        Some(self.ranges.iter().any(|n| n.contains(addr)))
    }

    /// Whether an address is one of the organisation's places: in a trusted
    /// range, or in a trusted country (the country as a sign-in from the
    /// address showed it). False when neither can be said.
    pub fn place_trusted(&self, ip: &str, country: Option<&str>) -> bool {
        self.ip_trusted(ip) == Some(true) || country.is_some_and(|c| self.country_trusted(c) == Some(true))
    }

    /// Whether a country is trusted; `None` when no countries are set.
    pub fn country_trusted(&self, country: &str) -> Option<bool> {
        if self.trusted_countries.is_empty() {
            return None;
        }
        Some(self.trusted_countries.iter().any(|c| c.eq_ignore_ascii_case(country)))
    }
}
