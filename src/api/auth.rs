//! Who is calling: the key behind `Authorization: Bearer <token>` or the
//! pair `X-API-Key` + `X-API-Secret`, verified in docs/architecture.md's order —
//! parse and checksum (no I/O), the cache or the database by id, the HMAC
//! compared in constant time, then status, expiry and environment. Unknown
//! ids cost the same hashing and comparing as known ones.
//!
//! [`layer`] is the tower layer doing it on every authenticated route;
//! [`credentials`] reads the headers and checks what they prove;
//! [`calling_key`] is what handlers take from it.
mod calling_key;
mod credentials;
mod layer;

pub use calling_key::{scope, Authorized, CallingKey, ClientIp, Needs};
pub use credentials::{credentials, Presented};
pub use layer::{Admitted, AuthFuture, AuthService, Authenticate};
