//! Loading agreements from TOML or JSON, reporting every problem at once.

use std::collections::{BTreeSet, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::agreement::{Agreement, Clause, Effect, ObligationRules, OnwardRule};
use crate::schema;
use crate::source::{self, Format, Located, line_col};

/// How serious a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The agreement cannot be used as written.
    Error,
    /// The agreement can be used but probably does not say what was meant.
    Warning,
}

/// One problem in an agreement file, with where it is and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// The file (or other origin) the agreement came from.
    pub file: String,
    /// The 1-based line, when known.
    pub line: Option<usize>,
    /// The 1-based column, when known.
    pub column: Option<usize>,
    /// The JSON pointer of the value in the agreement (`/clause/2/effect`).
    pub pointer: String,
    /// The agreement id, when it could be read.
    pub agreement: Option<String>,
    /// The clause id, when the problem is inside a clause.
    pub clause: Option<String>,
    /// What is wrong.
    pub message: String,
    /// What to write instead, when there is a suggestion.
    pub help: Option<String>,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.file)?;
        match (self.line, self.column) {
            (Some(l), Some(c)) => write!(f, ", line {l}, column {c}")?,
            (Some(l), None) => write!(f, ", line {l}")?,
            _ => {}
        }
        if !self.pointer.is_empty() {
            write!(f, " at `{}`", self.pointer)?;
        }
        if let Some(clause) = &self.clause {
            write!(f, " (clause `{clause}`)")?;
        }
        let label = match self.severity {
            Severity::Error => "",
            Severity::Warning => "warning: ",
        };
        write!(f, ": {label}{}", self.message)?;
        if let Some(help) = &self.help {
            write!(f, "; {help}")?;
        }
        Ok(())
    }
}

/// Why agreements could not be loaded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoadError {
    /// One or more problems, each with its file, line and clause.
    #[error("{} problem{} in the agreements:\n{}", .0.len(), if .0.len() == 1 { "" } else { "s" }, ProblemList(.0))]
    Invalid(Vec<Problem>),
}

impl LoadError {
    /// Every problem found.
    pub fn problems(&self) -> &[Problem] {
        match self {
            LoadError::Invalid(p) => p,
        }
    }
}

struct ProblemList<'a>(&'a [Problem]);

impl fmt::Display for ProblemList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, p) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "  {p}")?;
        }
        Ok(())
    }
}

/// Reads one agreement from its text.
///
/// `origin` names the text in problems (usually the file name).
///
/// # Errors
///
/// [`LoadError::Invalid`] with every problem found: syntax, unknown keys
/// (with the nearest known key), values of the wrong form, and rules the
/// language sets (unique clause ids, clause purposes among the agreement's,
/// a `release` table exactly on release clauses, ...).
pub fn parse_agreement(text: &str, format: Format, origin: &str) -> Result<Agreement, LoadError> {
    parse_located(text, format, origin).map(|(a, _)| a)
}

/// [`parse_agreement`], keeping where each value came from.
pub(crate) fn parse_located(
    text: &str,
    format: Format,
    origin: &str,
) -> Result<(Agreement, Located), LoadError> {
    let located = match source::read(text, format) {
        Ok(l) => l,
        Err(errors) => {
            let problems = errors
                .into_iter()
                .map(|e| {
                    let (line, column) = e
                        .line_col
                        .or_else(|| e.span.map(|s| line_col(text, s.start)))
                        .map_or((None, None), |(l, c)| (Some(l), Some(c)));
                    Problem {
                        severity: Severity::Error,
                        file: origin.to_owned(),
                        line,
                        column,
                        pointer: String::new(),
                        agreement: None,
                        clause: None,
                        message: e.message,
                        help: None,
                    }
                })
                .collect();
            return Err(LoadError::Invalid(problems));
        }
    };
    let place = Placer {
        text,
        origin,
        located: &located,
    };
    let raw = schema::check_agreement(&located.value);
    if !raw.is_empty() {
        // When the only problems are unknown keys, the rest is whole: the
        // language's rules are checked on it too, so that every problem is
        // reported at once.
        let rest = raw
            .iter()
            .all(|r| r.at_key)
            .then(|| without(&located.value, raw.iter().map(|r| r.pointer.as_str())))
            .and_then(|v| serde_json::from_value::<Agreement>(v).ok());
        let mut problems: Vec<Problem> = raw
            .into_iter()
            .map(|r| place.problem(Severity::Error, &r.pointer, r.at_key, r.message, r.help))
            .collect();
        if let Some(rest) = rest {
            problems.extend(
                rule_problems(&rest)
                    .into_iter()
                    .map(|(pointer, message, help)| {
                        place.problem(Severity::Error, &pointer, false, message, help)
                    }),
            );
        }
        return Err(LoadError::Invalid(problems));
    }
    let agreement: Agreement = serde_json::from_value(located.value.clone()).map_err(|e| {
        LoadError::Invalid(vec![place.problem(
            Severity::Error,
            "",
            false,
            e.to_string(),
            None,
        )])
    })?;
    let rules = rule_problems(&agreement);
    if rules.is_empty() {
        Ok((agreement, located))
    } else {
        Err(LoadError::Invalid(
            rules
                .into_iter()
                .map(|(pointer, message, help)| {
                    place.problem(Severity::Error, &pointer, false, message, help)
                })
                .collect(),
        ))
    }
}

/// `value` with the members at `pointers` removed.
fn without<'p>(value: &Value, pointers: impl Iterator<Item = &'p str>) -> Value {
    let mut out = value.clone();
    for pointer in pointers {
        let Some((parent, key)) = pointer.rsplit_once('/') else {
            continue;
        };
        let key = key.replace("~1", "/").replace("~0", "~");
        if let Some(Value::Object(map)) = out.pointer_mut(parent) {
            map.remove(&key);
        }
    }
    out
}

/// Turns pointers into file, line, column and clause.
pub(crate) struct Placer<'a> {
    pub(crate) text: &'a str,
    pub(crate) origin: &'a str,
    pub(crate) located: &'a Located,
}

impl Placer<'_> {
    pub(crate) fn problem(
        &self,
        severity: Severity,
        pointer: &str,
        at_key: bool,
        message: String,
        help: Option<String>,
    ) -> Problem {
        let span = if at_key {
            self.located.keys.get(pointer)
        } else {
            self.located
                .values
                .get(pointer)
                .or_else(|| self.located.keys.get(pointer))
        };
        let (line, column) = span
            .map(|s| line_col(self.text, s.start))
            .map_or((None, None), |(l, c)| (Some(l), Some(c)));
        let clause = clause_index(pointer).and_then(|(table, i)| {
            self.located
                .value
                .pointer(&format!("/{table}/{i}/id"))
                .and_then(Value::as_str)
                .map(str::to_owned)
        });
        Problem {
            severity,
            file: self.origin.to_owned(),
            line,
            column,
            pointer: pointer.to_owned(),
            agreement: self
                .located
                .value
                .get("id")
                .and_then(Value::as_str)
                .map(str::to_owned),
            clause,
            message,
            help,
        }
    }
}

/// The clause a pointer is in: `clause` or `match`, and its index.
fn clause_index(pointer: &str) -> Option<(&'static str, usize)> {
    let (table, rest) = if let Some(rest) = pointer.strip_prefix("/clause/") {
        ("clause", rest)
    } else {
        ("match", pointer.strip_prefix("/match/")?)
    };
    Some((table, rest.split('/').next()?.parse().ok()?))
}

type RuleProblem = (String, String, Option<String>);

/// The language's rules beyond the shape of each value.
fn rule_problems(a: &Agreement) -> Vec<RuleProblem> {
    let mut out: Vec<RuleProblem> = Vec::new();
    if !is_identifier(&a.id) {
        out.push((
            "/id".into(),
            format!("`{}` is not an agreement id", a.id),
            Some(
                "use lowercase letters, digits, `-` and `.`, such as `nld-kmar.deu-bpol.border`"
                    .into(),
            ),
        ));
    }
    if a.version == 0 {
        out.push((
            "/version".into(),
            "version `0`".into(),
            Some("versions start at 1".into()),
        ));
    }
    if a.recipients.is_empty() {
        out.push((
            "/recipients".into(),
            "no recipients".into(),
            Some("name at least one country or agency, such as `[\"DEU-BPOL\"]`".into()),
        ));
    }
    if a.purposes.is_empty() {
        out.push((
            "/purposes".into(),
            "no purposes".into(),
            Some("name at least one purpose, such as `[\"border-control\"]`".into()),
        ));
    }
    for (key, t) in [
        ("suspended_from", a.suspended_from),
        ("terminated_at", a.terminated_at),
    ] {
        if let Some(t) = t
            && t < a.valid_from
        {
            out.push((
                format!("/{key}"),
                format!("`{key}` ({t}) is before `valid_from` ({})", a.valid_from),
                Some("an agreement can only be suspended or terminated once in force; correct the time".into()),
            ));
        }
    }
    if let Some(until) = a.valid_until
        && until <= a.valid_from
    {
        out.push((
            "/valid_until".into(),
            format!(
                "`valid_until` ({until}) is not after `valid_from` ({})",
                a.valid_from
            ),
            Some("swap the two times or correct one of them".into()),
        ));
    }
    for (i, c) in a.known_caveats.iter().enumerate() {
        if !matches!(c, liaison_record::Caveat::Other(_)) {
            out.push((
                format!("/known_caveats/{i}"),
                format!("`{c}` is a common caveat, always understood"),
                Some("list only namespaced caveats such as `nld-kmar:case-only`".into()),
            ));
        }
    }
    obligation_problems(&a.obligations, "/obligations", &mut out);
    if a.clauses.is_empty() {
        out.push((
            "".into(),
            "the agreement has no clause, so it never releases anything".into(),
            Some("add a `[[clause]]` with `effect = \"release\"`".into()),
        ));
    }
    let mut seen = HashSet::new();
    for (i, c) in a.clauses.iter().enumerate() {
        let at = format!("/clause/{i}");
        if !is_identifier(&c.id) {
            out.push((
                format!("{at}/id"),
                format!("`{}` is not a clause id", c.id),
                Some("use lowercase letters, digits, `-` and `.`".into()),
            ));
        }
        if !seen.insert(c.id.as_str()) {
            out.push((
                format!("{at}/id"),
                format!("clause id `{}` is used twice", c.id),
                Some("give each clause its own id".into()),
            ));
        }
        clause_problems(a, c, &at, &mut out);
        override_problems(a, c, &at, &mut out);
    }
    crate::matching::rule_problems(a, is_identifier, &obligation_problems, &mut out);
    out
}

/// Whether effect `a` wins over effect `b` where both apply: deny over
/// refer and release, refer over release.
pub(crate) fn wins_over(a: Effect, b: Effect) -> bool {
    matches!(
        (a, b),
        (Effect::Deny, Effect::Refer | Effect::Release) | (Effect::Refer, Effect::Release)
    )
}

/// A clause's `overrides`: each entry names another clause of the
/// agreement that this one wins over.
fn override_problems(a: &Agreement, c: &Clause, at: &str, out: &mut Vec<RuleProblem>) {
    let ids: Vec<&str> = a.clauses.iter().map(|d| d.id.as_str()).collect();
    for (j, o) in c.overrides.iter().enumerate() {
        let at = format!("{at}/overrides/{j}");
        if c.effect == Effect::Release {
            out.push((
                at,
                "a release clause overrides nothing: deny and refer clauses win over it".into(),
                Some(format!(
                    "remove `overrides`, or write `overrides = [\"{}\"]` in the deny or refer clause that wins",
                    c.id
                )),
            ));
            continue;
        }
        if *o == c.id {
            out.push((
                at,
                format!("clause `{o}` cannot override itself"),
                Some("name the other clause it overlaps with".into()),
            ));
            continue;
        }
        let Some(d) = a.clauses.iter().find(|d| d.id == *o) else {
            let others: Vec<&str> = ids.iter().copied().filter(|i| *i != c.id).collect();
            out.push((
                at,
                format!("`overrides` names `{o}`, which is no clause of the agreement"),
                Some(match crate::schema::closest(o, &others) {
                    Some(k) => format!("did you mean `{k}`?"),
                    None => "name a clause id of this agreement".into(),
                }),
            ));
            continue;
        };
        if !wins_over(c.effect, d.effect) {
            out.push((
                at.clone(),
                format!(
                    "a {} clause does not override the {} clause `{o}`: where both apply, {}",
                    word_of(c.effect),
                    word_of(d.effect),
                    if c.effect == d.effect {
                        format!("both {}", if c.effect == Effect::Deny { "refuse" } else { "refer" })
                    } else {
                        format!("`{o}` wins")
                    }
                ),
                Some(format!(
                    "remove `{o}` from `overrides`: a deny clause overrides refer and release clauses, a refer clause release clauses"
                )),
            ));
        }
        if c.overrides.iter().take(j).any(|p| p == o) {
            out.push((
                at,
                format!("`overrides` names `{o}` twice"),
                Some("name each clause once".into()),
            ));
        }
    }
}

fn clause_problems(a: &Agreement, c: &Clause, at: &str, out: &mut Vec<RuleProblem>) {
    let purposes: BTreeSet<_> = a.purposes.iter().collect();
    for (j, p) in c.when.purposes.iter().enumerate() {
        if !purposes.contains(p) {
            out.push((
                format!("{at}/when/purposes/{j}"),
                format!("purpose `{p}` is not one of the agreement's purposes"),
                Some(format!(
                    "add `{p}` to the agreement's `purposes`, or use one of {}",
                    a.purposes
                        .iter()
                        .map(|p| format!("`{p}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            ));
        }
    }
    match (c.effect, &c.release) {
        (Effect::Release, None) => out.push((
            at.to_owned(),
            "a release clause without a `release` table releases nothing".into(),
            Some("add `[clause.release]` with `classes = [...]` or `fields = [...]`".into()),
        )),
        (Effect::Release, Some(r)) if r.classes.is_empty() && r.fields.is_empty() => out.push((
            format!("{at}/release"),
            "the `release` table lets nothing go".into(),
            Some("list field classes in `classes` or field paths in `fields`".into()),
        )),
        (Effect::Deny | Effect::Refer, Some(_)) => out.push((
            format!("{at}/release"),
            "only a release clause may have a `release` table".into(),
            Some("remove the table, or write `effect = \"release\"`".into()),
        )),
        _ => {}
    }
    // A stricter marking must never make a release clause apply, nor stop a
    // deny or refer clause from applying: conditions on the marking go one
    // way only.
    let w = &c.when;
    let widening: &[(bool, &str, &str)] = if c.effect == Effect::Release {
        &[
            (
                w.min_classification.is_some(),
                "min_classification",
                "max_classification",
            ),
            (w.min_tlp.is_some(), "min_tlp", "max_tlp"),
            (!w.caveats_any.is_empty(), "caveats_any", "caveats_none"),
        ]
    } else {
        &[
            (
                w.max_classification.is_some(),
                "max_classification",
                "min_classification",
            ),
            (w.max_tlp.is_some(), "max_tlp", "min_tlp"),
            (!w.caveats_none.is_empty(), "caveats_none", "caveats_any"),
        ]
    };
    for (present, key, instead) in widening {
        if *present {
            out.push((
                format!("{at}/when/{key}"),
                format!(
                    "`{key}` on a {} clause would let a stricter marking {} the clause",
                    word_of(c.effect),
                    if c.effect == Effect::Release { "trigger" } else { "escape" }
                ),
                Some(format!(
                    "a marking may only narrow a release: use `{instead}` here, or a separate {} clause",
                    if c.effect == Effect::Release { "deny or refer" } else { "release" }
                )),
            ));
        }
    }
    if let Some(r) = &c.release {
        for (key, patterns) in [("fields", &r.fields), ("withhold", &r.withhold)] {
            for (j, p) in patterns.iter().enumerate() {
                let at = format!("{at}/release/{key}/{j}");
                match crate::paths::classify(p) {
                    Err((message, help)) => out.push((at, message, help)),
                    Ok(crate::paths::PathKind::Control) => out.push((
                        at,
                        format!("`{p}` is a control field (ids, times, marking, provenance), which always goes: the path can never take effect"),
                        Some(if key == "withhold" {
                            "to keep the record from going, write a `deny` clause instead".into()
                        } else {
                            "remove the path: control fields go with every copy".into()
                        }),
                    )),
                    Ok(crate::paths::PathKind::Part) if key == "fields" => out.push((
                        at,
                        format!("`{p}` is a member of a field that goes or stays as a whole, so `fields` cannot let it go alone"),
                        Some("let the whole field go (its class or its path, such as `/entities/*`) and `withhold` the members that must stay".into()),
                    )),
                    Ok(_) => {}
                }
            }
        }
    }
    if !w.urgencies.is_empty()
        && !w.request_kinds.is_empty()
        && !w
            .request_kinds
            .contains(&crate::request::RequestKind::OnRequest)
    {
        out.push((
            format!("{at}/when/urgencies"),
            "`urgencies` with `request_kinds` that leave out `on-request`: a spontaneous release answers no request, so the clause can never apply".into(),
            Some("add `on-request` to `request_kinds`, or remove `urgencies`".into()),
        ));
    }
    if c.effect != Effect::Release && !c.obligations.is_empty() {
        out.push((
            format!("{at}/obligations"),
            "obligations on a clause that releases nothing never bind".into(),
            Some("move them to a release clause or to the agreement's `[obligations]`".into()),
        ));
    }
    obligation_problems(&c.obligations, &format!("{at}/obligations"), out);
}

fn obligation_problems(o: &ObligationRules, at: &str, out: &mut Vec<RuleProblem>) {
    match (o.onward, o.onward_only_to.is_empty()) {
        (Some(OnwardRule::OnlyTo), true) => out.push((
            format!("{at}/onward"),
            "`onward = \"only-to\"` without `onward_only_to`".into(),
            Some("list the parties in `onward_only_to = [...]`".into()),
        )),
        (
            Some(rule @ (OnwardRule::Forbidden | OnwardRule::WithConsent | OnwardRule::Permitted)),
            false,
        ) => {
            out.push((
                format!("{at}/onward_only_to"),
                format!(
                    "`onward_only_to` contradicts `onward = \"{}\"`",
                    onward_word(rule)
                ),
                Some("write `onward = \"only-to\"` or remove `onward_only_to`".into()),
            ));
        }
        _ => {}
    }
    if o.onward_others.is_some() && o.onward_only_to.is_empty() {
        out.push((
            format!("{at}/onward_others"),
            "`onward_others` says what holds for the parties `onward_only_to` does not list, and there is no `onward_only_to`".into(),
            Some("list the parties that may receive the record freely in `onward_only_to = [...]`, or write `onward = \"with-consent\"` for every party".into()),
        ));
    }
    if o.retention_from.is_some() && o.retention_days.is_none() {
        out.push((
            format!("{at}/retention_from"),
            "`retention_from` without `retention_days` sets no deletion time".into(),
            Some("add `retention_days = N`, or remove `retention_from`".into()),
        ));
    }
    if o.review_after_days == Some(0) {
        out.push((
            format!("{at}/review_after_days"),
            "`review_after_days = 0` asks for a review on receipt".into(),
            Some("give at least 1 day".into()),
        ));
    }
    for (j, n) in o.notify.iter().enumerate() {
        if n.within_hours == Some(0) {
            out.push((
                format!("{at}/notify/{j}/within_hours"),
                "a deadline of 0 hours cannot be met".into(),
                Some("give at least 1 hour, or leave `within_hours` out".into()),
            ));
        }
        if n.channel
            .as_deref()
            .is_some_and(|c| c.trim().is_empty() || c.len() > 200)
        {
            out.push((
                format!("{at}/notify/{j}/channel"),
                "the channel must be a name of 1 to 200 characters".into(),
                Some(
                    "name the channel (`siena`, `i-24-7`, an address), or leave `channel` out"
                        .into(),
                ),
            ));
        }
        if o.notify
            .iter()
            .take(j)
            .any(|m| m.on == n.on && m.channel == n.channel)
        {
            out.push((
                format!("{at}/notify/{j}"),
                "a second notification duty for the same event and channel".into(),
                Some("keep one, with the shorter deadline".into()),
            ));
        }
    }
    if o.retention_days == Some(0) {
        out.push((
            format!("{at}/retention_days"),
            "`retention_days = 0` means the copy must be deleted on receipt".into(),
            Some("give at least 1 day, or deny the release instead".into()),
        ));
    }
}

fn word_of(effect: Effect) -> &'static str {
    match effect {
        Effect::Release => "release",
        Effect::Deny => "deny",
        Effect::Refer => "refer",
    }
}

fn onward_word(rule: OnwardRule) -> &'static str {
    match rule {
        OnwardRule::Forbidden => "forbidden",
        OnwardRule::WithConsent => "with-consent",
        OnwardRule::OnlyTo => "only-to",
        OnwardRule::Permitted => "permitted",
    }
}

fn is_identifier(s: &str) -> bool {
    (1..=128).contains(&s.len())
        && s.bytes()
            .next()
            .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

/// Agreement files found under the given paths: files as given, folders
/// searched (not recursively) for `.toml` and `.json` files, in name order.
///
/// # Errors
///
/// [`LoadError::Invalid`] naming each path that cannot be read.
pub fn agreement_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>, LoadError> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        if path.is_dir() {
            let before = files.len();
            folder_files(path, &mut files, &mut problems, 0);
            if files.len() == before {
                problems.push(io_problem(
                    path,
                    "the folder holds no `.toml` or `.json` agreement file".into(),
                ));
            }
        } else {
            files.push(path.clone());
        }
    }
    if problems.is_empty() {
        Ok(files)
    } else {
        Err(LoadError::Invalid(problems))
    }
}

/// The agreement files of a folder and of its sub-folders, each folder's
/// own files first, in name order: a version kept in a sub-folder (an
/// `amendments/` folder) is read like any other, never skipped.
fn folder_files(path: &Path, files: &mut Vec<PathBuf>, problems: &mut Vec<Problem>, depth: usize) {
    if depth > 16 {
        problems.push(io_problem(
            path,
            "folders nested more than 16 deep: give the agreements' folder itself".into(),
        ));
        return;
    }
    match std::fs::read_dir(path) {
        Ok(entries) => {
            let mut found: Vec<PathBuf> = Vec::new();
            let mut folders: Vec<PathBuf> = Vec::new();
            for p in entries.filter_map(Result::ok).map(|e| e.path()) {
                // Hidden files and folders (`.git`) are not agreements.
                if p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'))
                {
                    continue;
                }
                if p.is_dir() {
                    folders.push(p);
                } else if p.is_file()
                    && p.extension().and_then(|e| e.to_str()).is_some_and(|e| {
                        e.eq_ignore_ascii_case("toml") || e.eq_ignore_ascii_case("json")
                    })
                {
                    found.push(p);
                }
            }
            found.sort();
            folders.sort();
            files.extend(found);
            for f in folders {
                folder_files(&f, files, problems, depth + 1);
            }
        }
        Err(e) => problems.push(io_problem(path, format!("cannot read the folder: {e}"))),
    }
}

/// Reads every agreement under the given paths (files or folders).
///
/// # Errors
///
/// [`LoadError::Invalid`] with every problem of every file, and the same
/// agreement id and version given twice.
pub fn load_paths(paths: &[PathBuf]) -> Result<Vec<Agreement>, LoadError> {
    let files = agreement_files(paths)?;
    let mut agreements = Vec::new();
    let mut problems = Vec::new();
    let mut seen: std::collections::HashMap<(String, u32), String> = Default::default();
    for file in &files {
        let origin = file.display().to_string();
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                problems.push(io_problem(file, format!("cannot read the file: {e}")));
                continue;
            }
        };
        match parse_agreement(&text, Format::from_path(file), &origin) {
            Ok(a) => {
                let key = (a.id.clone(), a.version);
                if let Some(first) = seen.get(&key) {
                    problems.push(io_problem(
                        file,
                        format!(
                            "agreement `{}` version {} is also in `{first}`",
                            a.id, a.version
                        ),
                    ));
                } else {
                    seen.insert(key, origin);
                    agreements.push(a);
                }
            }
            Err(LoadError::Invalid(p)) => problems.extend(p),
        }
    }
    if problems.is_empty() {
        Ok(agreements)
    } else {
        Err(LoadError::Invalid(problems))
    }
}

fn io_problem(path: &Path, message: String) -> Problem {
    Problem {
        severity: Severity::Error,
        file: path.display().to_string(),
        line: None,
        column: None,
        pointer: String::new(),
        agreement: None,
        clause: None,
        message,
        help: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
id = "nld-kmar.deu-bpol.test"
version = 1
provider = "NLD-KMAR"
recipients = ["DEU-BPOL"]
valid_from = 2026-01-01T00:00:00Z
legal_basis = "Prüm"
purposes = ["border-control"]
max_classification = "restricted"

[[clause]]
id = "documents"
effect = "release"
[clause.release]
classes = ["travel-document"]
"#;

    #[test]
    fn a_good_agreement_loads() {
        let a = parse_agreement(GOOD, Format::Toml, "good.toml").unwrap();
        assert_eq!(a.clauses.len(), 1);
        let json = serde_json::to_string(&a).unwrap();
        let b = parse_agreement(&json, Format::Json, "good.json").unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn an_unknown_key_does_not_hide_the_rules_broken_beside_it() {
        // A misspelt key and a clause purpose the agreement does not cover,
        // and a version 0: all three are reported by one load.
        let bad = GOOD
            .replace("version = 1", "version = 0")
            .replace(
                "effect = \"release\"",
                "effect = \"release\"\nwithold = [\"/source\"]",
            )
            .replace(
                "classes = [\"travel-document\"]",
                "classes = [\"travel-document\"]\n[clause.when]\npurposes = [\"counter-terrorism\"]",
            );
        let err = parse_agreement(&bad, Format::Toml, "bad.toml").unwrap_err();
        let messages: Vec<&str> = err.problems().iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{err}");
        assert!(messages.iter().any(|m| m.contains("withold")), "{err}");
        assert!(messages.iter().any(|m| m.contains("version")), "{err}");
        assert!(
            messages.iter().any(|m| m.contains("counter-terrorism")),
            "{err}"
        );
        let purpose = err
            .problems()
            .iter()
            .find(|p| p.message.contains("counter-terrorism"))
            .unwrap();
        assert_eq!(purpose.clause.as_deref(), Some("documents"));
        assert!(purpose.line.is_some(), "{err}");
    }

    #[test]
    fn every_problem_is_reported_with_line_and_hint() {
        let bad = GOOD
            .replace(
                "classes = [\"travel-document\"]",
                "classes = [\"travel-documents\"]\nwithold = [\"/source\"]",
            )
            .replace(
                "max_classification = \"restricted\"",
                "max_classification = \"secert\"",
            );
        let err = parse_agreement(&bad, Format::Toml, "bad.toml").unwrap_err();
        let problems = err.problems();
        assert_eq!(problems.len(), 3, "{err}");
        let withold = problems
            .iter()
            .find(|p| p.message.contains("withold"))
            .unwrap();
        assert_eq!(withold.line, Some(16));
        assert_eq!(withold.clause.as_deref(), Some("documents"));
        assert_eq!(withold.help.as_deref(), Some("did you mean `withhold`?"));
        let class = problems
            .iter()
            .find(|p| p.message.contains("travel-documents"))
            .unwrap();
        assert_eq!(
            class.help.as_deref(),
            Some("did you mean `travel-document`?")
        );
        let secret = problems
            .iter()
            .find(|p| p.message.contains("secert"))
            .unwrap();
        assert_eq!(secret.line, Some(9));
        assert!(
            err.to_string().contains(
                "bad.toml, line 16, column 1 at `/clause/0/release/withold` (clause `documents`)"
            ),
            "{err}"
        );
    }

    #[test]
    fn rule_problems_name_the_clause() {
        let bad = format!(
            "{GOOD}\n[[clause]]\nid = \"documents\"\neffect = \"deny\"\n[clause.when]\npurposes = [\"tourism\"]\n"
        );
        let err = parse_agreement(&bad, Format::Toml, "x.toml").unwrap_err();
        let problems = err.problems();
        assert_eq!(problems.len(), 2, "{err}");
        assert!(
            problems
                .iter()
                .all(|p| p.clause.as_deref() == Some("documents"))
        );
        assert!(problems.iter().any(|p| p.message.contains("used twice")));
        assert!(
            problems
                .iter()
                .any(|p| p.message.contains("`tourism`") && p.line == Some(21))
        );
    }

    #[test]
    fn marking_conditions_only_narrow() {
        let bad = format!(
            "{GOOD}[clause.when]\nmin_tlp = \"amber\"\n\n[[clause]]\nid = \"d\"\neffect = \"deny\"\n[clause.when]\nmax_classification = \"secret\"\n"
        );
        let err = parse_agreement(&bad, Format::Toml, "m.toml").unwrap_err();
        let problems = err.problems();
        assert_eq!(problems.len(), 2, "{err}");
        assert_eq!(problems[0].clause.as_deref(), Some("documents"));
        assert_eq!(
            problems[0].help.as_deref(),
            Some(
                "a marking may only narrow a release: use `max_tlp` here, or a separate deny or refer clause"
            )
        );
        assert_eq!(problems[1].pointer, "/clause/1/when/max_classification");
    }

    #[test]
    fn syntax_errors_have_a_line() {
        let err = parse_agreement("id = \"x\"\nversion = \n", Format::Toml, "s.toml").unwrap_err();
        assert_eq!(err.problems()[0].line, Some(2));
    }

    #[test]
    fn overrides_name_clauses_the_clause_wins_over() {
        let bad = format!(
            "{GOOD}overrides = [\"documents\"]\n\n[[clause]]\nid = \"refer-all\"\neffect = \"refer\"\noverrides = [\"documets\", \"deny-all\", \"refer-all\"]\n\n[[clause]]\nid = \"deny-all\"\neffect = \"deny\"\noverrides = [\"documents\", \"refer-all\", \"documents\"]\n"
        );
        let err = parse_agreement(&bad, Format::Toml, "o.toml").unwrap_err();
        let found: Vec<(&str, &str, Option<&str>)> = err
            .problems()
            .iter()
            .map(|p| (p.pointer.as_str(), p.message.as_str(), p.help.as_deref()))
            .collect();
        assert_eq!(
            found[0],
            (
                "/clause/0/release/overrides",
                "unknown key `overrides`",
                Some("expected one of `classes`, `fields`, `withhold`, `transform`")
            ),
            "{err}"
        );
        // The other clauses' mistakes come with it, in the same load.
        assert_eq!(found.len(), 5, "{err}");
        assert!(
            found[1..]
                .iter()
                .all(|(p, _, _)| p.starts_with("/clause/1/overrides/")
                    || p.starts_with("/clause/2/overrides/")),
            "{err}"
        );
        // In the clause, not in its release table.
        let bad = bad
            .replacen("overrides = [\"documents\"]\n", "", 1)
            .replacen(
                "[clause.release]",
                "overrides = [\"documents\"]\n[clause.release]",
                1,
            );
        let err = parse_agreement(&bad, Format::Toml, "o.toml").unwrap_err();
        let found: Vec<(&str, &str)> = err
            .problems()
            .iter()
            .map(|p| (p.pointer.as_str(), p.message.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "/clause/0/overrides/0",
                    "a release clause overrides nothing: deny and refer clauses win over it"
                ),
                (
                    "/clause/1/overrides/0",
                    "`overrides` names `documets`, which is no clause of the agreement"
                ),
                (
                    "/clause/1/overrides/1",
                    "a refer clause does not override the deny clause `deny-all`: where both apply, `deny-all` wins"
                ),
                (
                    "/clause/1/overrides/2",
                    "clause `refer-all` cannot override itself"
                ),
                (
                    "/clause/2/overrides/2",
                    "`overrides` names `documents` twice"
                ),
            ],
            "{err}"
        );
        assert_eq!(
            err.problems()[1].help.as_deref(),
            Some("did you mean `documents`?")
        );
    }

    #[test]
    fn positions_read_as_in_the_other_commands() {
        let mut p = Problem {
            severity: Severity::Warning,
            file: "a.toml".into(),
            line: Some(3),
            column: Some(7),
            pointer: "/clause/0".into(),
            agreement: Some("a.b".into()),
            clause: Some("c".into()),
            message: "something".into(),
            help: Some("do this".into()),
        };
        assert_eq!(
            p.to_string(),
            "a.toml, line 3, column 7 at `/clause/0` (clause `c`): warning: something; do this"
        );
        p.column = None;
        assert!(p.to_string().starts_with("a.toml, line 3 at "));
        p.line = None;
        assert!(p.to_string().starts_with("a.toml at "));
    }
}
