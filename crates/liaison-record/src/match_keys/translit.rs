//! Names as the machine-readable zone writes them: ICAO Doc 9303 part 3,
//! section 6 (the transliteration of multinational Latin-based characters,
//! and of Cyrillic), then the zone's alphabet: `A` to `Z`, with `<` between
//! name parts.

/// Which of the transliterations ICAO allows for `Ä`, `Å`, `Ö`, `Ü`: the
/// first it lists (`AE`, `AA`, `OE`, `UE`), or the single letter (`A`,
/// `A`, `O`, `U`). Issuing states use either, so match keys are made with
/// both when a name has one of these letters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    /// `Ä` as `AE`, `Å` as `AA`, `Ö` as `OE`, `Ü` as `UE`.
    Digraph,
    /// `Ä` as `A`, `Å` as `A`, `Ö` as `O`, `Ü` as `U`.
    Single,
}

/// Whether `text` has a letter whose transliteration depends on the variant.
pub(crate) fn has_variants(text: &str) -> bool {
    text.chars()
        .flat_map(char::to_uppercase)
        .any(|c| matches!(c, 'Ä' | 'Å' | 'Ö' | 'Ü'))
}

/// One uppercase letter (not ASCII) as ICAO Doc 9303 part 3 writes it in
/// the zone, or `None` if the tables do not have it.
fn letter(c: char, variant: Variant) -> Option<&'static str> {
    let digraph = variant == Variant::Digraph;
    Some(match c {
        // Multinational Latin-based characters.
        'Ä' => {
            if digraph {
                "AE"
            } else {
                "A"
            }
        }
        'Å' => {
            if digraph {
                "AA"
            } else {
                "A"
            }
        }
        'Ö' => {
            if digraph {
                "OE"
            } else {
                "O"
            }
        }
        'Ü' => {
            if digraph {
                "UE"
            } else {
                "U"
            }
        }
        'À' | 'Á' | 'Â' | 'Ã' | 'Ā' | 'Ă' | 'Ą' => "A",
        'Æ' => "AE",
        'Ç' | 'Ć' | 'Ĉ' | 'Ċ' | 'Č' => "C",
        'Ð' | 'Ď' | 'Đ' => "D",
        'È' | 'É' | 'Ê' | 'Ë' | 'Ē' | 'Ĕ' | 'Ė' | 'Ę' | 'Ě' => "E",
        'Ĝ' | 'Ğ' | 'Ġ' | 'Ģ' => "G",
        'Ĥ' | 'Ħ' => "H",
        'Ì' | 'Í' | 'Î' | 'Ï' | 'Ĩ' | 'Ī' | 'Ĭ' | 'Į' | 'İ' => "I",
        'Ĳ' => "IJ",
        'Ĵ' => "J",
        'Ķ' => "K",
        'Ĺ' | 'Ļ' | 'Ľ' | 'Ŀ' | 'Ł' => "L",
        'Ñ' | 'Ń' | 'Ņ' | 'Ň' | 'Ŋ' => "N",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ō' | 'Ŏ' | 'Ő' => "O",
        'Ø' | 'Œ' => "OE",
        'Ŕ' | 'Ŗ' | 'Ř' => "R",
        'Ś' | 'Ŝ' | 'Ş' | 'Š' | 'Ș' => "S",
        'ẞ' => "SS",
        'Ţ' | 'Ť' | 'Ŧ' | 'Ț' => "T",
        'Þ' => "TH",
        'Ù' | 'Ú' | 'Û' | 'Ũ' | 'Ū' | 'Ŭ' | 'Ů' | 'Ű' | 'Ų' => "U",
        'Ŵ' => "W",
        'Ý' | 'Ŷ' | 'Ÿ' => "Y",
        'Ź' | 'Ż' | 'Ž' => "Z",
        // Cyrillic.
        'А' => "A",
        'Б' => "B",
        'В' => "V",
        'Г' => "G",
        'Ґ' => "G",
        'Ѓ' => "G",
        'Д' => "D",
        'Ђ' => "D",
        'Е' | 'Ё' | 'Э' => "E",
        'Є' => "IE",
        'Ж' => "ZH",
        'З' => "Z",
        'Ѕ' => "DZ",
        'И' | 'Й' | 'І' | 'Ї' => "I",
        'Ј' => "J",
        'К' => "K",
        'Ќ' => "K",
        'Л' => "L",
        'Љ' => "LJ",
        'М' => "M",
        'Н' => "N",
        'Њ' => "NJ",
        'О' => "O",
        'П' => "P",
        'Р' => "R",
        'С' => "S",
        'Т' => "T",
        'Ћ' => "C",
        'У' | 'Ў' => "U",
        'Ф' => "F",
        'Х' => "KH",
        'Ц' => "TS",
        'Ч' => "CH",
        'Џ' => "DZ",
        'Ш' => "SH",
        'Щ' => "SHCH",
        'Ъ' => "IE",
        'Ы' => "Y",
        'Ь' => "",
        'Ю' => "IU",
        'Я' => "IA",
        _ => return None,
    })
}

/// A name part (given names, or family names) in the zone's alphabet:
/// uppercase `A` to `Z`, the words separated by one `<`. Apostrophes are
/// left out; spaces, hyphens, full stops, commas and `<` separate words;
/// `ß` is `SS`. `None` if the text holds a letter of another script (the
/// tables cover Latin and Cyrillic) or a digit; `Some("")` if it holds no
/// letter.
pub(crate) fn name_part(text: &str, variant: Variant) -> Option<String> {
    let mut out = String::with_capacity(text.len());
    let mut pending_separator = false;
    for c in text.chars() {
        if matches!(c, '\'' | '\u{2019}' | '\u{02bc}' | '`' | '\u{00b4}') {
            continue;
        }
        if c.is_whitespace() || matches!(c, '-' | '\u{2010}' | '\u{2011}' | '.' | ',' | '<') {
            pending_separator = !out.is_empty();
            continue;
        }
        if c.is_ascii_digit() {
            return None;
        }
        let upper: String = if c == 'ß' {
            "SS".to_owned()
        } else {
            c.to_uppercase().collect()
        };
        let mut letters = String::new();
        for u in upper.chars() {
            if u.is_ascii_uppercase() {
                letters.push(u);
            } else {
                letters.push_str(letter(u, variant)?);
            }
        }
        if letters.is_empty() {
            continue;
        }
        if pending_separator {
            out.push('<');
            pending_separator = false;
        }
        out.push_str(&letters);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_written_as_the_zone_writes_them() {
        let d = Variant::Digraph;
        assert_eq!(name_part("Anna Maria", d).as_deref(), Some("ANNA<MARIA"));
        assert_eq!(name_part("  Jean-Luc ", d).as_deref(), Some("JEAN<LUC"));
        assert_eq!(name_part("O'Brien", d).as_deref(), Some("OBRIEN"));
        assert_eq!(name_part("Müller", d).as_deref(), Some("MUELLER"));
        assert_eq!(
            name_part("Müller", Variant::Single).as_deref(),
            Some("MULLER")
        );
        assert_eq!(name_part("Straße", d).as_deref(), Some("STRASSE"));
        assert_eq!(name_part("Øvergård", d).as_deref(), Some("OEVERGAARD"));
        assert_eq!(name_part("Łukasz Żółć", d).as_deref(), Some("LUKASZ<ZOLC"));
        assert_eq!(name_part("Щербаков", d).as_deref(), Some("SHCHERBAKOV"));
        assert_eq!(name_part("Юлия", d).as_deref(), Some("IULIIA"));
        assert_eq!(
            name_part("ERIKSSON<<ANNA", d).as_deref(),
            Some("ERIKSSON<ANNA")
        );
        assert_eq!(name_part("محمد", d), None);
        assert_eq!(name_part("Agent 47", d), None);
        assert_eq!(name_part("-", d).as_deref(), Some(""));
        assert!(has_variants("Jürgen") && !has_variants("Jurgen"));
    }
}
