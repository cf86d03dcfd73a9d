//! What the key table, its dialogs and its server functions exchange: the
//! table's view as the URL spells it ([`view`]), its rows ([`row`]), and
//! the create dialog's choices, form and one-time answer ([`create`]).
mod create;
mod row;
mod session_tokens;
mod view;

pub use super::query::{PageNumber, SearchText, MAX_SEARCH};
pub use create::{ActAsChoice, KeySettings, NewKeyForm, RevealedKey, WorkspaceChoice};
pub use row::{KeyPage, KeyRow, KeyStatus, KeyTarget};
pub use session_tokens::{SessionTokenNotice, SessionTokenRow};
pub(crate) use view::encode;
pub use view::{KeyQuery, SortColumn, SortDir, PAGE_SIZE};
