//! Where to go after sign-in: only a path on this site, never another origin.

/// Where a signed-in user lands when no (acceptable) `next` was given.
pub const HOME: &str = "/admin/profile/developer-settings";

/// Returns `next` when it is a same-site absolute path, otherwise [`HOME`].
///
/// Refused: absolute and scheme-relative URLs (`https://x`, `//x`, `/\x`),
/// anything with a backslash or a control character (browsers treat `\` as
/// `/` and drop tabs and newlines, which would reopen `//evil`), and overlong
/// values.
pub fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(path) if is_same_site_path(path) => path,
        _ => HOME,
    }
}

fn is_same_site_path(path: &str) -> bool {
    path.len() <= 2048
        && path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_control() || c.is_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_local_path_with_query_is_kept() {
        assert_eq!(safe_next(Some("/admin/profile?tab=1")), "/admin/profile?tab=1");
    }

    #[test]
    fn missing_or_foreign_targets_go_home() {
        for bad in [
            None,
            Some(""),
            Some("https://evil.example/"),
            Some("//evil.example"),
            Some("/\\evil.example"),
            Some("/\t/evil.example"),
            Some("/\n/evil.example"),
            Some("javascript:alert(1)"),
            Some("admin"),
        ] {
            assert_eq!(safe_next(bad), HOME, "{bad:?}");
        }
        let long = format!("/{}", "a".repeat(3000));
        assert_eq!(safe_next(Some(&long)), HOME);
    }
}
