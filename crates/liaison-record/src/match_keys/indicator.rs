//! Cyber indicators in one written form each: addresses as the standard
//! forms write them, domains, URLs and e-mail addresses lowercased where
//! case carries no meaning, hashes in lowercase hexadecimal.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::MatchKeyKind;
use crate::IndicatorType;

/// The match key kind and value of an indicator, or `None` if the value
/// is not of its type's form.
pub(crate) fn key(indicator_type: IndicatorType, value: &str) -> Option<(MatchKeyKind, String)> {
    let value = value.trim();
    Some(match indicator_type {
        IndicatorType::Ipv4Addr => (MatchKeyKind::Ipv4, ipv4(value)?),
        IndicatorType::Ipv6Addr => (MatchKeyKind::Ipv6, ipv6(value)?),
        IndicatorType::DomainName => (MatchKeyKind::Domain, domain(value)?),
        IndicatorType::Url => (MatchKeyKind::Url, url(value)?),
        IndicatorType::EmailAddr => (MatchKeyKind::Email, email(value)?),
        IndicatorType::FileMd5 => (MatchKeyKind::Md5, hash(value, 32)?),
        IndicatorType::FileSha1 => (MatchKeyKind::Sha1, hash(value, 40)?),
        IndicatorType::FileSha256 => (MatchKeyKind::Sha256, hash(value, 64)?),
        IndicatorType::FileSha512 => (MatchKeyKind::Sha512, hash(value, 128)?),
    })
}

/// Splits `a/n` into the address and a prefix length of at most `max`.
fn prefix(value: &str, max: u8) -> Option<(&str, Option<u8>)> {
    match value.split_once('/') {
        None => Some((value, None)),
        Some((addr, len)) => {
            if len.is_empty() || len.len() > 3 || !len.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let len: u8 = len.parse().ok()?;
            (len <= max).then_some((addr, Some(len)))
        }
    }
}

/// Dotted decimal without leading zeros; a block as its network address
/// and prefix length (`/32` is the address alone).
fn ipv4(value: &str) -> Option<String> {
    let (addr, len) = prefix(value, 32)?;
    let addr: Ipv4Addr = addr.parse().ok()?;
    Some(match len {
        None | Some(32) => addr.to_string(),
        Some(len) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            format!("{}/{len}", Ipv4Addr::from(u32::from(addr) & mask))
        }
    })
}

/// The RFC 5952 form (lowercase, the longest run of zero groups as `::`);
/// a block as its network address and prefix length (`/128` alone).
fn ipv6(value: &str) -> Option<String> {
    let (addr, len) = prefix(value, 128)?;
    let addr: Ipv6Addr = addr.parse().ok()?;
    Some(match len {
        None | Some(128) => addr.to_string(),
        Some(len) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            format!("{}/{len}", Ipv6Addr::from(u128::from(addr) & mask))
        }
    })
}

/// Lowercase, without a final dot; labels of 1 to 63 characters, a name
/// of at most 253.
fn domain(value: &str) -> Option<String> {
    let d = value.strip_suffix('.').unwrap_or(value).to_lowercase();
    let ok = !d.is_empty()
        && d.len() <= 253
        && d.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
        });
    ok.then_some(d)
}

/// The scheme and host lowercased, the default port of `http` (80) and
/// `https` (443) removed, an empty path written `/`, the fragment removed;
/// the user information, path and query kept as written.
fn url(value: &str) -> Option<String> {
    let (scheme, rest) = value.split_once("://")?;
    if scheme.is_empty()
        || !scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
    {
        return None;
    }
    let scheme = scheme.to_ascii_lowercase();
    let rest = rest.split_once('#').map_or(rest, |(r, _)| r);
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (userinfo, hostport) = match authority.rsplit_once('@') {
        Some((u, h)) => (Some(u), h),
        None => (None, authority),
    };
    let (host, port) = if hostport.starts_with('[') {
        let close = hostport.find(']')?;
        let (h, p) = hostport.split_at(close + 1);
        (h, p.strip_prefix(':'))
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (hostport, None),
        }
    };
    if host.is_empty() {
        return None;
    }
    let host = host.to_lowercase();
    let port = match port {
        Some(p) if !p.bytes().all(|b| b.is_ascii_digit()) => return None,
        Some("") => None,
        Some(p) if (scheme == "http" && p == "80") || (scheme == "https" && p == "443") => None,
        p => p,
    };
    let tail = if tail.is_empty() || tail.starts_with('?') {
        format!("/{tail}")
    } else {
        tail.to_owned()
    };
    let mut out = format!("{scheme}://");
    if let Some(u) = userinfo {
        out.push_str(u);
        out.push('@');
    }
    out.push_str(&host);
    if let Some(p) = port {
        out.push(':');
        out.push_str(p);
    }
    out.push_str(&tail);
    Some(out)
}

/// Lowercase (the local part too: mail systems treat it so in practice),
/// the domain as [`domain`] writes it.
fn email(value: &str) -> Option<String> {
    let (local, host) = value.rsplit_once('@')?;
    if local.is_empty() || local.chars().any(char::is_whitespace) {
        return None;
    }
    Some(format!("{}@{}", local.to_lowercase(), domain(host)?))
}

/// Lowercase hexadecimal of exactly `len` digits.
fn hash(value: &str, len: usize) -> Option<String> {
    (value.len() == len && value.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| value.to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_take_their_standard_form() {
        assert_eq!(ipv4("192.0.2.1").as_deref(), Some("192.0.2.1"));
        assert_eq!(ipv4("192.0.2.77/24").as_deref(), Some("192.0.2.0/24"));
        assert_eq!(ipv4("192.0.2.77/32").as_deref(), Some("192.0.2.77"));
        assert_eq!(ipv4("192.0.2.77/0").as_deref(), Some("0.0.0.0/0"));
        assert_eq!(ipv4("192.000.2.1"), None);
        assert_eq!(ipv4("192.0.2.1/33"), None);
        assert_eq!(ipv6("2001:DB8:0:0:0:0:0:1").as_deref(), Some("2001:db8::1"));
        assert_eq!(ipv6("2001:db8::ff/32").as_deref(), Some("2001:db8::/32"));
    }

    #[test]
    fn names_lose_case_where_it_means_nothing() {
        assert_eq!(domain("Example.COM.").as_deref(), Some("example.com"));
        assert_eq!(domain("-bad.example"), None);
        assert_eq!(
            url("HTTPS://Example.com:443/Path?q=A#frag").as_deref(),
            Some("https://example.com/Path?q=A")
        );
        assert_eq!(
            url("http://example.com").as_deref(),
            Some("http://example.com/")
        );
        assert_eq!(
            url("http://example.com:8080?x").as_deref(),
            Some("http://example.com:8080/?x")
        );
        assert_eq!(
            url("http://[2001:DB8::1]:80/").as_deref(),
            Some("http://[2001:db8::1]/")
        );
        assert_eq!(url("example.com/path"), None);
        assert_eq!(
            email("Alice@Example.COM").as_deref(),
            Some("alice@example.com")
        );
        assert_eq!(
            hash(&"AB".repeat(16), 32).as_deref(),
            Some("ab".repeat(16).as_str())
        );
        assert_eq!(hash("abc", 32), None);
    }
}
