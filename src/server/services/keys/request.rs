//! A new key as asked for, every field parsed before the service sees it
//! (zero-to-production's `NewSubscriber`): the dashboard's form and the
//! command line's flags arrive as text and go through [`KeyRequest::from_form`];
//! `/v1/keys` builds one from its typed JSON. What is left for
//! [`super::create`] is what only the database can tell: that the workspace
//! and the person exist in the agency, that the caller may manage keys
//! there, and that the person may act there.
use chrono::{DateTime, Utc};

use crate::domain::environment::Environment;
use crate::domain::key_name::KeyName;
use crate::domain::scopes::{Scope, ScopeError, ScopeSet};
use crate::domain::validity::{Validity, ValidityError};
use crate::models::keys::NewKeyForm;
use crate::models::FieldIssue;

use super::MAX_RATE_LIMIT;

/// A key request whose every field passed its own rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRequest {
    pub name: KeyName,
    /// `None`: an agency-wide key.
    pub workspace_id: Option<i64>,
    /// The person the key acts as.
    pub act_as_user_id: i64,
    /// `None`: it never expires.
    pub expires_at: Option<DateTime<Utc>>,
    pub environment: Environment,
    /// At least one, each of them offered ([`Scope::check_offered`]).
    pub scopes: ScopeSet,
    /// Requests per second, 0 unlimited, at most [`MAX_RATE_LIMIT`];
    /// `None`: the default ([`super::DEFAULT_RATE_LIMIT`], or the creating
    /// key's limit when lower).
    pub rate_limit: Option<u32>,
}

/// Field issues gathered while parsing, each under the name its caller
/// gave the field.
#[derive(Debug, Default)]
pub struct Issues(Vec<FieldIssue>);

impl Issues {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldIssue {
            field: field.into(),
            message: message.into(),
        });
    }

    /// `value`, or its error noted under `field`.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &str, value: Result<T, E>) -> Option<T> {
        value.map_err(|e| self.add(field, e.to_string())).ok()
    }

    pub fn into_result<T>(self, value: Option<T>) -> Result<T, Vec<FieldIssue>> {
        match value {
            Some(value) if self.0.is_empty() => Ok(value),
            _ => Err(self.0),
        }
    }
}

/// Scopes as a set: at least one, each offered. `Err` says why in the
/// dialog's words.
pub fn offered_scopes(set: Result<ScopeSet, ScopeError>) -> Result<ScopeSet, String> {
    let set = set.map_err(|e| e.to_string())?;
    Scope::check_offered(set)?;
    Ok(set)
}

impl KeyRequest {
    /// The Create API key form as typed (the dialog, or the command line's
    /// flags), checked at `now`. `Err` holds every field refused, under the
    /// form's names (`name`, `workspace`, `act_as`, `validity`,
    /// `custom_date`, `environment`, `scopes`).
    pub fn from_form(
        form: &NewKeyForm,
        rate_limit: Option<u32>,
        now: DateTime<Utc>,
    ) -> Result<Self, Vec<FieldIssue>> {
        let mut issues = Issues::default();
        let name = issues.check("name", KeyName::parse(&form.name));
        let workspace_id = match form.workspace.trim() {
            "" => Some(None),
            text => issues.check(
                "workspace",
                text.parse::<i64>().map(Some).map_err(|_| "Choose a workspace"),
            ),
        };
        let act_as_user_id = issues.check(
            "act_as",
            form.act_as
                .trim()
                .parse::<i64>()
                .map_err(|_| "Choose who the key acts as"),
        );
        let expires_at = match Validity::parse(&form.validity, &form.custom_date, now)
            .and_then(|validity| validity.expires_at(now))
        {
            Ok(at) => Some(at),
            Err(ValidityError::Unknown) => issues.check("validity", Err(ValidityError::Unknown)),
            Err(other) => issues.check("custom_date", Err(other)),
        };
        let environment = issues.check(
            "environment",
            form.environment
                .parse::<Environment>()
                .map_err(|_| "Choose Live or Test"),
        );
        let scopes = issues.check("scopes", offered_scopes(ScopeSet::from_names(&form.scopes)));
        let rate_limit = match rate_limit {
            Some(n) if n > MAX_RATE_LIMIT => issues.check(
                "rate_limit",
                Err(format!(
                    "Enter a whole number from 0 (unlimited) to {MAX_RATE_LIMIT}"
                )),
            ),
            other => Some(other),
        };
        let request = (|| {
            Some(KeyRequest {
                name: name?,
                workspace_id: workspace_id?,
                act_as_user_id: act_as_user_id?,
                expires_at: expires_at?,
                environment: environment?,
                scopes: scopes?,
                rate_limit: rate_limit?,
            })
        })();
        issues.into_result(request)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap()
    }

    fn form() -> NewKeyForm {
        NewKeyForm {
            name: "Zillow sync".into(),
            workspace: "7".into(),
            act_as: "3".into(),
            validity: "1w".into(),
            custom_date: String::new(),
            environment: "test".into(),
            scopes: vec!["read:leads".into(), "write:leads".into()],
        }
    }

    #[test]
    fn a_good_form_parses_into_its_typed_fields() {
        let request = KeyRequest::from_form(&form(), Some(10), now()).unwrap();
        assert_eq!(request.name.as_str(), "Zillow sync");
        assert_eq!(request.workspace_id, Some(7));
        assert_eq!(request.act_as_user_id, 3);
        assert_eq!(request.expires_at, Some(now() + chrono::Days::new(7)));
        assert_eq!(request.environment, Environment::Test);
        assert_eq!(
            request.scopes,
            ScopeSet::new([Scope::ReadLeads, Scope::WriteLeads]).unwrap()
        );
        assert_eq!(request.rate_limit, Some(10));

        let agency_wide = NewKeyForm {
            workspace: " ".into(),
            validity: "never".into(),
            ..form()
        };
        let request = KeyRequest::from_form(&agency_wide, None, now()).unwrap();
        assert_eq!(
            (request.workspace_id, request.expires_at, request.rate_limit),
            (None, None, None)
        );
    }

    #[test]
    fn every_refused_field_is_named_at_once() {
        let bad = NewKeyForm {
            name: "  ".into(),
            workspace: "seven".into(),
            act_as: String::new(),
            validity: "custom".into(),
            custom_date: "2026-02-30".into(),
            environment: "prod".into(),
            scopes: vec!["write:agents".into()],
        };
        let issues = KeyRequest::from_form(&bad, Some(MAX_RATE_LIMIT + 1), now()).unwrap_err();
        let fields: Vec<&str> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "workspace",
                "act_as",
                "custom_date",
                "environment",
                "scopes",
                "rate_limit"
            ]
        );
        let unknown = NewKeyForm {
            validity: "2w".into(),
            scopes: vec![],
            ..form()
        };
        let issues = KeyRequest::from_form(&unknown, None, now()).unwrap_err();
        let fields: Vec<&str> = issues.iter().map(|i| i.field.as_str()).collect();
        assert_eq!(fields, ["validity", "scopes"]);
    }
}
