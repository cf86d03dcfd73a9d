//! Naming a session's browser for people: "Firefox 133 on Linux", from its
//! `User-Agent` (parsed by `woothee`).

/// "{browser} {major version} on {system}", what is known of it, or
/// "Unknown browser"; a request from a script names its tool ("curl 8").
pub fn describe(user_agent: &str) -> String {
    let Some(found) = woothee::parser::Parser::new().parse(user_agent) else {
        return "Unknown browser".to_owned();
    };
    let known = |text: &str| !text.is_empty() && text != woothee::woothee::VALUE_UNKNOWN;
    let major = found.version.split('.').next().unwrap_or_default();
    let mut text = String::new();
    if known(found.name) {
        text.push_str(found.name);
        if known(major) {
            text.push(' ');
            text.push_str(major);
        }
    }
    if known(found.os) {
        if !text.is_empty() {
            text.push_str(" on ");
        }
        text.push_str(found.os);
    }
    if text.is_empty() {
        "Unknown browser".to_owned()
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn common_browsers_are_named_with_their_system() {
        let chrome = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36";
        assert_eq!(describe(chrome), "Chrome 131 on Linux");
        let firefox = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0";
        assert!(
            describe(firefox).starts_with("Firefox 133 on Windows"),
            "{}",
            describe(firefox)
        );
    }

    #[test]
    fn anything_else_is_unknown() {
        assert_eq!(describe(""), "Unknown browser");
        assert_eq!(describe("\u{0}\u{1}"), "Unknown browser");
    }
}
