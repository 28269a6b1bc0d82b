//! The agreement's `[[match]]` clauses: which partners may ask the provider
//! whether it holds a key (hit/no-hit matching, `docs/match.md`), about
//! which kinds of key, for which purposes, how many keys a day and a batch,
//! whether a hit reveals a reference the partner can then request by, and
//! the obligations that bind what the partner learns.
//!
//! This crate knows the kinds by name only ([`MatchKeyKind`], from
//! `liaison-record`); how keys are derived and asked about is not its
//! business. It decides a batch from its purpose, its kinds and its size:
//! every kind must be allowed by some clause in force for the partner and
//! purpose, and the batch is held to the strictest limits of the clauses
//! that apply; counting the keys of a day is the caller's, against the
//! per-day limit the decision gives.

use serde::{Deserialize, Serialize};

use liaison_record::match_keys::MatchKeyKind;
use liaison_record::{AgencyId, AgreementRef, Party, Purpose, Timestamp};

use crate::agreement::{Agreement, ObligationRules};
use crate::compile::PolicySet;

/// A `[[match]]` clause of an agreement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchClause {
    /// The clause id, unique among the agreement's match clauses.
    pub id: String,
    /// What the clause is for, in words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The parties (agencies, countries, party classes) that may query.
    pub partners: Vec<Party>,
    /// The purposes they may query for (each one of the agreement's).
    pub purposes: Vec<Purpose>,
    /// The key kinds they may ask about.
    pub key_kinds: Vec<MatchKeyKind>,
    /// How many keys they may ask about.
    pub budget: MatchBudget,
    /// Whether a hit gives a reference the provider resolves to its records
    /// when the partner requests by it; when not, the partner learns hit or
    /// no hit and must describe what it requests.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub reveal_reference: bool,
    /// Obligations that bind the outcome of a match: how long the partner
    /// may keep it, whether it may pass it on, whom to notify.
    #[serde(default, skip_serializing_if = "ObligationRules::is_empty")]
    pub obligations: ObligationRules,
}

/// A match clause's budget, for each partner and purpose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MatchBudget {
    /// The most keys in one UTC day, all batches together (at least 1).
    pub per_day: u32,
    /// The most keys in one batch (at least 1, at most `per_day`).
    pub per_batch: u32,
}

/// A match clause in force for one partner, with its agreement.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MatchGrant<'a> {
    /// The agreement.
    pub agreement: &'a Agreement,
    /// The agreement's id, version and digest, as decisions name it.
    pub reference: &'a AgreementRef,
    /// The clause.
    pub clause: &'a MatchClause,
}

/// Why a batch of queries is refused by the agreements.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MatchRefusal {
    /// No agreement in force lets the partner query the provider.
    #[error("no agreement in force has a match clause for `{partner}`")]
    NoClause {
        /// The querying partner.
        partner: AgencyId,
    },
    /// The match clauses for the partner do not name the purpose.
    #[error("no match clause for `{partner}` allows the purpose `{purpose}`")]
    Purpose {
        /// The querying partner.
        partner: AgencyId,
        /// The purpose asked for.
        purpose: Purpose,
    },
    /// The match clauses for the partner and purpose do not name a kind of
    /// the batch.
    #[error("no match clause for `{partner}` and `{purpose}` allows key kind `{kind}`")]
    Kind {
        /// The querying partner.
        partner: AgencyId,
        /// The purpose asked for.
        purpose: Purpose,
        /// The first kind not allowed, as the query names it.
        kind: String,
    },
    /// The batch holds more keys than a batch may.
    #[error("a batch of {keys} keys is more than the {limit} a batch may hold under `{clause}`")]
    Batch {
        /// Keys in the batch.
        keys: u64,
        /// The per-batch limit of the clause that allows the rest.
        limit: u32,
        /// That clause's id.
        clause: String,
    },
}

impl MatchRefusal {
    /// A short code for audit logs and scripts.
    pub fn code(&self) -> &'static str {
        match self {
            MatchRefusal::NoClause { .. } => "match-no-clause",
            MatchRefusal::Purpose { .. } => "match-purpose-not-allowed",
            MatchRefusal::Kind { .. } => "match-kind-not-allowed",
            MatchRefusal::Batch { .. } => "match-batch-too-large",
        }
    }
}

impl PolicySet {
    /// The match clauses in force at `at` under which `partner` may query
    /// `provider`: clauses of agreements of `provider` whose `partners`
    /// include `partner`, in agreement id, version and clause order.
    pub fn match_grants(
        &self,
        provider: &AgencyId,
        partner: &AgencyId,
        at: Timestamp,
    ) -> Vec<MatchGrant<'_>> {
        self.agreements
            .iter()
            .filter(|a| &a.source.provider == provider && a.in_force(at))
            .flat_map(|a| {
                a.source
                    .matching
                    .iter()
                    .filter(|c| c.partners.iter().any(|p| p.includes(partner)))
                    .map(|clause| MatchGrant {
                        agreement: &a.source,
                        reference: &a.reference,
                        clause,
                    })
            })
            .collect()
    }

    /// Decides a batch of `keys` keys of `kinds` (as the query names them)
    /// that `partner` asks `provider` about for `purpose` at `at`.
    ///
    /// A kind is allowed when some clause in force for the partner and the
    /// purpose names it; the batch is allowed when every kind is, whether
    /// one clause or several allow them. The clauses that *apply* are all
    /// those that allow at least one kind of the batch, and the batch's
    /// limits are the strictest among them: the smallest `per_batch` and
    /// the smallest `per_day`, so that no clause can be bypassed through a
    /// more permissive one. The per-day limit is the caller's to charge,
    /// against the keys of the partner and purpose that day.
    ///
    /// # Errors
    /// A [`MatchRefusal`]: no clause for the partner, none for the purpose,
    /// the first kind no clause allows, or a batch larger than the
    /// strictest `per_batch` (naming its clause).
    pub fn decide_match<'a>(
        &'a self,
        provider: &AgencyId,
        partner: &AgencyId,
        purpose: &Purpose,
        kinds: &[&str],
        keys: u64,
        at: Timestamp,
    ) -> Result<MatchDecision<'a>, MatchRefusal> {
        let grants = self.match_grants(provider, partner, at);
        if grants.is_empty() {
            return Err(MatchRefusal::NoClause {
                partner: partner.clone(),
            });
        }
        let for_purpose: Vec<_> = grants
            .into_iter()
            .filter(|g| g.clause.purposes.contains(purpose))
            .collect();
        if for_purpose.is_empty() {
            return Err(MatchRefusal::Purpose {
                partner: partner.clone(),
                purpose: purpose.clone(),
            });
        }
        if let Some(kind) = kinds
            .iter()
            .find(|k| !for_purpose.iter().any(|g| g.allows_kind(k)))
        {
            return Err(MatchRefusal::Kind {
                partner: partner.clone(),
                purpose: purpose.clone(),
                kind: (*kind).to_owned(),
            });
        }
        let applied: Vec<MatchGrant<'a>> = for_purpose
            .into_iter()
            .filter(|g| kinds.iter().any(|k| g.allows_kind(k)))
            .collect();
        let strictest = |limit: fn(&MatchBudget) -> u32| {
            applied
                .iter()
                .min_by_key(|g| limit(&g.clause.budget))
                .map(|g| (limit(&g.clause.budget), g.clause.id.clone()))
        };
        let (Some((per_batch, batch_clause)), Some((per_day, day_clause))) =
            (strictest(|b| b.per_batch), strictest(|b| b.per_day))
        else {
            // No kinds at all: nothing names a clause to answer under.
            return Err(MatchRefusal::Kind {
                partner: partner.clone(),
                purpose: purpose.clone(),
                kind: String::new(),
            });
        };
        if keys > u64::from(per_batch) {
            return Err(MatchRefusal::Batch {
                keys,
                limit: per_batch,
                clause: batch_clause,
            });
        }
        Ok(MatchDecision {
            grants: applied,
            per_batch,
            per_batch_clause: batch_clause,
            per_day,
            per_day_clause: day_clause,
        })
    }
}

impl MatchGrant<'_> {
    /// Whether the clause names the key kind `kind`.
    pub fn allows_kind(&self, kind: &str) -> bool {
        self.clause.key_kinds.iter().any(|k| k.as_str() == kind)
    }
}

/// A batch of queries allowed by the agreements: the clauses that apply
/// and the strictest of their limits.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchDecision<'a> {
    /// The clauses that apply: those in force for the partner and purpose
    /// that allow at least one kind of the batch, in
    /// [`PolicySet::match_grants`] order.
    pub grants: Vec<MatchGrant<'a>>,
    /// The smallest `per_batch` among them.
    pub per_batch: u32,
    /// The id of the clause that sets it.
    pub per_batch_clause: String,
    /// The smallest `per_day` among them, for the partner and purpose.
    pub per_day: u32,
    /// The id of the clause that sets it.
    pub per_day_clause: String,
}

type RuleProblem = (String, String, Option<String>);

/// The loader's rules for the match clauses of `a`.
pub(crate) fn rule_problems(
    a: &Agreement,
    is_identifier: fn(&str) -> bool,
    obligations: &dyn Fn(&ObligationRules, &str, &mut Vec<RuleProblem>),
    out: &mut Vec<RuleProblem>,
) {
    for (i, m) in a.matching.iter().enumerate() {
        let at = format!("/match/{i}");
        if !is_identifier(&m.id) {
            out.push((
                format!("{at}/id"),
                format!("`{}` is not a clause id", m.id),
                Some("use lowercase letters, digits, `-` and `.`".into()),
            ));
        }
        if a.matching.iter().take(i).any(|n| n.id == m.id) {
            out.push((
                format!("{at}/id"),
                format!("match clause id `{}` is used twice", m.id),
                Some("give each match clause its own id".into()),
            ));
        }
        for (key, empty, example) in [
            ("partners", m.partners.is_empty(), "[\"DEU-BPOL\"]"),
            ("purposes", m.purposes.is_empty(), "[\"border-control\"]"),
            ("key_kinds", m.key_kinds.is_empty(), "[\"travel-document\"]"),
        ] {
            if empty {
                out.push((
                    format!("{at}/{key}"),
                    format!("no {}", key.replace('_', " ")),
                    Some(format!("name at least one, such as `{key} = {example}`")),
                ));
            }
        }
        for (j, p) in m.purposes.iter().enumerate() {
            if !a.purposes.contains(p) {
                out.push((
                    format!("{at}/purposes/{j}"),
                    format!("purpose `{p}` is not one of the agreement's purposes"),
                    Some("add it to the agreement's `purposes`, or remove it here".into()),
                ));
            }
        }
        for (j, k) in m.key_kinds.iter().enumerate() {
            if m.key_kinds.iter().take(j).any(|l| l == k) {
                out.push((
                    format!("{at}/key_kinds/{j}"),
                    format!("key kind `{k}` is named twice"),
                    Some("name each kind once".into()),
                ));
            }
        }
        for (j, p) in m.partners.iter().enumerate() {
            if p.includes(&a.provider) && p.is_agency() {
                out.push((
                    format!("{at}/partners/{j}"),
                    format!("`{p}` is the provider itself"),
                    Some("name the partners that may query the provider".into()),
                ));
            }
        }
        let budget = m.budget;
        for (key, value, per) in [
            ("per_day", budget.per_day, "a day"),
            ("per_batch", budget.per_batch, "a batch"),
        ] {
            if value == 0 {
                out.push((
                    format!("{at}/budget/{key}"),
                    format!("`{key} = 0` allows no key {per}"),
                    Some("give at least 1, or remove the match clause".into()),
                ));
            }
        }
        if budget.per_batch > budget.per_day {
            out.push((
                format!("{at}/budget/per_batch"),
                format!(
                    "`per_batch` ({}) is more than `per_day` ({}): no batch could use it",
                    budget.per_batch, budget.per_day
                ),
                Some("make `per_batch` at most `per_day`".into()),
            ));
        }
        if let Some(from) = m.obligations.retention_from
            && from != crate::agreement::RetentionStart::Release
        {
            out.push((
                format!("{at}/obligations/retention_from"),
                format!(
                    "retention of a match outcome cannot count from the `{}`: the partner holds no record",
                    from.as_str()
                ),
                Some("count from the release (leave `retention_from` out)".into()),
            ));
        }
        obligations(&m.obligations, &format!("{at}/obligations"), out);
    }
}

/// Where two match clauses overlap with different limits: a partner, a
/// purpose and a kind both cover, in words, and the stricter limits that
/// then apply to every batch with that kind.
pub(crate) fn limits_overlap(m: &MatchClause, n: &MatchClause) -> Option<String> {
    if m.budget == n.budget {
        return None;
    }
    let partner = m.partners.iter().find_map(|p| {
        n.partners
            .iter()
            .find(|q| p.covers(q) || q.covers(p))
            .map(|q| if p.covers(q) { q } else { p })
    })?;
    let purpose = m.purposes.iter().find(|p| n.purposes.contains(p))?;
    let kind = m.key_kinds.iter().find(|x| n.key_kinds.contains(x))?;
    Some(format!(
        "`{partner}`, `{purpose}` and `{kind}`; the strictest limits apply to every batch with the kind (per_batch = {}, per_day = {})",
        m.budget.per_batch.min(n.budget.per_batch),
        m.budget.per_day.min(n.budget.per_day)
    ))
}

/// `policy check`'s warnings about the match clauses of `a`.
pub(crate) fn warnings(a: &Agreement, out: &mut Vec<RuleProblem>) {
    let releases = a
        .clauses
        .iter()
        .any(|c| c.effect == crate::agreement::Effect::Release);
    for (i, m) in a.matching.iter().enumerate() {
        let at = format!("/match/{i}");
        for (j, p) in m.partners.iter().enumerate() {
            if !a.recipients.iter().any(|r| r.covers(p)) {
                out.push((
                    format!("{at}/partners/{j}"),
                    format!(
                        "`{p}` may query, but is not among the agreement's recipients: no release clause covers it, so a hit can never be followed by a release"
                    ),
                    Some("add it to `recipients`, or remove it here".into()),
                ));
            } else if !releases {
                out.push((
                    format!("{at}/partners/{j}"),
                    format!(
                        "`{p}` may query, but the agreement has no release clause: a hit can never be followed by a release"
                    ),
                    Some("add a `[[clause]]` with `effect = \"release\"`".into()),
                ));
            }
        }
        for n in a.matching.iter().take(i) {
            if let Some(overlap) = limits_overlap(m, n) {
                out.push((
                    at.clone(),
                    format!(
                        "match clauses `{}` and `{}` overlap with different budgets on {overlap}",
                        n.id, m.id
                    ),
                    Some("give them the same budget, merge them, or give them no partner, purpose or kind in common".into()),
                ));
            }
        }
    }
}
