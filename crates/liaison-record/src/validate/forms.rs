//! The textual forms values must take: indicator values, hashes, language
//! tags, codes.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::IndicatorType;

/// Whether `s` is exactly `len` lowercase hexadecimal digits.
pub(crate) fn is_lower_hex(s: &str, len: usize) -> bool {
    s.len() == len
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Whether `s` is lowercase kebab-case: `[a-z][a-z0-9]*(-[a-z0-9]+)*`.
pub(crate) fn is_kebab(s: &str) -> bool {
    s.bytes().next().is_some_and(|b| b.is_ascii_lowercase())
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.ends_with('-')
        && !s.contains("--")
}

/// Whether `s` has the form of a BCP 47 language tag (`en`, `de-CH`,
/// `sr-Latn-RS`, `zh-Hant`): a primary subtag of 2 to 8 letters, then
/// subtags of 1 to 8 letters or digits.
pub(crate) fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    primary_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Whether `s` has the form of an ISO 15924 script code (`Latn`, `Cyrl`).
pub(crate) fn is_script_code(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 4
        && b.first().is_some_and(u8::is_ascii_uppercase)
        && b.iter().skip(1).all(u8::is_ascii_lowercase)
}

/// Whether `s` has the form of a UN/LOCODE (`NLAMS`, `DEHAM`).
pub(crate) fn is_locode(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 5
        && b.iter().take(2).all(u8::is_ascii_uppercase)
        && b.iter()
            .skip(2)
            .all(|c| c.is_ascii_uppercase() || (b'2'..=b'9').contains(c))
}

/// Whether `s` is an absolute URI: a scheme, a colon and a non-empty rest
/// without spaces or control characters.
pub(crate) fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
        && !rest.is_empty()
        && !rest.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Whether `s` is a DNS domain name of at least two labels (ASCII; IDNs in
/// their `xn--` form).
pub(crate) fn is_domain(s: &str) -> bool {
    let labels_ok = s.split('.').all(|l| {
        (1..=63).contains(&l.len())
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
    });
    let tld_ok = s
        .rsplit('.')
        .next()
        .is_some_and(|t| t.bytes().any(|b| b.is_ascii_alphabetic()));
    s.len() <= 253 && s.contains('.') && labels_ok && tld_ok
}

fn with_prefix_len(s: &str, max: u8, parse: impl Fn(&str) -> bool) -> bool {
    match s.split_once('/') {
        Some((addr, len)) => {
            parse(addr)
                && !len.is_empty()
                && len.len() <= 3
                && len.bytes().all(|b| b.is_ascii_digit())
                && len.parse::<u8>().is_ok_and(|n| n <= max)
        }
        None => parse(s),
    }
}

fn is_host(h: &str) -> bool {
    if let Some(inner) = h.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
        return inner.parse::<Ipv6Addr>().is_ok();
    }
    h.parse::<Ipv4Addr>().is_ok() || is_domain(h) || h == "localhost"
}

/// Whether `s` is a URL with a scheme and a host: `scheme://[userinfo@]host[:port][/path][?query][#fragment]`.
pub(crate) fn is_url(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once("://") else {
        return false;
    };
    let scheme_ok = scheme
        .bytes()
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic())
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.');
    if !scheme_ok || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = if host_port.starts_with('[') {
        match host_port.find(']') {
            Some(end) => {
                let (host, port) = host_port.split_at(end + 1);
                if !(port.is_empty() || port_ok(port)) {
                    return false;
                }
                host
            }
            None => return false,
        }
    } else {
        match host_port.split_once(':') {
            Some((host, port)) => {
                if !port_ok(&format!(":{port}")) {
                    return false;
                }
                host
            }
            None => host_port,
        }
    };
    is_host(host)
}

fn port_ok(p: &str) -> bool {
    p.strip_prefix(':').is_some_and(|n| {
        !n.is_empty()
            && n.len() <= 5
            && n.bytes().all(|b| b.is_ascii_digit())
            && n.parse::<u16>().is_ok()
    })
}

/// Whether `s` is an e-mail address `local@domain`.
pub(crate) fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    (1..=64).contains(&local.len())
        && !local.contains('@')
        && !local.starts_with('.')
        && !local.ends_with('.')
        && !local.contains("..")
        && !local
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || "()<>[]\\,;:\"".contains(c))
        && (is_domain(domain)
            || domain
                .strip_prefix('[')
                .and_then(|d| d.strip_suffix(']'))
                .is_some_and(|ip| ip.parse::<Ipv4Addr>().is_ok()))
}

/// Checks an indicator value against the form its type prescribes; `None`
/// when it matches, otherwise what was expected.
pub(crate) fn indicator_expectation(kind: IndicatorType, value: &str) -> Option<&'static str> {
    let (ok, expected) = match kind {
        IndicatorType::Ipv4Addr => (
            with_prefix_len(value, 32, |a| a.parse::<Ipv4Addr>().is_ok()),
            "an IPv4 address or CIDR block, such as `198.51.100.7` or `203.0.113.0/24`",
        ),
        IndicatorType::Ipv6Addr => (
            with_prefix_len(value, 128, |a| a.parse::<Ipv6Addr>().is_ok()),
            "an IPv6 address or CIDR block, such as `2001:db8::1` or `2001:db8::/32`",
        ),
        IndicatorType::DomainName => (
            is_domain(value),
            "a domain name of at least two labels of letters, digits and hyphens, such as `example.com`",
        ),
        IndicatorType::Url => (
            is_url(value),
            "a URL with a scheme and a host, such as `https://example.com/path`",
        ),
        IndicatorType::EmailAddr => (
            is_email(value),
            "an e-mail address `local@domain`, such as `someone@example.com`",
        ),
        IndicatorType::FileMd5 => (
            is_lower_hex(value, 32),
            "an MD5 hash: 32 lowercase hex digits",
        ),
        IndicatorType::FileSha1 => (
            is_lower_hex(value, 40),
            "a SHA-1 hash: 40 lowercase hex digits",
        ),
        IndicatorType::FileSha256 => (
            is_lower_hex(value, 64),
            "a SHA-256 hash: 64 lowercase hex digits",
        ),
        IndicatorType::FileSha512 => (
            is_lower_hex(value, 128),
            "a SHA-512 hash: 128 lowercase hex digits",
        ),
    };
    if ok { None } else { Some(expected) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indicators() {
        use IndicatorType::*;
        let good = [
            (Ipv4Addr, "198.51.100.7"),
            (Ipv4Addr, "203.0.113.0/24"),
            (Ipv6Addr, "2001:db8::1"),
            (Ipv6Addr, "2001:db8::/32"),
            (DomainName, "example.com"),
            (DomainName, "xn--bcher-kva.example"),
            (Url, "https://example.com/a?b#c"),
            (Url, "http://user@198.51.100.7:8080/x"),
            (Url, "http://[2001:db8::1]:443/"),
            (EmailAddr, "someone@example.com"),
            (FileMd5, "d41d8cd98f00b204e9800998ecf8427e"),
            (FileSha1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            (
                FileSha256,
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            ),
        ];
        for (k, v) in good {
            assert_eq!(indicator_expectation(k, v), None, "{k:?} {v}");
        }
        let bad = [
            (Ipv4Addr, "198.51.100.256"),
            (Ipv4Addr, "203.0.113.0/33"),
            (Ipv4Addr, "2001:db8::1"),
            (Ipv6Addr, "198.51.100.7"),
            (Ipv6Addr, "2001:db8::/129"),
            (DomainName, "localhost"),
            (DomainName, "-a.example"),
            (DomainName, "a..example"),
            (DomainName, "example.123"),
            (Url, "example.com/path"),
            (Url, "https://"),
            (Url, "https://exa mple.com"),
            (Url, "http://example.com:99999/"),
            (EmailAddr, "someone"),
            (EmailAddr, "a b@example.com"),
            (EmailAddr, "a@b"),
            (FileMd5, "D41D8CD98F00B204E9800998ECF8427E"),
            (FileSha1, "da39a3ee"),
            (FileSha512, "zz"),
        ];
        for (k, v) in bad {
            assert!(indicator_expectation(k, v).is_some(), "{k:?} {v}");
        }
    }

    #[test]
    fn codes() {
        assert!(is_language_tag("en"));
        assert!(is_language_tag("sr-Latn-RS"));
        assert!(!is_language_tag("e"));
        assert!(!is_language_tag("en_GB"));
        assert!(is_script_code("Latn"));
        assert!(!is_script_code("latn"));
        assert!(is_locode("NLAMS"));
        assert!(is_locode("DEHH2"));
        assert!(!is_locode("NLAM"));
        assert!(is_kebab("holder-of"));
        assert!(!is_kebab("Holder-of"));
        assert!(!is_kebab("holder--of"));
        assert!(is_uri("https://bio.example.nl/samples/1"));
        assert!(is_uri("urn:nld-kmar:bio:1"));
        assert!(!is_uri("no scheme"));
        assert!(is_lower_hex("00ff", 4));
        assert!(!is_lower_hex("00FF", 4));
    }
}
