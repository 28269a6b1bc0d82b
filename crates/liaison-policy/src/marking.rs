//! The record's own limits: its marking and the obligations of every
//! earlier release in its provenance. They only ever narrow a release.

use std::fmt::Write as _;

use liaison_record::{
    AgencyId, Caveat, Consent, Entity, Obligations, OnwardSharing, Party, Purpose, Record,
    Timestamp, Tlp, consented, consented_by,
};

use crate::decision::{Reason, ReasonEffect, Rule};
use crate::engine::Block;

/// Purposes that count as law enforcement for the `H0` handling code.
pub const LAW_ENFORCEMENT_PURPOSES: &[&str] = &[
    "law-enforcement",
    "criminal-investigation",
    "crime-prevention",
    "counter-terrorism",
    "border-control",
    "serious-crime",
    "public-order",
];

/// Purposes that count as judicial proceedings for the `H1` handling code.
pub const JUDICIAL_PURPOSES: &[&str] = &["judicial-proceedings", "prosecution"];

fn reason(rule: Rule, effect: ReasonEffect, message: String) -> Reason {
    Reason {
        agreement: None,
        version: None,
        clause: None,
        rule,
        effect,
        message,
    }
}

/// Every consent recorded in the record: with its source and in each
/// provenance entry.
fn consents(record: &Record) -> impl Iterator<Item = &Consent> + Clone {
    record
        .source
        .iter()
        .flat_map(|s| s.consents.iter())
        .chain(record.provenance.iter().flat_map(|e| e.consents.iter()))
}

/// The third agency whose information the record carries: its source's
/// agency when that is not the originator.
pub(crate) fn third_party(record: &Record) -> Option<&AgencyId> {
    record
        .source
        .as_ref()
        .and_then(|s| s.agency.as_ref())
        .filter(|a| **a != record.originator)
}

/// The issuers of the record's alerts whose information is a third
/// party's: neither the originator nor the holder is among them, and the
/// source's third agency (already subject to the rule) is not counted
/// twice.
pub(crate) fn alert_issuers<'r>(
    record: &'r Record,
    holder: &AgencyId,
) -> impl Iterator<Item = &'r Party> {
    let source = third_party(record);
    let mut seen: Vec<&Party> = Vec::new();
    for e in &record.entities {
        if let Entity::Alert(a) = e {
            let issuer = &a.issuing_authority;
            let is_source = matches!((issuer, source), (Party::Agency(i), Some(s)) if i == s);
            if !issuer.includes(&record.originator)
                && !issuer.includes(holder)
                && !is_source
                && !seen.contains(&issuer)
            {
                seen.push(issuer);
            }
        }
    }
    seen.into_iter()
}

/// Why no consent of `party` lets the record go to `recipient`: a
/// recorded refusal, or no consent at all.
fn why_not<'a>(
    consents: impl Iterator<Item = &'a Consent> + Clone,
    party: &Party,
    recipient: &AgencyId,
    purpose: &Purpose,
    at: Timestamp,
) -> String {
    let refused = consents.clone().any(|c| {
        c.refused && party.includes(&c.by) && c.scope_includes(recipient, Some(purpose), at)
    });
    if refused {
        format!(
            "a refusal of `{party}` recorded in the record covers `{recipient}` for `{purpose}` (it outweighs every consent)"
        )
    } else {
        format!(
            "no consent of `{party}` recorded in the record covers `{recipient}` for `{purpose}`"
        )
    }
}

/// Applies the marking and provenance rules; returns the block they impose
/// (if any), pushes their reasons and narrows `obligations`.
///
/// A release back to the originator is not onward sharing (the originator
/// is no third party): the rules on passing a record on, and the limits
/// on who may receive it, do not apply to it; the rest of the marking does.
pub(crate) fn record_rules(
    record: &Record,
    holder: &AgencyId,
    recipient: &AgencyId,
    purpose: &Purpose,
    at: Timestamp,
    reasons: &mut Vec<Reason>,
    obligations: &mut Obligations,
) -> Option<Block> {
    let mut block: Option<Block> = None;
    let mut set = |b: Block, r: Reason, reasons: &mut Vec<Reason>| {
        block = block.max(Some(b));
        reasons.push(r);
    };
    let m = &record.marking;
    let returning = recipient == &record.originator && holder != &record.originator;
    // What a copy going home keeps: the obligations before the marking's.
    let before = returning.then(|| obligations.clone());
    let onward = holder != &record.originator && !returning;
    if record.revoked {
        set(
            Block::Deny,
            reason(
                Rule::RecordState,
                ReasonEffect::Deny,
                "the record is revoked".into(),
            ),
            reasons,
        );
    }
    if let Some(review) = m.review_by
        && review.to_date() < at.to_offset_date_time().date()
    {
        set(
            Block::Deny,
            reason(
                Rule::RecordState,
                ReasonEffect::Deny,
                format!(
                    "the record was due for review by {review}; review it and set a new `review_by`"
                ),
            ),
            reasons,
        );
    }
    if !returning
        && !m.releasable_to.is_empty()
        && !m.releasable_to.iter().any(|p| p.includes(recipient))
    {
        set(
            Block::Deny,
            reason(
                Rule::ReleasableTo {
                    parties: m.releasable_to.clone(),
                },
                ReasonEffect::Deny,
                format!(
                    "the marking makes the record releasable only to {}",
                    parties(&m.releasable_to)
                ),
            ),
            reasons,
        );
    }
    if !m.purposes.is_empty() && !m.purposes.contains(purpose) {
        set(
            Block::Deny,
            reason(
                Rule::MarkingPurpose {
                    purposes: m.purposes.clone(),
                },
                ReasonEffect::Deny,
                format!("the marking limits the record to {}", quoted(&m.purposes)),
            ),
            reasons,
        );
    }
    let consent = |to: &AgencyId| consented(consents(record), &record.originator, to, purpose, at);
    for caveat in &m.caveats {
        let rule = || Rule::Caveat {
            caveat: caveat.clone(),
        };
        match caveat {
            Caveat::NoForeignRelease => {
                if !returning && recipient.country() != record.originator.country() {
                    set(
                        Block::Deny,
                        reason(
                            rule(),
                            ReasonEffect::Deny,
                            format!(
                                "`NOFORN`: no release outside {}",
                                record.originator.country()
                            ),
                        ),
                        reasons,
                    );
                }
                *obligations = obligations.most_restrictive(&Obligations {
                    onward: OnwardSharing::OnlyTo {
                        parties: vec![Party::Country(record.originator.country())],
                        others_with_consent: false,
                    },
                    ..Obligations::default()
                });
            }
            Caveat::OriginatorControl => {
                if onward && !consent(recipient) {
                    set(
                        Block::Refer,
                        reason(
                            rule(),
                            ReasonEffect::Refer,
                            format!(
                                "`ORCON`: passing the record on needs the consent of `{}`",
                                record.originator
                            ),
                        ),
                        reasons,
                    );
                }
                *obligations = obligations.most_restrictive(&Obligations {
                    onward: OnwardSharing::WithConsent,
                    ..Obligations::default()
                });
            }
            Caveat::H0 => {
                if !LAW_ENFORCEMENT_PURPOSES.contains(&purpose.as_str()) {
                    set(
                        Block::Deny,
                        reason(
                            rule(),
                            ReasonEffect::Deny,
                            format!(
                                "`H0`: for law-enforcement purposes only, and `{purpose}` is not one"
                            ),
                        ),
                        reasons,
                    );
                }
            }
            Caveat::H1 => {
                // The provider's permission is a consent of the originator
                // that names the judicial purpose itself: a consent for
                // any purpose is not a permission to use the record in
                // court. The originator releasing its own record gives
                // that permission by releasing it.
                let permitted = holder == &record.originator
                    || (consents(record)
                        .any(|c| c.by == record.originator && c.purposes.contains(purpose))
                        && consent(recipient));
                if JUDICIAL_PURPOSES.contains(&purpose.as_str()) && !permitted {
                    set(
                        Block::Refer,
                        reason(
                            rule(),
                            ReasonEffect::Refer,
                            format!(
                                "`H1`: use in judicial proceedings needs the permission of `{}`, recorded as its consent naming `{purpose}`",
                                record.originator
                            ),
                        ),
                        reasons,
                    );
                }
            }
            Caveat::H2 => {
                if onward && !consent(recipient) {
                    set(
                        Block::Refer,
                        reason(
                            rule(),
                            ReasonEffect::Refer,
                            format!(
                                "`H2`: dissemination needs the permission of `{}`",
                                record.originator
                            ),
                        ),
                        reasons,
                    );
                }
                *obligations = obligations.most_restrictive(&Obligations {
                    onward: OnwardSharing::WithConsent,
                    ..Obligations::default()
                });
            }
            Caveat::H3 => {
                let consented = onward && consent(recipient);
                for (b, message) in h3_rules(
                    record,
                    recipient,
                    purpose,
                    returning,
                    onward,
                    consented,
                    obligations,
                ) {
                    set(b, reason(rule(), effect_of(b), message), reasons);
                }
            }
            Caveat::Other(_) => {}
        }
    }
    // TLP 2.0 as FIRST publishes it (docs/tlp.md): AMBER, the recipient's
    // organization and its clients on a need-to-know basis; AMBER+STRICT,
    // the organization only; RED, the named recipients only. Anything wider
    // needs the source's permission.
    match m.tlp {
        Tlp::Red => {
            let named = m
                .releasable_to
                .iter()
                .any(|p| *p == Party::Agency(recipient.clone()));
            if !returning && (onward || !named) {
                set(
                    Block::Deny,
                    reason(
                        Rule::Tlp { tlp: Tlp::Red },
                        ReasonEffect::Deny,
                        "TLP:RED: only for the recipient agencies the marking names one by one in `releasable_to` (never a whole country), and never passed on"
                            .into(),
                    ),
                    reasons,
                );
            }
            *obligations = obligations.most_restrictive(&Obligations {
                onward: OnwardSharing::Forbidden,
                ..Obligations::default()
            });
        }
        Tlp::AmberStrict => {
            if onward {
                set(
                    Block::Deny,
                    reason(
                        Rule::Tlp {
                            tlp: Tlp::AmberStrict,
                        },
                        ReasonEffect::Deny,
                        "TLP:AMBER+STRICT: the recipient's organization only, no onward release"
                            .into(),
                    ),
                    reasons,
                );
            }
            *obligations = obligations.most_restrictive(&Obligations {
                onward: OnwardSharing::Forbidden,
                ..Obligations::default()
            });
        }
        Tlp::Amber => {
            if onward && !consent(recipient) {
                set(
                    Block::Deny,
                    reason(
                        Rule::Tlp { tlp: Tlp::Amber },
                        ReasonEffect::Deny,
                        format!(
                            "TLP:AMBER: for the recipient's organization and its clients only; passing it to another organization needs the permission of `{}`",
                            record.originator
                        ),
                    ),
                    reasons,
                );
            }
            *obligations = obligations.most_restrictive(&Obligations {
                onward: OnwardSharing::WithConsent,
                ..Obligations::default()
            });
        }
        Tlp::Green | Tlp::Clear => {}
    }
    if let Some(third) = third_party(record)
        && recipient != third
        && !returning
        && !consented(consents(record), third, recipient, purpose, at)
    {
        set(
            Block::Refer,
            reason(
                Rule::ThirdParty {
                    agency: third.clone(),
                },
                ReasonEffect::Refer,
                format!(
                    "third-party rule: the information comes from `{third}`, and {}",
                    why_not(
                        consents(record),
                        &Party::Agency(third.clone()),
                        recipient,
                        purpose,
                        at
                    )
                ),
            ),
            reasons,
        );
    }
    for issuer in alert_issuers(record, holder) {
        if returning || issuer.includes(recipient) {
            continue;
        }
        if !consented_by(
            consents(record),
            |a| issuer.includes(a),
            recipient,
            purpose,
            at,
        ) {
            set(
                Block::Refer,
                reason(
                    Rule::ThirdPartyAlert {
                        issuer: issuer.clone(),
                    },
                    ReasonEffect::Refer,
                    format!(
                        "third-party rule: the record carries an alert issued by `{issuer}`, and {}",
                        why_not(consents(record), issuer, recipient, purpose, at)
                    ),
                ),
                reasons,
            );
        }
    }
    if returning {
        // The copy goes home: the marking's onward rules are the
        // originator's own and do not bind it.
        if let Some(before) = before {
            *obligations = before;
        }
        // Earlier releases' rules on passing it on and on its purpose do
        // not bind the originator, their retention does.
        if let Some(b) = retention_rules(record, at, reasons) {
            block = block.max(Some(b));
        }
        if chain_end(record) != holder {
            block = block.max(Some(Block::Deny));
        }
        return block;
    }
    if holder == &record.originator {
        // The originator's own record, a copy that came back included: no
        // earlier release binds the originator, but the chain must end
        // with it.
        if chain_end(record) != holder {
            block = block.max(Some(Block::Deny));
        }
        return block;
    }
    if let Some(b) = provenance_rules(record, holder, recipient, purpose, at, reasons, obligations)
    {
        block = block.max(Some(b));
    }
    block
}

/// The third-party rule: every earlier release's obligations bind.
fn provenance_rules(
    record: &Record,
    holder: &AgencyId,
    recipient: &AgencyId,
    purpose: &Purpose,
    at: Timestamp,
    reasons: &mut Vec<Reason>,
    obligations: &mut Obligations,
) -> Option<Block> {
    let mut block: Option<Block> = None;
    let mut expected_from = &record.originator;
    for (index, e) in record.provenance.iter().enumerate() {
        let mut push = |b: Block, message: String| {
            block = block.max(Some(b));
            let effect = if b == Block::Deny {
                ReasonEffect::Deny
            } else {
                ReasonEffect::Refer
            };
            reasons.push(reason(
                Rule::Provenance {
                    by: e.from.clone(),
                    index,
                },
                effect,
                message,
            ));
        };
        if &e.from != expected_from {
            push(
                Block::Deny,
                format!(
                    "provenance entry {index} is a release by `{}`, but the record was then held by `{expected_from}`; the chain is broken",
                    e.from
                ),
            );
        }
        expected_from = &e.to;
        // Consent from the originator or from the agency that set the rule.
        let consented = consented(consents(record), &record.originator, recipient, purpose, at)
            || consented(consents(record), &e.from, recipient, purpose, at);
        match &e.obligations.onward {
            OnwardSharing::Forbidden if !consented => push(
                Block::Deny,
                format!(
                    "`{}` released the record to `{}` with onward sharing forbidden, and no consent covers `{recipient}`",
                    e.from, e.to
                ),
            ),
            OnwardSharing::WithConsent if !consented => push(
                Block::Refer,
                format!(
                    "`{}` allows onward sharing only with its consent, and none covers `{recipient}`",
                    e.from
                ),
            ),
            OnwardSharing::OnlyTo {
                parties: p,
                others_with_consent,
            } if !consented && !p.iter().any(|x| x.includes(recipient)) => {
                if *others_with_consent {
                    push(
                        Block::Refer,
                        format!(
                            "`{}` allows onward sharing to {}, and to others only with prior consent, which no consent recorded gives `{recipient}`",
                            e.from,
                            parties(p)
                        ),
                    );
                } else {
                    push(
                        Block::Deny,
                        format!("`{}` allows onward sharing only to {}", e.from, parties(p)),
                    );
                }
            }
            _ => {}
        }
        if let Some(review) = e.obligations.review_by
            && review <= at
        {
            push(
                Block::Refer,
                format!(
                    "the copy from `{}` was due for review by {review}; a person must confirm it is still needed before it is passed on",
                    e.from
                ),
            );
        }
        if let Some(until) = e.obligations.retain_until
            && until <= at
        {
            push(
                Block::Deny,
                format!("the copy from `{}` had to be deleted by {until}", e.from),
            );
        }
        if &e.purpose != purpose {
            push(
                Block::Refer,
                format!(
                    "`{}` released the record for `{}`; another purpose needs the originator's agreement",
                    e.from, e.purpose
                ),
            );
        }
        // What bound this holder binds the next one too; the onward rule
        // already checked is kept so that rights only narrow.
        *obligations = obligations.most_restrictive(&e.obligations);
    }
    if expected_from != holder {
        block = block.max(Some(Block::Deny));
    }
    block
}

/// The agency the provenance chain ends with.
fn chain_end(record: &Record) -> &AgencyId {
    record
        .provenance
        .last()
        .map_or(&record.originator, |e| &e.to)
}

/// Earlier releases' retention: a copy past its `retain_until` cannot go
/// anywhere, back to its originator included.
fn retention_rules(record: &Record, at: Timestamp, reasons: &mut Vec<Reason>) -> Option<Block> {
    let mut block = None;
    for (index, e) in record.provenance.iter().enumerate() {
        if let Some(until) = e.obligations.retain_until
            && until <= at
        {
            block = Some(Block::Deny);
            reasons.push(reason(
                Rule::Provenance {
                    by: e.from.clone(),
                    index,
                },
                ReasonEffect::Deny,
                format!("the copy from `{}` had to be deleted by {until}", e.from),
            ));
        }
    }
    block
}

/// The Europol handling code `H3`: without restrictions stated in the
/// marking, a person decides; with them, each applies (purposes and
/// recipients deny, onward rules deny or refer and bind the copy, `refer`
/// still refers). Returns the blocks with their messages and narrows
/// `obligations`.
fn h3_rules(
    record: &Record,
    recipient: &AgencyId,
    purpose: &Purpose,
    returning: bool,
    onward: bool,
    consented: bool,
    obligations: &mut Obligations,
) -> Vec<(Block, String)> {
    let Some(h3) = &record.marking.h3 else {
        return vec![(
            Block::Refer,
            "`H3`: other restrictions apply, and the marking does not state them (`h3`); a person must decide".into(),
        )];
    };
    let mut out = Vec::new();
    if h3.refer {
        out.push((
            Block::Refer,
            format!(
                "`H3`: a person must decide under the provider's restrictions: {}",
                h3.text
            ),
        ));
    }
    if !h3.purposes.is_empty() && !h3.purposes.contains(purpose) {
        out.push((
            Block::Deny,
            format!(
                "`H3`: the provider limits the record to {}",
                quoted(&h3.purposes)
            ),
        ));
    }
    if !returning
        && !h3.recipients.is_empty()
        && !h3.recipients.iter().any(|p| p.includes(recipient))
    {
        out.push((
            Block::Deny,
            format!(
                "`H3`: the provider allows the record only to {}",
                parties(&h3.recipients)
            ),
        ));
    }
    let (rule, block, message) = if h3.no_onward {
        (
            OnwardSharing::Forbidden,
            Block::Deny,
            "`H3`: the provider forbids any onward release".to_owned(),
        )
    } else if h3.onward_with_consent {
        (
            OnwardSharing::WithConsent,
            Block::Refer,
            format!(
                "`H3`: onward release needs the permission of `{}`",
                record.originator
            ),
        )
    } else {
        return out;
    };
    if onward && (h3.no_onward || !consented) {
        out.push((block, message));
    }
    *obligations = obligations.most_restrictive(&Obligations {
        onward: rule,
        ..Obligations::default()
    });
    out
}

fn effect_of(block: Block) -> ReasonEffect {
    match block {
        Block::Deny => ReasonEffect::Deny,
        Block::Refer => ReasonEffect::Refer,
    }
}

fn quoted(p: &[Purpose]) -> String {
    listed(p.iter().map(Purpose::as_str))
}

fn parties(p: &[Party]) -> String {
    let mut out = String::new();
    for (i, x) in p.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        // Writing into a `String` cannot fail.
        let _ = write!(out, "`{x}`");
    }
    out
}

/// Words in backticks, separated by commas.
fn listed<'a>(words: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    for (i, x) in words.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push('`');
        out.push_str(x);
        out.push('`');
    }
    out
}
