//! `keyward demo`: an empty database becomes a realistic agency one can sign in to.
