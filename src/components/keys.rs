//! The Developer Settings key table, its dialogs and their shared state.
pub mod create;
pub mod manage;
pub mod table;
pub mod tooltip;

use leptos::prelude::*;

use crate::models::keys::{KeyRow, KeySettings};
use crate::models::AppError;

/// The page this all lives on.
pub const PAGE_PATH: &str = "/admin/profile/developer-settings";

/// Which dialog is open.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum OpenDialog {
    #[default]
    None,
    Create,
    Rename(KeyRow),
    Revoke(KeyRow),
    Remove(KeyRow),
}

/// State shared by the table and the dialogs of one page.
#[derive(Clone, Copy)]
pub struct KeysState {
    /// Bumped after every change: the table and the settings load again.
    pub version: RwSignal<u32>,
    pub open: RwSignal<OpenDialog>,
    /// Where focus returns when the open dialog closes.
    pub return_focus: RwSignal<String>,
    pub settings: Resource<Result<KeySettings, AppError>>,
}

impl KeysState {
    pub fn open(&self, dialog: OpenDialog, return_focus: String) {
        self.return_focus.set(return_focus);
        self.open.set(dialog);
    }

    pub fn close(&self) {
        self.open.set(OpenDialog::None);
    }

    /// After a change: close the dialog and reload what the page shows.
    pub fn changed(&self) {
        self.version.update(|v| *v += 1);
    }
}
