//! The Developer Settings key table, its dialogs and their shared state.
pub mod create;
pub mod lifecycle;
pub mod manage;
pub mod reveal;
pub mod table;
pub mod tooltip;

use leptos::prelude::*;

use crate::models::keys::{KeyRow, KeySettings};
use crate::models::AppError;

/// The page this all lives on.
pub const PAGE_PATH: &str = "/admin/profile/developer-settings";
/// The Audit log page.
pub const AUDIT_LOG_PATH: &str = "/admin/profile/developer-settings/audit-log";

/// A key's own page.
pub fn key_path(id: &str) -> String {
    format!("{PAGE_PATH}/keys/{id}")
}

/// Which dialog is open.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum OpenDialog {
    #[default]
    None,
    Create,
    Rename(KeyRow),
    RateLimit(KeyRow),
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
    /// After a change the toolbar and the table render anew: the element
    /// (by id) that takes focus once its new copy is on the page.
    pub refocus: RwSignal<Option<String>>,
    pub settings: Resource<Result<KeySettings, AppError>>,
}

impl KeysState {
    pub fn open(&self, dialog: OpenDialog, return_focus: String) {
        self.refocus.set(None);
        self.return_focus.set(return_focus);
        self.open.set(dialog);
    }

    pub fn close(&self) {
        self.open.set(OpenDialog::None);
    }

    /// After a change: reload what the page shows, and put focus back on
    /// the dialog's trigger (or its successor) once it is rendered again.
    pub fn changed(&self) {
        self.refocus.set(Some(self.return_focus.get_untracked()));
        self.version.update(|v| *v += 1);
    }

    /// Called by a freshly rendered part of the page: focuses the pending
    /// element if it lies inside `root`.
    pub fn restore_focus_within(&self, root: &web_sys::Element) {
        let Some(id) = self.refocus.get_untracked() else {
            return;
        };
        let target = document().get_element_by_id(&id);
        if let Some(element) = target.filter(|t| root.contains(Some(t))) {
            if let Ok(element) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(element) {
                let _ = element.focus();
                self.refocus.set(None);
            }
        }
    }
}
