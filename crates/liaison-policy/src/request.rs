//! The request a decision answers: spontaneous or on request, the case it
//! belongs to, and how urgent it is (Council Framework Decision
//! 2006/960/JHA, art. 4 and 7).

use serde::{Deserialize, Serialize};

use liaison_record::Timestamp;

/// Whether the provider shares of its own accord or answers a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestKind {
    /// Of the provider's own accord (Framework Decision 2006/960 art. 7);
    /// a decision made without a request context is spontaneous.
    #[default]
    Spontaneous,
    /// In answer to a request from the recipient.
    OnRequest,
}

impl RequestKind {
    /// The name as written in agreements.
    pub fn as_str(self) -> &'static str {
        match self {
            RequestKind::Spontaneous => "spontaneous",
            RequestKind::OnRequest => "on-request",
        }
    }
}

/// How fast a request must be answered, with the deadlines of Framework
/// Decision 2006/960 art. 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Urgency {
    /// Urgent, about an offence listed in art. 2(2) of Framework Decision
    /// 2002/584 with the information directly accessible: 8 hours (art. 4(1)).
    Urgent,
    /// Not urgent, about such an offence with the information directly
    /// accessible: one week (art. 4(3)).
    NonUrgent,
    /// Every other request: 14 days (art. 4(4)).
    Other,
}

impl Urgency {
    /// Every urgency, most urgent first.
    pub const ALL: [Urgency; 3] = [Urgency::Urgent, Urgency::NonUrgent, Urgency::Other];

    /// The name as written in agreements and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Urgency::Urgent => "urgent",
            Urgency::NonUrgent => "non-urgent",
            Urgency::Other => "other",
        }
    }

    /// The time the requested agency has to answer.
    pub fn deadline(self) -> time::Duration {
        match self {
            Urgency::Urgent => time::Duration::hours(8),
            Urgency::NonUrgent => time::Duration::weeks(1),
            Urgency::Other => time::Duration::days(14),
        }
    }
}

impl std::str::FromStr for Urgency {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Urgency::ALL
            .into_iter()
            .find(|u| u.as_str() == s)
            .ok_or_else(|| {
                format!("unknown urgency `{s}`: expected `urgent` (8 hours), `non-urgent` (one week) or `other` (14 days)")
            })
    }
}

/// The request behind a decision. The default is a spontaneous release
/// with no case reference.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RequestContext {
    /// Spontaneous, or on request.
    #[serde(default)]
    pub kind: RequestKind,
    /// The case the release belongs to, in the parties' own reference
    /// (1 to 100 printable characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub case_reference: Option<String>,
    /// On request: how urgent the request is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgency: Option<Urgency>,
    /// On request: when the request was received; the deadline counts from
    /// it (from the decision's time when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub received_at: Option<Timestamp>,
}

impl RequestContext {
    /// A release in answer to a request of `urgency`, received at
    /// `received_at`.
    pub fn on_request(urgency: Urgency, received_at: Timestamp) -> RequestContext {
        RequestContext {
            kind: RequestKind::OnRequest,
            case_reference: None,
            urgency: Some(urgency),
            received_at: Some(received_at),
        }
    }

    /// The same context with a case reference.
    pub fn with_case_reference(mut self, reference: impl Into<String>) -> RequestContext {
        self.case_reference = Some(reference.into());
        self
    }

    /// What is wrong with the context, in words: a decision made in a
    /// context that says this is refused.
    pub fn problem(&self, at: Timestamp) -> Option<String> {
        if let Some(r) = &self.case_reference
            && (r.is_empty() || r.chars().count() > 100 || r.chars().any(char::is_control))
        {
            return Some("the case reference must be 1 to 100 printable characters".into());
        }
        match self.kind {
            RequestKind::Spontaneous if self.urgency.is_some() || self.received_at.is_some() => {
                Some("a spontaneous release answers no request, so it has no urgency and no time of receipt".into())
            }
            RequestKind::OnRequest if self.received_at.is_some_and(|r| r > at) => Some(format!(
                "the request was received at {}, after the decision's time {at}",
                self.received_at.map(|r| r.to_string()).unwrap_or_default()
            )),
            _ => None,
        }
    }

    /// The time by which the request must be answered, for a decision at
    /// `at`: its time of receipt (or `at`) plus the urgency's deadline.
    pub fn respond_by(&self, at: Timestamp) -> Option<Timestamp> {
        let urgency = self.urgency?;
        let start = self.received_at.unwrap_or(at).to_offset_date_time();
        start
            .checked_add(urgency.deadline())
            .map(Timestamp::from_offset_date_time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadlines_are_those_of_the_framework_decision() {
        let received: Timestamp = "2026-11-21T08:00:00.000Z".parse().unwrap();
        let at: Timestamp = "2026-11-21T09:00:00.000Z".parse().unwrap();
        let by = |u| {
            RequestContext::on_request(u, received)
                .respond_by(at)
                .unwrap()
                .to_string()
        };
        assert_eq!(by(Urgency::Urgent), "2026-11-21T16:00:00.000Z");
        assert_eq!(by(Urgency::NonUrgent), "2026-11-28T08:00:00.000Z");
        assert_eq!(by(Urgency::Other), "2026-12-05T08:00:00.000Z");
        assert_eq!(RequestContext::default().respond_by(at), None);
    }

    #[test]
    fn contradictory_contexts_are_refused() {
        let at: Timestamp = "2026-11-21T09:00:00.000Z".parse().unwrap();
        let later: Timestamp = "2026-11-21T10:00:00.000Z".parse().unwrap();
        assert!(RequestContext::default().problem(at).is_none());
        let spontaneous_urgent = RequestContext {
            urgency: Some(Urgency::Urgent),
            ..RequestContext::default()
        };
        assert!(spontaneous_urgent.problem(at).is_some());
        assert!(
            RequestContext::on_request(Urgency::Urgent, later)
                .problem(at)
                .is_some()
        );
        assert!(
            RequestContext::default()
                .with_case_reference("")
                .problem(at)
                .is_some()
        );
    }
}
