//! Signing in to Microsoft Entra ID for a token: client credentials (a
//! secret or a certificate), the device code flow for a person, or the
//! Azure CLI's own sign-in. Tokens live in memory only: they are never
//! written to a file or a log line.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use oauth2::basic::BasicClient;
use oauth2::{AuthType, ClientId, ClientSecret, DeviceAuthorizationUrl, RefreshToken, RequestTokenError, Scope, StandardDeviceAuthorizationResponse, TokenResponse, TokenUrl};

use crate::error::{Error, ErrorKind, Result};

/// A secret (client secret or private key) whose `Debug` shows nothing.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    /// Wrap a secret read from a file or the environment.
    pub fn new(s: impl Into<String>) -> Secret {
        Secret(s.into())
    }
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// How to sign in to Microsoft Entra ID.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Credential {
    /// An app registration's client secret (unattended jobs).
    ClientSecret {
        /// The directory (tenant) id or a verified domain.
        tenant: String,
        /// The app registration's application (client) id.
        client_id: String,
        /// The secret's value.
        secret: Secret,
    },
    /// An app registration's certificate: a PEM file holding the private key
    /// and the certificate uploaded to the app (unattended jobs).
    Certificate {
        /// The directory (tenant) id or a verified domain.
        tenant: String,
        /// The app registration's application (client) id.
        client_id: String,
        /// The PEM text: private key and certificate.
        pem: Secret,
    },
    /// A person signs in in a browser with a code shown to them.
    DeviceCode {
        /// The directory (tenant) id or a verified domain.
        tenant: String,
        /// The app registration's application (client) id.
        client_id: String,
    },
    /// The token of the Azure CLI (`az login`) on this machine.
    AzureCli {
        /// The tenant to ask `az` for a token of (its default tenant when `None`).
        tenant: Option<String>,
    },
}

impl Credential {
    /// Refuse a tenant that is no tenant id or domain before anything runs.
    pub(crate) fn check(&self) -> Result<()> {
        match self {
            Credential::ClientSecret { tenant, .. } | Credential::Certificate { tenant, .. } | Credential::DeviceCode { tenant, .. } => tenant_segment(tenant).map(|_| ()),
            Credential::AzureCli { tenant } => tenant.as_deref().map_or(Ok(()), |t| tenant_segment(t).map(|_| ())),
        }
    }

    /// Whether a person, not an app, is signed in (delegated permissions).
    pub(crate) fn delegated(&self) -> bool {
        matches!(self, Credential::DeviceCode { .. } | Credential::AzureCli { .. })
    }
}

struct Held {
    access: String,
    expires: Instant,
}

/// Tokens per scope, kept in memory, with the device flow's refresh token.
pub(crate) struct Tokens {
    credential: Credential,
    authority: String,
    held: HashMap<String, Held>,
    refresh: Option<String>,
}

/// A token is renewed this long before it expires.
const EARLY: Duration = Duration::from_secs(120);

impl Tokens {
    pub(crate) fn new(credential: Credential, authority: &str) -> Tokens {
        Tokens { credential, authority: authority.trim_end_matches('/').to_string(), held: HashMap::new(), refresh: None }
    }

    pub(crate) fn credential(&self) -> &Credential {
        &self.credential
    }

    /// Forget the access token for a scope (the API said it expired).
    pub(crate) fn expire(&mut self, scope: &str) {
        self.held.remove(scope);
    }

    /// An access token for `scope` (`https://graph.microsoft.com/.default`).
    pub(crate) fn get(&mut self, http: &reqwest::blocking::Client, scope: &str, say: &dyn Fn(&str)) -> Result<String> {
        if let Some(h) = self.held.get(scope) {
            if h.expires > Instant::now() + EARLY {
                return Ok(h.access.clone());
            }
        }
        let (access, lifetime, refresh) = match self.credential.clone() {
            Credential::ClientSecret { tenant, client_id, secret } => {
                let client = BasicClient::new(ClientId::new(client_id))
                    .set_client_secret(ClientSecret::new(secret.expose().to_string()))
                    .set_auth_type(AuthType::RequestBody)
                    .set_token_uri(self.token_url(&tenant)?);
                let t = client.exchange_client_credentials().add_scope(Scope::new(scope.to_string())).request(http).map_err(|e| token_error(e, &self.authority))?;
                (t.access_token().secret().clone(), t.expires_in(), None)
            }
            Credential::Certificate { tenant, client_id, pem } => {
                let url = self.token_url(&tenant)?;
                let assertion = super::cert::assertion(pem.expose(), &client_id, url.as_str())?;
                let client = BasicClient::new(ClientId::new(client_id)).set_auth_type(AuthType::RequestBody).set_token_uri(url);
                let t = client
                    .exchange_client_credentials()
                    .add_scope(Scope::new(scope.to_string()))
                    .add_extra_param("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
                    .add_extra_param("client_assertion", assertion)
                    .request(http)
                    .map_err(|e| token_error(e, &self.authority))?;
                (t.access_token().secret().clone(), t.expires_in(), None)
            }
            Credential::DeviceCode { tenant, client_id } => self.device_code(http, &tenant, &client_id, scope, say)?,
            Credential::AzureCli { tenant } => {
                let (t, life) = super::azcli::token(scope, tenant.as_deref())?;
                (t, Some(life), None)
            }
        };
        if refresh.is_some() {
            self.refresh = refresh;
        }
        // Entra gives tokens for an hour or more; when it does not say, take the
        // shortest it gives.
        // Kept at most a day whatever the answer says (an absurd lifetime
        // cannot overflow the clock).
        let life = lifetime.unwrap_or(Duration::from_secs(3600)).clamp(EARLY * 2, Duration::from_secs(24 * 3600));
        let expires = Instant::now() + life;
        self.held.insert(scope.to_string(), Held { access: access.clone(), expires });
        Ok(access)
    }

    fn device_code(&self, http: &reqwest::blocking::Client, tenant: &str, client_id: &str, scope: &str, say: &dyn Fn(&str)) -> Result<(String, Option<Duration>, Option<String>)> {
        let device_url = DeviceAuthorizationUrl::new(format!("{}/{}/oauth2/v2.0/devicecode", self.authority, tenant_segment(tenant)?)).map_err(|e| bad_url(&self.authority, e))?;
        let client = BasicClient::new(ClientId::new(client_id.to_string())).set_auth_type(AuthType::RequestBody).set_token_uri(self.token_url(tenant)?).set_device_authorization_url(device_url);
        // A refresh token from the first sign-in serves every later scope
        // (Graph, then Log Analytics) without asking the person again.
        if let Some(r) = &self.refresh {
            let got = client.exchange_refresh_token(&RefreshToken::new(r.clone())).add_scope(Scope::new(scope.to_string())).request(http);
            if let Ok(t) = got {
                let refresh = t.refresh_token().map(|r| r.secret().clone());
                return Ok((t.access_token().secret().clone(), t.expires_in(), refresh));
            }
        }
        let details: StandardDeviceAuthorizationResponse =
            client.exchange_device_code().add_scope(Scope::new(scope.to_string())).add_scope(Scope::new("offline_access".into())).request(http).map_err(|e| token_error(e, &self.authority))?;
        say(&format!(
            "To sign in, open {} in a browser and enter the code {} (it expires in {} minutes).",
            details.verification_uri().as_str(),
            details.user_code().secret(),
            details.expires_in().as_secs() / 60
        ));
        let t = client.exchange_device_access_token(&details).request(http, std::thread::sleep, Some(Duration::from_secs(900))).map_err(|e| token_error(e, &self.authority))?;
        let refresh = t.refresh_token().map(|r| r.secret().clone());
        Ok((t.access_token().secret().clone(), t.expires_in(), refresh))
    }

    fn token_url(&self, tenant: &str) -> Result<TokenUrl> {
        TokenUrl::new(format!("{}/{}/oauth2/v2.0/token", self.authority, tenant_segment(tenant)?)).map_err(|e| bad_url(&self.authority, e))
    }
}

/// A tenant is a GUID or a domain name; anything else would change the
/// token endpoint's path.
fn tenant_segment(tenant: &str) -> Result<&str> {
    let ok = !tenant.is_empty() && !tenant.starts_with('.') && tenant.len() <= 253 && tenant.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if ok {
        Ok(tenant)
    } else {
        Err(Error::new(ErrorKind::Auth, format!("the tenant {tenant:?} is not a tenant id or domain name"))
            .hint("--tenant takes the directory (tenant) id, a GUID, or a domain such as contoso.onmicrosoft.com"))
    }
}

fn bad_url(authority: &str, e: impl fmt::Display) -> Error {
    Error::new(ErrorKind::Auth, format!("the authority URL {authority} gives no valid token URL: {e}"))
}

/// What Microsoft Entra ID's `AADSTS` codes in a token error mean for the
/// person running the fetch (AADSTS error reference).
fn aadsts_advice(code: u32) -> Option<&'static str> {
    Some(match code {
        7000222 => "the client secret has expired: add a new secret to the app registration (Certificates & secrets) and point --client-secret-file at it",
        7000215 => "the client secret is wrong: copy the secret's Value (not its Secret ID) from the app registration into the file --client-secret-file names",
        700016 => "no app with this client id is in the tenant: check --client-id (the app registration's Application (client) ID) and --tenant",
        90002 | 900023 => "no such tenant: check --tenant (the Directory (tenant) ID, or a verified domain)",
        700027 | 700024 | 7000274 => "the certificate's assertion was refused: upload this certificate (its public part) to the app registration, and check the machine's clock",
        7000112 => "the app is disabled in the tenant (Enterprise applications > Properties > Enabled for users to sign in)",
        50076 | 50079 | 50158 => "Conditional Access requires more of this sign-in (MFA or a compliant device): sign in with --device-code on a device that meets it",
        7000218 => "the app signs in as a public client, which it does not allow: turn on Allow public client flows (App registrations > Authentication) for --device-code",
        53003 => "Conditional Access blocked this sign-in: sign in from a device and place the policies allow, or ask for an exclusion for this app",
        500011 => "the tenant does not know the API asked for: check --graph-url and --loganalytics-url (a national cloud needs its own URLs)",
        65001 => "the app has not been granted consent: an administrator grants consent for AuditLog.Read.All and Directory.Read.All in the app registration's API permissions",
        _ => return None,
    })
}

fn token_error<RE: std::error::Error + 'static, T: oauth2::ErrorResponse + 'static>(e: RequestTokenError<RE, T>, authority: &str) -> Error {
    match e {
        RequestTokenError::ServerResponse(r) => {
            let json = serde_json::to_value(&r).unwrap_or_default();
            let kind = json.get("error").and_then(|v| v.as_str()).unwrap_or("error").to_string();
            let desc = json.get("error_description").and_then(|v| v.as_str()).unwrap_or("").to_string();
            // The description's first line; the rest is trace and correlation ids.
            let first = desc.lines().next().unwrap_or("").trim().to_string();
            let code = first.strip_prefix("AADSTS").and_then(|s| s.split(|c: char| !c.is_ascii_digit()).next()).and_then(|d| d.parse().ok());
            let msg = if first.is_empty() { format!("Microsoft Entra ID refused the sign-in ({kind})") } else { format!("Microsoft Entra ID refused the sign-in ({kind}): {first}") };
            let mut err = Error::new(ErrorKind::Auth, msg);
            if let Some(a) = code.and_then(aadsts_advice) {
                err = err.hint(a);
            } else if kind == "expired_token" {
                err = err.hint("the device code expired before the sign-in was finished: run the command again and sign in within 15 minutes");
            } else if kind == "authorization_declined" || kind == "access_denied" {
                err = err.hint("the sign-in was declined in the browser");
            }
            err
        }
        RequestTokenError::Request(e) => {
            let mut chain = e.to_string();
            let mut src = std::error::Error::source(&e);
            while let Some(s) = src {
                chain.push_str(": ");
                chain.push_str(&s.to_string());
                src = s.source();
            }
            Error::new(ErrorKind::Auth, format!("cannot reach the sign-in service {authority}: {chain}")).hint("check the network, a proxy (HTTPS_PROXY), or --authority")
        }
        RequestTokenError::Parse(e, _) => Error::new(ErrorKind::Auth, format!("the sign-in service {authority} answered with something that is not a token: {e}"))
            .hint("--authority must be the Microsoft Entra sign-in service, https://login.microsoftonline.com or a national cloud's"),
        RequestTokenError::Other(s) => Error::new(ErrorKind::Auth, format!("the sign-in with {authority} failed: {s}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_do_not_show_in_debug() {
        let c = Credential::ClientSecret { tenant: "t".into(), client_id: "c".into(), secret: Secret::new("hunter2") };
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn tenant_must_be_an_id_or_domain() {
        assert!(tenant_segment("contoso.onmicrosoft.com").is_ok());
        assert!(tenant_segment("72f988bf-86f1-41af-91ab-2d7cd011db47").is_ok());
        for bad in ["", "a/b", "x?y", "../common"] {
            assert!(tenant_segment(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn expired_secret_says_so() {
        assert!(aadsts_advice(7000222).is_some_and(|a| a.contains("expired")));
        assert!(aadsts_advice(1).is_none());
    }
}
