//! A deterministic generator of realistic Microsoft Graph beta sign-ins (about
//! 2.4 KB each) with their audit log, for benchmarks and demos: the first 48
//! hours of an MFA rollout, with the failures a helpdesk sees (stale
//! Authenticator registrations, unregistered users, denials, wrong passwords,
//! lockouts, legacy clients, Conditional Access blocks), a password spray, an
//! MFA-fatigue burst and a break-glass sign-in. The same arguments always give
//! the same bytes.
//!
//! ```sh
//! cargo run --release --example generate -- --records 1000000 --out target/bench/signins.jsonl --audit-out target/bench/audit.jsonl
//! cargo run --release --example generate -- --records 1000000 --format array --out target/bench/signins.json
//! ```

#![recursion_limit = "512"]

use serde_json::{json, Value};
use std::io::{BufWriter, Write};

struct Args {
    records: usize,
    users: Option<usize>,
    seed: u64,
    array: bool,
    out: String,
    audit_out: Option<String>,
}

fn args() -> Args {
    let mut a = Args { records: 10_000, users: None, seed: 42, array: false, out: "signins.jsonl".into(), audit_out: None };
    let mut it = std::env::args().skip(1);
    while let Some(k) = it.next() {
        let mut v = || it.next().unwrap_or_else(|| usage(&format!("{k} needs a value")));
        match k.as_str() {
            "--records" => a.records = v().parse().unwrap_or_else(|_| usage("--records takes a number")),
            "--users" => a.users = Some(v().parse().unwrap_or_else(|_| usage("--users takes a number"))),
            "--seed" => a.seed = v().parse().unwrap_or_else(|_| usage("--seed takes a number")),
            "--format" => {
                a.array = match v().as_str() {
                    "jsonl" => false,
                    "array" => true,
                    other => usage(&format!("--format is jsonl or array, not {other}")),
                }
            }
            "--out" => a.out = v(),
            "--audit-out" => a.audit_out = Some(v()),
            "-h" | "--help" => usage(""),
            other => usage(&format!("unknown option {other}")),
        }
    }
    a
}

fn usage(msg: &str) -> ! {
    if !msg.is_empty() {
        eprintln!("error: {msg}");
    }
    eprintln!("usage: generate [--records N] [--users N] [--seed N] [--format jsonl|array] [--out FILE] [--audit-out FILE]");
    std::process::exit(2)
}

const FIRST: &[&str] = &[
    "alex",
    "megan",
    "lee",
    "isaiah",
    "diego",
    "lynne",
    "nestor",
    "joni",
    "grady",
    "adele",
    "allan",
    "christie",
    "debra",
    "enrico",
    "henrietta",
    "irvin",
    "johanna",
    "lidia",
    "miriam",
    "patti",
    "pradeep",
    "raul",
    "sofia",
    "tomas",
];
const LAST: &[&str] = &[
    "wilber",
    "bowen",
    "gu",
    "langer",
    "siciliani",
    "robbins",
    "wilke",
    "sherman",
    "archie",
    "vance",
    "deyoung",
    "cline",
    "berry",
    "cattaneo",
    "cantrell",
    "bentley",
    "lauer",
    "holmes",
    "hagen",
    "fernandez",
    "gupta",
    "quinonez",
    "ortiz",
    "novak",
];
const APPS: &[(&str, &str)] = &[
    ("Office 365 Exchange Online", "00000002-0000-0ff1-ce00-000000000000"),
    ("Microsoft Teams", "1fec8e78-bce4-4aaf-ab1b-5451cc387264"),
    ("Office 365 SharePoint Online", "00000003-0000-0ff1-ce00-000000000000"),
    ("Azure Portal", "c44b4083-3bb0-49c1-b47d-974e53cbdf3c"),
    ("My Apps", "2793995e-0a7d-40d7-bd35-6968ba142197"),
];
const TRUSTED: &[(&str, &str, &str, &str)] = &[("GB", "London", "England", "203.0.113."), ("GB", "Manchester", "England", "198.51.100."), ("IE", "Dublin", "Dublin", "192.0.2.")];

fn uuid(r: &mut fastrand::Rng) -> String {
    let b: [u32; 4] = [r.u32(..), r.u32(..), r.u32(..), r.u32(..)];
    format!("{:08x}-{:04x}-4{:03x}-{:04x}-{:04x}{:08x}", b[0], b[1] >> 16, b[1] & 0xfff, (b[2] >> 16) | 0x8000, b[2] & 0xffff, b[3])
}

fn time(t: i64) -> String {
    chrono::DateTime::from_timestamp(t, 0).unwrap_or_default().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

struct User {
    id: String,
    upn: String,
    name: String,
    home: usize,
}

fn step(t: i64, method: &str, detail: Option<&str>, ok: bool, result: &str, req: &str) -> Value {
    json!({"authenticationStepDateTime": time(t), "authenticationMethod": method, "authenticationMethodDetail": detail,
        "succeeded": ok, "authenticationStepResultDetail": result, "authenticationStepRequirement": req})
}

struct Rec<'a> {
    user: &'a User,
    t: i64,
    code: i64,
    corr: &'a str,
    reason: &'a str,
    details: &'a str,
    steps: Vec<Value>,
    client: &'a str,
    ip: String,
    country: (&'a str, &'a str, &'a str),
    mfa: bool,
    ca: &'a str,
    ca_block: Option<&'a str>,
    mfa_method: Option<&'a str>,
}

fn record(r: &mut fastrand::Rng, x: Rec) -> Value {
    let (app, app_id) = APPS[r.usize(..APPS.len())];
    let id = uuid(r);
    let mut policies = vec![
        json!({"id": "5e0b5bd8-7c0f-4d5a-9b7e-2f1c3c2a9a01", "displayName": "CA001 - Require MFA - All users", "enforcedGrantControls": ["Mfa"], "enforcedSessionControls": [], "result": if x.mfa { "success" } else { "notApplied" }}),
    ];
    if x.ca_block == Some("legacy") {
        policies.push(json!({"id": "5e0b5bd8-7c0f-4d5a-9b7e-2f1c3c2a9a03", "displayName": "CA003 - Block legacy authentication", "enforcedGrantControls": ["Block"], "enforcedSessionControls": [], "result": "failure"}));
    }
    if x.ca_block == Some("geo") {
        policies.push(json!({"id": "5e0b5bd8-7c0f-4d5a-9b7e-2f1c3c2a9a10", "displayName": "CA010 - Block access outside trusted countries", "enforcedGrantControls": ["Block"], "enforcedSessionControls": [], "result": "failure"}));
    }
    if x.ca_block == Some("device") {
        policies.push(json!({"id": "5e0b5bd8-7c0f-4d5a-9b7e-2f1c3c2a9a20", "displayName": "CA020 - Require compliant device", "enforcedGrantControls": ["RequireCompliantDevice"], "enforcedSessionControls": [], "result": "failure"}));
    }
    let mut v = json!({
        "id": id, "createdDateTime": time(x.t), "userDisplayName": x.user.name, "userPrincipalName": x.user.upn, "userId": x.user.id,
        "appId": app_id, "appDisplayName": app, "ipAddress": x.ip, "clientAppUsed": x.client,
        "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
        "correlationId": x.corr, "conditionalAccessStatus": x.ca, "isInteractive": true,
        "authenticationProtocol": "none", "tokenIssuerType": "AzureAD",
        "processingTimeInMilliseconds": 100 + r.u32(..400), "riskDetail": "none", "riskLevelAggregated": "none", "riskLevelDuringSignIn": "none",
        "riskState": "none", "riskEventTypes_v2": [], "resourceDisplayName": app, "resourceId": app_id,
        "resourceTenantId": "9188040d-6c67-4c5b-b112-36a304b66dad", "homeTenantId": "9188040d-6c67-4c5b-b112-36a304b66dad",
        "authenticationMethodsUsed": if x.mfa { json!(["Password", "Mobile app notification"]) } else { json!(["Password"]) },
        "authenticationRequirement": if x.mfa { "multiFactorAuthentication" } else { "singleFactorAuthentication" },
        "signInEventTypes": ["interactiveUser"], "userType": "member", "autonomousSystemNumber": 2856,
        "status": {"errorCode": x.code, "failureReason": x.reason, "additionalDetails": x.details},
        "deviceDetail": {"operatingSystem": "Windows10", "browser": "Edge 120.0.2210", "isCompliant": false, "isManaged": false, "trustType": ""},
        "location": {"city": x.country.1, "state": x.country.2, "countryOrRegion": x.country.0, "geoCoordinates": {"latitude": 51.5072, "longitude": -0.1276}},
        "appliedConditionalAccessPolicies": policies,
        "networkLocationDetails": [], "authenticationDetails": x.steps,
        "authenticationRequirementPolicies": if x.mfa { json!([{"requirementProvider": "multiConditionalAccess", "detail": "Conditional Access"}]) } else { json!([]) },
        "sessionLifetimePolicies": [],
    });
    if let Some(m) = x.mfa_method {
        v["mfaDetail"] = json!({"authMethod": m, "authDetail": null});
    }
    v
}

fn audit(r: &mut fastrand::Rng, activity: &str, t: i64, u: &User, reason: &str, ip: &str) -> Value {
    json!({"id": format!("AuthenticationMethods_{}", &uuid(r)[..13]), "category": "UserManagement", "correlationId": uuid(r), "result": "success",
        "resultReason": reason, "activityDisplayName": activity, "activityDateTime": time(t), "loggedByService": "Authentication Methods", "operationType": "Add",
        "initiatedBy": {"user": {"id": u.id, "displayName": u.name, "userPrincipalName": u.upn, "ipAddress": ip}, "app": null},
        "targetResources": [{"id": u.id, "displayName": u.name, "type": "User", "userPrincipalName": u.upn, "modifiedProperties": []}], "additionalDetails": []})
}

fn main() {
    let a = args();
    let mut r = fastrand::Rng::with_seed(a.seed);
    let n_users = a.users.unwrap_or((a.records / 100).max(20));
    let mut users: Vec<User> = (0..n_users)
        .map(|i| {
            let (f, l) = (FIRST[i % FIRST.len()], LAST[(i / FIRST.len()) % LAST.len()]);
            let upn = if i < FIRST.len() * LAST.len() { format!("{f}.{l}@contoso.com") } else { format!("{f}.{l}{i}@contoso.com") };
            User { id: uuid(&mut r), upn, name: format!("{}{} {}{}", f[..1].to_uppercase(), &f[1..], l[..1].to_uppercase(), &l[1..]), home: r.usize(..TRUSTED.len()) }
        })
        .collect();
    users.push(User { id: uuid(&mut r), upn: "svc-emergency-alpha@contoso.com".into(), name: "Emergency Alpha".into(), home: 0 });
    let start: i64 = 1_795_503_600; // 2026-11-24T07:00:00Z: enforcement day
    let span = 48 * 3600;
    let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(&a.out).unwrap_or_else(|e| usage(&format!("{}: {e}", a.out))));
    let mut written = 0usize;
    let mut first = true;
    if a.array {
        out.write_all(b"[\n").unwrap();
    }
    let mut emit = |v: &Value, out: &mut BufWriter<std::fs::File>| {
        if a.array {
            if !first {
                out.write_all(b",\n").unwrap();
            }
            first = false;
        }
        serde_json::to_writer(&mut *out, v).unwrap();
        if !a.array {
            out.write_all(b"\n").unwrap();
        }
    };
    let stale: Vec<usize> = (0..n_users).filter(|i| i % 23 == 5).collect();
    let unregistered: Vec<usize> = (0..n_users).filter(|i| i % 29 == 7).collect();
    while written < a.records {
        let t = start + (written as i64 * span) / a.records as i64;
        let ui = r.usize(..n_users);
        let u = &users[ui];
        let (cc, city, state, net) = TRUSTED[u.home];
        let home_ip = format!("{net}{}", 10 + ui % 200);
        let corr = uuid(&mut r);
        let pw = step(t - 2, "Password", Some("Password in the cloud"), true, "Correct password", "Primary authentication");
        let base = |code, reason, details, steps, mfa| Rec {
            user: u,
            t,
            code,
            corr: "",
            reason,
            details,
            steps,
            client: "Browser",
            ip: home_ip.clone(),
            country: (cc, city, state),
            mfa,
            ca: if mfa { "success" } else { "notApplied" },
            ca_block: None,
            mfa_method: None,
        };
        let wrong_password = || {
            let failed = step(t, "Password", Some("Password in the cloud"), false, "Invalid username or password or Invalid on-premise username or password.", "Primary authentication");
            base(50126, "Error validating credentials due to invalid username or password.", "", vec![failed], false)
        };
        let roll = r.f64();
        let mut recs: Vec<Rec> = Vec::new();
        if stale.contains(&ui) && roll < 0.5 {
            // A stale Authenticator registration: the interrupt, then no response.
            let nr = "MFA denied; user did not respond to mobile app notification";
            recs.push(Rec {
                t: t - 40,
                mfa_method: Some("Mobile app notification"),
                ..base(
                    50074,
                    "Strong Authentication is required.",
                    "MFA required in Azure AD",
                    vec![pw.clone(), step(t - 40, "Mobile app notification", None, false, "MFA required in Azure AD", "Multi-factor authentication")],
                    true,
                )
            });
            recs.push(Rec {
                mfa_method: Some("Mobile app notification"),
                ca: "failure",
                ..base(
                    500121,
                    "Authentication failed during strong authentication request.",
                    nr,
                    vec![pw.clone(), step(t, "Mobile app notification", None, false, nr, "Multi-factor authentication")],
                    true,
                )
            });
        } else if unregistered.contains(&ui) && roll < 0.6 {
            recs.push(base(50072, "User needs to enroll for second factor authentication.", "", vec![pw.clone()], true));
        } else if roll < 0.70 {
            let ok = step(t, "Mobile app notification", None, true, "MFA successfully completed", "Multi-factor authentication");
            if r.f64() < 0.12 {
                recs.push(Rec { t: t - 30, ..base(50074, "Strong Authentication is required.", "MFA required in Azure AD", vec![pw.clone()], true) });
            }
            recs.push(Rec { mfa_method: Some("Mobile app notification"), ..base(0, "Other.", "MFA successfully completed", vec![pw.clone(), ok], true) });
        } else if roll < 0.82 {
            recs.push(base(
                0,
                "Other.",
                "MFA requirement satisfied by claim in the token",
                vec![
                    step(t, "Previously satisfied", None, true, "First factor requirement satisfied by claim in the token", "Primary authentication"),
                    step(t, "Previously satisfied", None, true, "MFA requirement satisfied by claim in the token", "Multi-factor authentication"),
                ],
                true,
            ));
        } else if roll < 0.84 {
            recs.push(base(0, "Other.", "", vec![pw.clone()], false)); // single-factor success: a policy gap
        } else if roll < 0.87 {
            recs.push(wrong_password());
        } else if roll < 0.875 {
            recs.push(base(50053, "Account is locked because user tried to sign in too many times with an incorrect user ID or password.", "", vec![], false));
        } else if roll < 0.885 {
            let d = "MFA denied; user declined the authentication";
            recs.push(Rec {
                mfa_method: Some("Mobile app notification"),
                ..base(
                    500121,
                    "Authentication failed during strong authentication request.",
                    d,
                    vec![pw.clone(), step(t, "Mobile app notification", None, false, d, "Multi-factor authentication")],
                    true,
                )
            });
        } else if roll < 0.89 {
            let d = "MFA denied; unable to reach the user's phone";
            recs.push(Rec {
                mfa_method: Some("Text message"),
                ..base(500121, "Authentication failed during strong authentication request.", d, vec![pw.clone(), step(t, "Text message", None, false, d, "Multi-factor authentication")], true)
            });
        } else if roll < 0.91 {
            let legacy = ["IMAP4", "Authenticated SMTP", "Exchange ActiveSync", "POP3"][r.usize(..4)];
            if r.bool() {
                recs.push(Rec { client: legacy, ..base(0, "Other.", "", vec![pw.clone()], false) });
            } else {
                recs.push(Rec {
                    client: legacy,
                    ca: "failure",
                    ca_block: Some("legacy"),
                    ..base(53003, "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.", "", vec![pw.clone()], false)
                });
            }
        } else if roll < 0.92 {
            let ip = format!("198.18.{}.{}", r.u8(..), r.u8(1..));
            recs.push(Rec {
                ip,
                country: ("FR", "Paris", "Ile-de-France"),
                ca: "failure",
                ca_block: Some("geo"),
                ..base(53003, "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.", "", vec![pw.clone()], false)
            });
        } else if roll < 0.925 {
            recs.push(Rec { ca: "failure", ca_block: Some("device"), ..base(53000, "Device is not in required device state: compliant.", "", vec![pw.clone()], false) });
        } else if roll < 0.935 {
            // Password spray from one address, across many accounts.
            let ip = format!("185.220.101.{}", 4 + r.u8(..4));
            recs.push(Rec { ip, country: ("RU", "Moscow", "Moscow"), ..wrong_password() });
        } else if roll < 0.945 {
            recs.push(base(50140, "This error occurred due to 'Keep me signed in' interrupt when the user was signing-in.", "", vec![pw.clone()], false));
        } else if roll < 0.9455 {
            let bg = &users[n_users];
            recs.push(Rec { user: bg, ip: "203.0.113.250".into(), ..base(0, "Other.", "", vec![pw.clone()], false) });
        } else if roll < 0.946 {
            // MFA fatigue: a burst of unanswered pushes from abroad, then an approval.
            let nr = "MFA denied; user did not respond to mobile app notification";
            for k in 0..6 {
                let c = uuid(&mut r);
                let tk = t - 600 + k * 60;
                let rec = Rec {
                    t: tk,
                    ip: "185.220.101.66".into(),
                    country: ("RU", "Moscow", "Moscow"),
                    mfa_method: Some("Mobile app notification"),
                    ..base(
                        500121,
                        "Authentication failed during strong authentication request.",
                        nr,
                        vec![pw.clone(), step(tk, "Mobile app notification", None, false, nr, "Multi-factor authentication")],
                        true,
                    )
                };
                let v = record(&mut r, Rec { corr: &c, ..rec });
                emit(&v, &mut out);
                written += 1;
            }
            recs.push(Rec {
                ip: "185.220.101.66".into(),
                country: ("RU", "Moscow", "Moscow"),
                mfa_method: Some("Mobile app notification"),
                ..base(0, "Other.", "MFA successfully completed", vec![pw.clone(), step(t, "Mobile app notification", None, true, "MFA successfully completed", "Multi-factor authentication")], true)
            });
        } else {
            recs.push(Rec {
                mfa_method: Some("Mobile app notification"),
                ..base(0, "Other.", "MFA successfully completed", vec![pw.clone(), step(t, "Mobile app notification", None, true, "MFA successfully completed", "Multi-factor authentication")], true)
            });
        }
        for rec in recs {
            if written >= a.records {
                break;
            }
            let v = record(&mut r, Rec { corr: &corr, ..rec });
            emit(&v, &mut out);
            written += 1;
        }
    }
    if a.array {
        out.write_all(b"\n]\n").unwrap();
    }
    out.flush().unwrap();
    if let Some(path) = &a.audit_out {
        let mut w = BufWriter::new(std::fs::File::create(path).unwrap_or_else(|e| usage(&format!("{path}: {e}"))));
        for (i, u) in users.iter().enumerate() {
            let ip = format!("{}{}", TRUSTED[u.home].3, 10 + i % 200);
            let days = if stale.contains(&i) { 200 + r.i64(0..500) } else { 1 + r.i64(0..600) };
            let ev = if unregistered.contains(&i) {
                audit(&mut r, "User started security info registration", start - 86_400, u, "User started the registration for Authenticator App with Notification and Code", &ip)
            } else {
                audit(&mut r, "User registered security info", start - days * 86_400, u, "User registered Authenticator App with Notification and Code", &ip)
            };
            serde_json::to_writer(&mut w, &ev).unwrap();
            w.write_all(b"\n").unwrap();
        }
        w.flush().unwrap();
    }
    eprintln!("wrote {written} sign-ins for {n_users} users to {}", a.out);
}
