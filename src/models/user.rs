//! The signed-in user as the interface sees them.
use serde::{Deserialize, Serialize};

use crate::domain::role::Role;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub agency_id: i64,
    pub agency_name: String,
}
