//! Parsing and printing of handling caveats.

use std::fmt;
use std::str::FromStr;

use crate::{Caveat, ParseError};

impl FromStr for Caveat {
    type Err = ParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "ORCON" => Caveat::OriginatorControl,
            "NOFORN" => Caveat::NoForeignRelease,
            "H0" => Caveat::H0,
            "H1" => Caveat::H1,
            "H2" => Caveat::H2,
            "H3" => Caveat::H3,
            other => {
                let namespaced = other.split_once(':').is_some_and(|(ns, name)| {
                    !ns.is_empty()
                        && !name.is_empty()
                        && ns.bytes().all(|b| {
                            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'
                        })
                        && name.bytes().all(|b| b.is_ascii_graphic() && b != b':')
                });
                if !namespaced || other.len() > 128 {
                    return Err(ParseError::new(
                        s,
                        "a caveat: `ORCON`, `NOFORN`, `H0` to `H3`, or a namespaced caveat such as `nld-kmar:case-only`",
                    ));
                }
                Caveat::Other(other.to_owned())
            }
        })
    }
}

impl fmt::Display for Caveat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Caveat::OriginatorControl => "ORCON",
            Caveat::NoForeignRelease => "NOFORN",
            Caveat::H0 => "H0",
            Caveat::H1 => "H1",
            Caveat::H2 => "H2",
            Caveat::H3 => "H3",
            Caveat::Other(s) => s,
        })
    }
}

impl TryFrom<String> for Caveat {
    type Error = ParseError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Caveat> for String {
    fn from(c: Caveat) -> Self {
        c.to_string()
    }
}
