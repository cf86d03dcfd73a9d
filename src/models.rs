//! Data transfer objects: what crosses the wire between server and browser.
mod error;
mod user;

pub use error::AppError;
pub use user::CurrentUser;
mod flash;
pub use flash::FormFlash;
