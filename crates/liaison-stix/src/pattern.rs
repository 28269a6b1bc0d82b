//! The simple STIX patterns that map to one indicator value:
//! `[OBJECT:PATH = 'literal']`. Anything else is a complex pattern, kept
//! as written.

use liaison_record::IndicatorType;

/// The object path of each indicator type, as the exporter writes it.
pub(crate) fn path(t: IndicatorType) -> &'static str {
    match t {
        IndicatorType::Ipv4Addr => "ipv4-addr:value",
        IndicatorType::Ipv6Addr => "ipv6-addr:value",
        IndicatorType::DomainName => "domain-name:value",
        IndicatorType::Url => "url:value",
        IndicatorType::EmailAddr => "email-addr:value",
        IndicatorType::FileMd5 => "file:hashes.MD5",
        IndicatorType::FileSha1 => "file:hashes.'SHA-1'",
        IndicatorType::FileSha256 => "file:hashes.'SHA-256'",
        IndicatorType::FileSha512 => "file:hashes.'SHA-512'",
    }
}

fn type_of_path(p: &str) -> Option<IndicatorType> {
    if let Some(name) = p.strip_prefix("file:hashes.") {
        // Hash names are matched without regard to case or quoting:
        // producers write `MD5`, `md5`, `'SHA-256'`, `SHA256`.
        let name = name
            .strip_prefix('\'')
            .and_then(|n| n.strip_suffix('\''))
            .unwrap_or(name)
            .to_ascii_uppercase()
            .replace('-', "");
        return Some(match name.as_str() {
            "MD5" => IndicatorType::FileMd5,
            "SHA1" => IndicatorType::FileSha1,
            "SHA256" => IndicatorType::FileSha256,
            "SHA512" => IndicatorType::FileSha512,
            _ => return None,
        });
    }
    Some(match p {
        "ipv4-addr:value" => IndicatorType::Ipv4Addr,
        "ipv6-addr:value" => IndicatorType::Ipv6Addr,
        "domain-name:value" => IndicatorType::DomainName,
        "url:value" => IndicatorType::Url,
        "email-addr:value" => IndicatorType::EmailAddr,
        _ => return None,
    })
}

/// Whether the type holds a hash (kept in lowercase by the record).
pub(crate) fn is_hash(t: IndicatorType) -> bool {
    matches!(
        t,
        IndicatorType::FileMd5
            | IndicatorType::FileSha1
            | IndicatorType::FileSha256
            | IndicatorType::FileSha512
    )
}

/// The STIX hash name of a hash indicator type.
pub(crate) fn hash_name(t: IndicatorType) -> Option<&'static str> {
    match t {
        IndicatorType::FileMd5 => Some("MD5"),
        IndicatorType::FileSha1 => Some("SHA-1"),
        IndicatorType::FileSha256 => Some("SHA-256"),
        IndicatorType::FileSha512 => Some("SHA-512"),
        _ => None,
    }
}

/// The pattern the exporter writes for one indicator value.
pub(crate) fn render(t: IndicatorType, value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 32);
    out.push('[');
    out.push_str(path(t));
    out.push_str(" = '");
    for c in value.chars() {
        if c == '\'' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push_str("']");
    out
}

/// The indicator type and value of a simple pattern; `None` for any other
/// pattern.
pub(crate) fn parse(pattern: &str) -> Option<(IndicatorType, String)> {
    let inner = pattern.trim().strip_prefix('[')?.strip_suffix(']')?.trim();
    let end = inner.find(|c: char| c == '=' || c.is_whitespace())?;
    let path = inner.get(..end)?;
    let rest = inner
        .get(end..)?
        .trim_start()
        .strip_prefix('=')?
        .trim_start();
    let t = type_of_path(path)?;
    let mut chars = rest.strip_prefix('\'')?.chars();
    let mut value = String::new();
    loop {
        match chars.next()? {
            '\\' => match chars.next()? {
                c @ ('\'' | '\\') => value.push(c),
                _ => return None,
            },
            '\'' => break,
            c => value.push(c),
        }
    }
    if !chars.as_str().trim().is_empty() {
        return None;
    }
    if is_hash(t) {
        value.make_ascii_lowercase();
    }
    Some((t, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simple_forms() {
        assert_eq!(
            parse("[ipv4-addr:value = '10.0.0.0']"),
            Some((IndicatorType::Ipv4Addr, "10.0.0.0".into()))
        );
        assert_eq!(
            parse("[ ipv4-addr:value = '10.0.0.0' ]"),
            Some((IndicatorType::Ipv4Addr, "10.0.0.0".into()))
        );
        assert_eq!(
            parse("[url:value='http://paypa1.banking.com']"),
            Some((IndicatorType::Url, "http://paypa1.banking.com".into()))
        );
        assert_eq!(
            parse("[file:hashes.'SHA-256' = 'AB01']"),
            Some((IndicatorType::FileSha256, "ab01".into()))
        );
        assert_eq!(
            parse("[file:hashes.md5 = '001dd76872d80801692ff942308c64e6']"),
            Some((
                IndicatorType::FileMd5,
                "001dd76872d80801692ff942308c64e6".into()
            ))
        );
        assert_eq!(
            parse(r"[email-addr:value = 'o\'brien@example.com']"),
            Some((IndicatorType::EmailAddr, "o'brien@example.com".into()))
        );
    }

    #[test]
    fn complex_forms_are_not_simple() {
        for p in [
            "[ipv4-addr:value = '10.0.0.0'] AND [url:value = 'http://x']",
            "[ipv4-addr:value = '10.0.0.0' OR ipv4-addr:value = '10.0.0.1']",
            "[ipv4-addr:value ISSUBSET '10.0.0.0/8']",
            "[file:name = 'x.exe']",
            "[ipv4-addr:value = '10.0.0.0'] WITHIN 5 SECONDS",
            "[ipv4-addr:value = 10]",
            "[ipv4-addr:value = 'a\\x']",
            "",
            "[",
        ] {
            assert_eq!(parse(p), None, "{p}");
        }
    }

    #[test]
    fn render_then_parse() {
        for v in ["x", "it's", r"back\slash", "", "'", "] AND ["] {
            assert_eq!(
                parse(&render(IndicatorType::Url, v)),
                Some((IndicatorType::Url, v.to_owned()))
            );
        }
    }
}
