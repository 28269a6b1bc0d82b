//! STIX identifiers: observable ids, derived ids, the standard TLP marking
//! definitions and the project's fixed ids.

use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};
use uuid::Uuid;

use liaison_record::{AgencyId, Timestamp, Tlp, canonicalize_value};

/// The namespace of cyber-observable ids (STIX 2.1 section 2.9).
pub const SCO_NAMESPACE: Uuid = Uuid::from_u128(0x00ab_edb4_aa42_466c_9c01_fed2_3315_a9b7);

/// The namespace of the ids this crate derives for STIX objects
/// (relationships, agency identities, entities whose id is not a UUID v4):
/// version-4-form UUIDs from SHA-256 of this namespace and a name, because
/// STIX asks for UUID v4 on every object but cyber observables.
pub const STIX_ID_NAMESPACE: Uuid = Uuid::from_u128(0x06dd_484a_bf93_4aaa_9b0b_39ab_e13e_4102);

/// The id of the project's STIX extension definition.
pub const EXTENSION_DEFINITION_ID: &str =
    "extension-definition--0a93f7a1-1a25-42c9-9747-fdf06fcaf5d3";

/// The id of the identity that publishes the extension definition.
pub(crate) const PROJECT_IDENTITY_ID: &str = "identity--230e7fe3-6f3d-474d-b685-c7a351520dc5";

/// The time stamp of the objects the exporter makes up (the extension
/// definition, its publisher and agency identities): fixed, so that they
/// are the same object in every bundle.
pub(crate) const FIXED_TIME: &str = "2026-11-01T00:00:00.000Z";

/// The extension namespace under which imported STIX data with no
/// equivalent in the record is kept.
pub const KEPT_NAMESPACE: &str = "org.oasis-open.stix";

/// TLP 1.0 marking definitions (STIX 2.1 section 7.2.1.4).
pub(crate) const TLP1: [(&str, Tlp); 4] = [
    (
        "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9",
        Tlp::Clear,
    ),
    (
        "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da",
        Tlp::Green,
    ),
    (
        "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82",
        Tlp::Amber,
    ),
    (
        "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed",
        Tlp::Red,
    ),
];

/// TLP 2.0 marking definitions (the OASIS TLP 2.0 extension).
pub(crate) const TLP2: [(&str, Tlp); 5] = [
    (
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
        Tlp::Clear,
    ),
    (
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
        Tlp::Green,
    ),
    (
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
        Tlp::Amber,
    ),
    (
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
        Tlp::AmberStrict,
    ),
    (
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
        Tlp::Red,
    ),
];

/// The TLP of a standard (TLP 1.0 or 2.0) marking definition id.
pub(crate) fn standard_tlp(id: &str) -> Option<Tlp> {
    TLP1.iter()
        .chain(TLP2.iter())
        .find(|(i, _)| *i == id)
        .map(|(_, t)| *t)
}

/// The TLP 2.0 marking definition id of a TLP.
pub(crate) fn tlp2_id(tlp: Tlp) -> &'static str {
    TLP2.iter().find(|(_, t)| *t == tlp).map_or("", |(i, _)| *i)
}

/// A TLP named in a marking definition (`white`, `clear`, `amber+strict`, ...).
pub(crate) fn tlp_named(name: &str) -> Option<Tlp> {
    match name.to_ascii_lowercase().trim_start_matches("tlp:") {
        "white" | "clear" => Some(Tlp::Clear),
        "green" => Some(Tlp::Green),
        "amber" => Some(Tlp::Amber),
        "amber+strict" => Some(Tlp::AmberStrict),
        "red" => Some(Tlp::Red),
        _ => None,
    }
}

/// The cyber-observable types of STIX 2.1.
pub(crate) const SCO_TYPES: [&str; 18] = [
    "artifact",
    "autonomous-system",
    "directory",
    "domain-name",
    "email-addr",
    "email-message",
    "file",
    "ipv4-addr",
    "ipv6-addr",
    "mac-addr",
    "mutex",
    "network-traffic",
    "process",
    "software",
    "url",
    "user-account",
    "windows-registry-key",
    "x509-certificate",
];

pub(crate) fn is_sco(object_type: &str) -> bool {
    SCO_TYPES.contains(&object_type)
}

/// The id-contributing properties of each cyber-observable type
/// (STIX 2.1 section 6).
fn contributing(object_type: &str) -> &'static [&'static str] {
    match object_type {
        "artifact" => &["hashes", "payload_bin"],
        "autonomous-system" => &["number"],
        "directory" => &["path"],
        "domain-name" | "email-addr" | "ipv4-addr" | "ipv6-addr" | "mac-addr" | "url" => &["value"],
        "email-message" => &["from_ref", "subject", "body"],
        "file" => &["hashes", "name", "extensions", "parent_directory_ref"],
        "mutex" => &["name"],
        "network-traffic" => &[
            "start",
            "end",
            "src_ref",
            "dst_ref",
            "src_port",
            "dst_port",
            "protocols",
            "extensions",
        ],
        "software" => &["name", "cpe", "swid", "vendor", "version"],
        "user-account" => &["account_type", "user_id", "account_login"],
        "windows-registry-key" => &["key", "values"],
        "x509-certificate" => &["hashes", "serial_number"],
        _ => &[],
    }
}

/// One hash of a `hashes` dictionary, chosen as STIX 2.1 section 2.9
/// prescribes for ids: MD5, else SHA-1, else SHA-256, else SHA-512, else
/// the first by name.
fn one_hash(hashes: &Map<String, Value>) -> Value {
    let chosen = ["MD5", "SHA-1", "SHA-256", "SHA-512"]
        .iter()
        .find_map(|k| hashes.get_key_value(*k))
        .or_else(|| hashes.iter().min_by(|a, b| a.0.cmp(b.0)));
    let mut one = Map::new();
    if let Some((k, v)) = chosen {
        one.insert(k.clone(), v.clone());
    }
    Value::Object(one)
}

/// The id of a cyber observable of type `object_type` with the given
/// properties: `TYPE--UUIDv5`, where the UUID v5 is computed in
/// [`SCO_NAMESPACE`] from the RFC 8785 form of the object's id-contributing
/// properties (STIX 2.1 section 2.9). For a type without id-contributing
/// properties, or an object that has none of them, the UUID is derived from
/// the whole object (version 4 form, as the specification asks, but
/// deterministic).
///
/// ```
/// use liaison_stix::observable_id;
///
/// let id = observable_id("ipv4-addr", &serde_json::json!({"value": "198.51.100.3"}));
/// assert_eq!(id, "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4");
/// ```
pub fn observable_id(object_type: &str, object: &Value) -> String {
    let mut parts = Map::new();
    if let Value::Object(o) = object {
        for key in contributing(object_type) {
            match (*key, o.get(*key)) {
                (_, None) => {}
                ("hashes", Some(Value::Object(h))) => {
                    parts.insert("hashes".to_owned(), one_hash(h));
                }
                (k, Some(v)) => {
                    parts.insert(k.to_owned(), v.clone());
                }
            }
        }
    }
    let uuid = if parts.is_empty() {
        derived_v4(&[object_type.as_bytes(), &canonicalize_value(object)])
    } else {
        Uuid::new_v5(&SCO_NAMESPACE, &canonicalize_value(&Value::Object(parts)))
    };
    format!("{object_type}--{uuid}")
}

/// A UUID in version 4 form whose bits come from SHA-256 of `parts`:
/// deterministic, and accepted wherever STIX or the record asks for v4.
pub(crate) fn derived_v4(parts: &[&[u8]]) -> Uuid {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_be_bytes());
        h.update(p);
    }
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    for (b, d) in bytes.iter_mut().zip(digest.iter()) {
        *b = *d;
    }
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

/// A deterministic version-4-form UUID for `name` in [`STIX_ID_NAMESPACE`].
pub(crate) fn derived_id(name: &str) -> Uuid {
    derived_v4(&[STIX_ID_NAMESPACE.as_bytes(), name.as_bytes()])
}

/// Whether STIX accepts the UUID in an id (RFC 4122 variant, version 1 to 5).
pub(crate) fn stix_uuid_ok(u: &Uuid) -> bool {
    matches!(u.get_version_num(), 1..=5) && u.get_variant() == uuid::Variant::RFC4122
}

/// Whether `t` is a STIX type name: 3 to 250 lowercase letters, digits and
/// hyphens, starting with a letter, not ending with a hyphen.
pub(crate) fn type_ok(t: &str) -> bool {
    (3..=250).contains(&t.len())
        && t.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && !t.ends_with('-')
        && !t.contains("--")
        && t.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// Splits a STIX id into its type and UUID, checking the form
/// `type--xxxxxxxx-xxxx-Mxxx-Nxxx-xxxxxxxxxxxx` (hex in either case).
pub(crate) fn split_id(id: &str) -> Option<(&str, Uuid)> {
    let (t, u) = id.rsplit_once("--")?;
    let hyphens_ok = u.len() == 36
        && u.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    if !type_ok(t) || !hyphens_ok {
        return None;
    }
    let uuid = Uuid::parse_str(u).ok()?;
    stix_uuid_ok(&uuid).then_some((t, uuid))
}

/// A timestamp written with exactly millisecond precision, as STIX requires
/// of `created` and `modified`.
pub(crate) fn millis(t: Timestamp) -> String {
    let odt = t.to_offset_date_time();
    let ms = odt.nanosecond() / 1_000_000 * 1_000_000;
    odt.replace_nanosecond(ms)
        .map(Timestamp::from_offset_date_time)
        .unwrap_or(t)
        .to_string()
}

/// The id of the identity the exporter makes up for an agency.
pub(crate) fn agency_identity_id(agency: &AgencyId) -> String {
    format!("identity--{}", derived_id(&format!("agency/{agency}")))
}

#[expect(
    clippy::expect_used,
    reason = "`XXX-STIX` is a valid agency id literal; a unit test checks it"
)]
pub(crate) fn default_originator() -> AgencyId {
    "XXX-STIX".parse().expect("`XXX-STIX` is a valid agency id")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ipv4_vector_from_the_specification() {
        assert_eq!(
            observable_id("ipv4-addr", &json!({"value": "198.51.100.3"})),
            "ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"
        );
    }

    #[test]
    fn file_ids_use_one_hash_md5_first() {
        let both = json!({"hashes": {"SHA-256": "aa", "MD5": "bb"}, "name": "x"});
        let md5 = json!({"hashes": {"MD5": "bb"}, "name": "x"});
        assert_eq!(observable_id("file", &both), observable_id("file", &md5));
        let other = json!({"hashes": {"SHA-256": "aa"}, "name": "x"});
        assert_ne!(observable_id("file", &both), observable_id("file", &other));
    }

    #[test]
    fn non_contributing_properties_do_not_change_the_id() {
        let a = observable_id("domain-name", &json!({"value": "example.com"}));
        let b = observable_id(
            "domain-name",
            &json!({"value": "example.com", "resolves_to_refs": ["ipv4-addr--28bb3599-77cd-5a82-a950-b5bc3caf07c4"]}),
        );
        assert_eq!(a, b);
    }

    #[test]
    fn process_ids_are_v4_form_and_deterministic() {
        let p = json!({"pid": 4});
        let id = observable_id("process", &p);
        assert_eq!(id, observable_id("process", &p));
        let (_, u) = split_id(&id).unwrap();
        assert_eq!(u.get_version_num(), 4);
    }

    #[test]
    fn ids_split_and_check() {
        assert!(split_id("relationship--81f12913-1372-4c96-85ec-E9034ac98aba").is_some());
        assert!(split_id("indicator--33fe3b22020147cf85d097c02164528d").is_none());
        assert!(split_id("Indicator--33fe3b22-0201-47cf-85d0-97c02164528d").is_none());
        assert!(split_id("indicator--33fe3b22-0201-07cf-85d0-97c02164528d").is_none());
        assert!(split_id("--33fe3b22-0201-47cf-85d0-97c02164528d").is_none());
    }

    #[test]
    fn tlp_tables() {
        for tlp in [
            Tlp::Clear,
            Tlp::Green,
            Tlp::Amber,
            Tlp::AmberStrict,
            Tlp::Red,
        ] {
            assert_eq!(standard_tlp(tlp2_id(tlp)), Some(tlp));
        }
        assert_eq!(
            standard_tlp("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"),
            Some(Tlp::Clear)
        );
        assert_eq!(tlp_named("TLP:AMBER+STRICT"), Some(Tlp::AmberStrict));
        assert_eq!(default_originator().as_str(), "XXX-STIX");
    }

    #[test]
    fn millis_truncates() {
        let t: Timestamp = "2015-05-15T09:12:16.432678Z".parse().unwrap();
        assert_eq!(millis(t), "2015-05-15T09:12:16.432Z");
        let t: Timestamp = "2016-05-07T11:22:30Z".parse().unwrap();
        assert_eq!(millis(t), "2016-05-07T11:22:30.000Z");
    }
}
