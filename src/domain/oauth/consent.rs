//! The consent form's CSRF token (OWASP CSRF Prevention: a synchronizer
//! token, here stateless): HMAC(pepper, person ‖ the exact request ‖ when)
//! with the time it was made, valid an hour. A form posted from elsewhere
//! cannot carry it, and it cannot be moved to another request or person.
use chrono::{DateTime, TimeDelta, Utc};

use crate::domain::token::Pepper;

/// How long a consent page may stay open before its form is refused.
pub const LIFETIME: TimeDelta = TimeDelta::hours(1);
const LABEL: &[u8] = b"keyward consent form v1\n";

fn mac(pepper: &Pepper, user_id: i64, request: &str, made: i64) -> String {
    let message = format!("{user_id}\n{made}\n{request}");
    pepper
        .hash_labelled(LABEL, &message)
        .as_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The token for `user_id`'s consent to `request` (the request's
/// parameters in a fixed order), made at `now`: `{seconds}.{hex}`.
pub fn token(pepper: &Pepper, user_id: i64, request: &str, now: DateTime<Utc>) -> String {
    let made = now.timestamp();
    format!("{made}.{}", mac(pepper, user_id, request, made))
}

/// Whether `token` was made by [`token`] for this person and request, less
/// than [`LIFETIME`] before `now`. Compared in constant time.
pub fn is_valid(pepper: &Pepper, user_id: i64, request: &str, token: &str, now: DateTime<Utc>) -> bool {
    let Some((made, given)) = token.split_once('.') else {
        return false;
    };
    let Ok(made) = made.parse::<i64>() else {
        return false;
    };
    let age = now.timestamp() - made;
    if !(0..LIFETIME.num_seconds()).contains(&age) {
        return false;
    }
    let expected = mac(pepper, user_id, request, made);
    expected.len() == given.len()
        && bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_bytes(),
            given.as_bytes(),
        ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::rngs::OsRng;

    #[test]
    fn a_token_holds_for_its_person_request_and_hour_only() {
        let pepper = Pepper::generate(&mut OsRng);
        let now = Utc::now();
        let token = token(&pepper, 7, "client=a&scope=b", now);
        assert!(is_valid(&pepper, 7, "client=a&scope=b", &token, now));
        assert!(is_valid(
            &pepper,
            7,
            "client=a&scope=b",
            &token,
            now + LIFETIME - TimeDelta::seconds(1)
        ));
        assert!(!is_valid(&pepper, 7, "client=a&scope=b", &token, now + LIFETIME));
        assert!(!is_valid(
            &pepper,
            7,
            "client=a&scope=b",
            &token,
            now - TimeDelta::seconds(1)
        ));
        assert!(
            !is_valid(&pepper, 8, "client=a&scope=b", &token, now),
            "another person"
        );
        assert!(
            !is_valid(&pepper, 7, "client=a&scope=c", &token, now),
            "another request"
        );
        assert!(!is_valid(
            &Pepper::generate(&mut OsRng),
            7,
            "client=a&scope=b",
            &token,
            now
        ));
        for bad in ["", ".", "x.y", "1.", &token[..token.len() - 1]] {
            assert!(!is_valid(&pepper, 7, "client=a&scope=b", bad, now), "{bad}");
        }
        let (made, mac) = token.split_once('.').unwrap();
        let later = format!("{}.{mac}", made.parse::<i64>().unwrap() + 60);
        assert!(
            !is_valid(
                &pepper,
                7,
                "client=a&scope=b",
                &later,
                now + TimeDelta::seconds(60)
            ),
            "the time is signed"
        );
    }
}
