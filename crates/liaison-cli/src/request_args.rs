//! The request context of a release, as `policy` and `share` take it.

use clap::Args;
use liaison_policy::{RequestContext, RequestKind, Urgency};
use liaison_record::Timestamp;

/// Whether a release answers a request, and which.
#[derive(Debug, Args)]
pub(crate) struct RequestArgs {
    /// The release answers a request of the recipient (spontaneous when
    /// absent).
    #[arg(long)]
    on_request: bool,
    /// With `--on-request`: how urgent the request is, `urgent` (answer
    /// within 8 hours), `non-urgent` (one week) or `other` (14 days), as
    /// Framework Decision 2006/960 art. 4 sets.
    #[arg(long, requires = "on_request")]
    urgency: Option<Urgency>,
    /// With `--on-request`: when the request was received (RFC 3339, UTC);
    /// the deadline counts from it.
    #[arg(long, requires = "on_request")]
    received_at: Option<Timestamp>,
    /// The case the release belongs to, in the parties' reference.
    #[arg(long)]
    case_reference: Option<String>,
}

impl RequestArgs {
    /// The context the options describe.
    pub(crate) fn context(&self) -> RequestContext {
        RequestContext {
            kind: if self.on_request {
                RequestKind::OnRequest
            } else {
                RequestKind::Spontaneous
            },
            case_reference: self.case_reference.clone(),
            urgency: self.urgency,
            received_at: self.received_at,
        }
    }
}
