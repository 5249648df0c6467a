//! Tolerant field decoders.
//!
//! The same Entra field arrives with different JSON types depending on the
//! export: Graph writes `errorCode` as a number, Log Analytics writes
//! `ResultType` as a string; Graph writes `authenticationDetails` as an array,
//! Log Analytics writes `AuthenticationDetails` as a string holding JSON.
//! These decoders accept every form without going through `serde_json::Value`.

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;

/// An integer written as a number or as a string; `""` and `null` are absent.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<i64>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an integer or a string holding one")
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            i64::try_from(v).map(Some).map_err(|_| E::custom("integer too large"))
        }
        fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
            if v.fract() == 0.0 && v.abs() < 9.0e15 {
                Ok(Some(v as i64))
            } else {
                Err(E::custom(format!("expected an integer, found {v}")))
            }
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let t = v.trim();
            if t.is_empty() {
                return Ok(None);
            }
            t.parse().map(Some).map_err(|_| E::custom(format!("expected an integer, found \"{v}\"")))
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }
    }
    d.deserialize_any(V)
}

/// Whether the field is there at all (its value, whatever it is, is skipped).
pub fn present<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    de::IgnoredAny::deserialize(d).map(|_| true)
}

/// A boolean written as `true`/`false` or as the strings `"true"`/`"false"` (any case).
pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Option<bool>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a boolean or a string holding one")
        }
        fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
            Ok(Some(v))
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
            Ok(Some(v != 0))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
            Ok(Some(v != 0))
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            match v.trim().to_ascii_lowercase().as_str() {
                "" => Ok(None),
                "true" | "yes" | "1" => Ok(Some(true)),
                "false" | "no" | "0" => Ok(Some(false)),
                _ => Err(E::custom(format!("expected true or false, found \"{v}\""))),
            }
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }
    }
    d.deserialize_any(V)
}

/// Text that may also arrive as a number (Log Analytics stringly columns, or
/// the reverse); `null` is absent, other scalars are rendered as text.
pub fn text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(MaybeText::deserialize(d)?.0.map(std::borrow::Cow::into_owned))
}

thread_local! {
    /// The texts shared while a log is read with [`Sharing`] on.
    static SHARED: std::cell::RefCell<Option<std::collections::HashSet<std::sync::Arc<str>>>> = const { std::cell::RefCell::new(None) };
}

/// While alive, [`shared_text`] fields on this thread share one copy of each
/// distinct text: an audit log repeats the same activity names, results,
/// reasons and user ids in every event, so memory follows the distinct
/// values (users, activities), not the file's size.
pub(crate) struct Sharing(());

impl Sharing {
    pub(crate) fn begin() -> Sharing {
        SHARED.with(|s| *s.borrow_mut() = Some(Default::default()));
        Sharing(())
    }
}

impl Drop for Sharing {
    fn drop(&mut self) {
        SHARED.with(|s| *s.borrow_mut() = None);
    }
}

/// [`text`] as a shared `Arc<str>`: one copy per distinct text while a
/// [`Sharing`] is alive, else a copy of its own.
pub fn shared_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<std::sync::Arc<str>>, D::Error> {
    let Some(t) = MaybeText::deserialize(d)?.0 else { return Ok(None) };
    Ok(Some(SHARED.with(|s| match s.borrow_mut().as_mut() {
        Some(set) => match set.get(&*t) {
            Some(a) => a.clone(),
            None => {
                let a: std::sync::Arc<str> = std::sync::Arc::from(&*t);
                set.insert(a.clone());
                a
            }
        },
        None => std::sync::Arc::from(&*t),
    })))
}

/// Text as every reader takes it: a string, or a number or boolean written
/// as text; `null` is absent, and so is an object or array where text was
/// expected (a schema drift must not fail the whole record). Borrowed from
/// the record's text where it can be (no escapes); [`text`] is its owned form.
pub(crate) struct MaybeText<'de>(pub Option<std::borrow::Cow<'de, str>>);

impl<'de> serde::Deserialize<'de> for MaybeText<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use std::borrow::Cow;
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Option<Cow<'de, str>>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Some(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Some(Cow::Owned(v.to_owned())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Some(Cow::Owned(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Some(Cow::Owned(v.to_string())))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Some(Cow::Owned(v.to_string())))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                Ok(Some(Cow::Owned(v.to_string())))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(None)
            }
            fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
                d.deserialize_any(self)
            }
            fn visit_map<A: de::MapAccess<'de>>(self, mut m: A) -> Result<Self::Value, A::Error> {
                while m.next_entry::<de::IgnoredAny, de::IgnoredAny>()?.is_some() {}
                Ok(None)
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
                while s.next_element::<de::IgnoredAny>()?.is_some() {}
                Ok(None)
            }
        }
        d.deserialize_any(V).map(MaybeText)
    }
}

/// A nested value written either as JSON (object or array) or as a string
/// holding JSON text, as Log Analytics exports do for `dynamic` columns.
/// `null`, `""` are absent.
pub fn nested<'de, D: Deserializer<'de>, T: DeserializeOwned>(d: D) -> Result<Option<T>, D::Error> {
    struct V<T>(PhantomData<T>);
    impl<'de, T: DeserializeOwned> Visitor<'de> for V<T> {
        type Value = Option<T>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an object, an array, or a string holding JSON")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let t = v.trim();
            // A plain string where an object was expected (Azure Monitor's
            // top-level `location: "US"`) is not JSON text: treat it as absent.
            if !(t.starts_with('{') || t.starts_with('[')) {
                return Ok(None);
            }
            serde_json::from_str(t).map(Some).map_err(|e| E::custom(format!("the embedded JSON text is not valid: {e}")))
        }
        fn visit_map<A: de::MapAccess<'de>>(self, m: A) -> Result<Self::Value, A::Error> {
            T::deserialize(de::value::MapAccessDeserializer::new(m)).map(Some)
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, s: A) -> Result<Self::Value, A::Error> {
            T::deserialize(de::value::SeqAccessDeserializer::new(s)).map(Some)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(None)
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }
    }
    d.deserialize_any(V(PhantomData))
}

/// A list of strings written as an array or as one comma-separated string
/// (`authenticationMethodsUsed` in Graph vs Log Analytics).
pub fn list<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    struct V;
    impl<'de> Visitor<'de> for V {
        type Value = Vec<String>;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("an array of strings or a comma-separated string")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
            let t = v.trim();
            if t.starts_with('[') {
                return serde_json::from_str::<Vec<Option<String>>>(t).map(|v| v.into_iter().flatten().collect()).map_err(|e| E::custom(format!("the embedded JSON list is not valid: {e}")));
            }
            Ok(t.split(',').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect())
        }
        fn visit_seq<A: de::SeqAccess<'de>>(self, mut s: A) -> Result<Self::Value, A::Error> {
            let mut out = Vec::new();
            while let Some(v) = s.next_element::<Option<String>>()? {
                out.extend(v);
            }
            Ok(out)
        }
        fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
            Ok(Vec::new())
        }
        fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<Self::Value, D2::Error> {
            d.deserialize_any(self)
        }
    }
    d.deserialize_any(V)
}

/// A timestamp in RFC 3339 with or without an offset (Graph writes `Z`,
/// Azure Monitor writes `+00:00`, some exports omit the zone: taken as UTC).
pub fn time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<chrono::DateTime<chrono::Utc>>, D::Error> {
    let Some(s) = text(d)? else { return Ok(None) };
    parse_time(&s).map(Some).map_err(de::Error::custom)
}

/// Parse the timestamp forms seen in Entra exports.
pub fn parse_time(s: &str) -> Result<chrono::DateTime<chrono::Utc>, String> {
    use chrono::{DateTime, NaiveDateTime, Utc};
    let t = s.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Ok(dt.with_timezone(&Utc));
    }
    for fmt in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%m/%d/%Y, %I:%M:%S%.f %p", "%m/%d/%Y %I:%M:%S %p"] {
        if let Ok(n) = NaiveDateTime::parse_from_str(t, fmt) {
            return Ok(n.and_utc());
        }
    }
    Err(format!("\"{s}\" is not a date and time this tool knows (expected RFC 3339, e.g. 2024-05-01T09:30:00Z)"))
}
