#![doc = include_str!("../README.md")]

pub mod armor;
mod crypto;
mod error;
pub mod format;
#[cfg(feature = "test-vectors")]
#[doc(hidden)]
pub mod fuzzing;
mod inspect;
mod keys;
mod note;
mod open;
mod payload;
mod rewrap;
mod rng;
mod seal;
mod signing;
mod stream;
mod xwing;

// The public interface is:
pub use armor::{armor, dearmor};
pub use error::{ArmorError, KeyError, OpenError, SealError};
pub use inspect::{InspectedLayer, Inspection, inspect};
pub use keys::{Card, Identity, KEY_ID_LEN, KeyId};
pub use note::NoteRefused;
pub use open::{LayerInfo, Opened, RecipientInfo, RecipientKind, open, open_into};
pub use rewrap::{RecipientChange, rekey, rewrap};
pub use seal::{Protection, Sealer, seal};
pub use stream::{Spooled, StreamOpened, StreamOpener, StreamSealer, open_spooled};
