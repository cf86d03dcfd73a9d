//! OAuth 2.0 (RFC 6749, 7636, 7009, 7662, 8414, 9207, 9700): the apps an
//! agency registers, the grants people give them, codes and tokens. The
//! dashboard, the command line and the `/oauth/*` endpoints all call these.
pub mod apps;
pub mod authorize;
pub mod grants;
pub mod listing;
pub mod tokens;

pub use super::error::ServiceError;
