//! JSON Schemas of the types written as one JSON string.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};

use crate::{
    AgencyId, CalendarDate, Caveat, CountryCode, Namespace, PartialDate, Party, Purpose, Timestamp,
};

macro_rules! string_schema {
    ($ty:ty, $name:literal, $description:literal, $pattern:literal) => {
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                Cow::Borrowed($name)
            }

            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                json_schema!({
                    "type": "string",
                    "description": $description,
                    "pattern": $pattern,
                })
            }
        }
    };
}

string_schema!(
    AgencyId,
    "AgencyId",
    "An agency id: ISO 3166-1 alpha-3 country, a hyphen, 2 to 16 uppercase letters or digits.",
    "^[A-Z]{3}-[A-Z0-9]{2,16}$"
);
string_schema!(
    Party,
    "Party",
    "A country (ISO 3166-1 alpha-3), an agency id, or a party class.",
    "^([A-Z]{3}(-[A-Z0-9]{2,16})?|eu-member-state|schengen-associated|eu-agency|international-organization|third-country)$"
);
string_schema!(
    Purpose,
    "Purpose",
    "A purpose in lowercase kebab-case.",
    "^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
);
string_schema!(
    CountryCode,
    "CountryCode",
    "An ISO 3166-1 alpha-3 country code or ICAO Doc 9303 special code.",
    "^[A-Z]{3}$"
);
string_schema!(
    Timestamp,
    "Timestamp",
    "An RFC 3339 timestamp in UTC, with at least millisecond precision when written by this crate.",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$"
);
string_schema!(
    CalendarDate,
    "CalendarDate",
    "A date, YYYY-MM-DD.",
    "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
);
string_schema!(
    PartialDate,
    "PartialDate",
    "A possibly partial date: YYYY, YYYY-MM or YYYY-MM-DD.",
    "^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
);
string_schema!(
    Namespace,
    "Namespace",
    "An extension namespace: dot-separated lowercase labels, at least two.",
    "^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$"
);
string_schema!(
    Caveat,
    "Caveat",
    "A handling caveat: ORCON, NOFORN, H0 to H3, or a namespaced caveat `namespace:name`.",
    "^(ORCON|NOFORN|H[0-3]|[a-z0-9.-]+:[!-9;-~]+)$"
);
