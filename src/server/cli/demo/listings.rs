//! The agency's property listings and the MLS sync that keeps them up to date.
use std::collections::HashSet;

use anyhow::Context;
use chrono::{DateTime, TimeDelta, Utc};
use sea_orm::DatabaseConnection;

use super::keys::{key_named, Issued};
use super::staff::{Agency, Workspace};
use crate::domain::crm::PropertyStatus;
use crate::models::crm::PropertyInput;
use crate::server::services::properties;
use crate::server::webhooks::group_commit::GroupCommit;

/// A listing the MLS sync keeps up to date.
struct Listing {
    external_id: &'static str,
    title: &'static str,
    address: &'static str,
    workspace: Workspace,
    price_dollars: i64,
    bedrooms: i32,
    listed_days_ago: i64,
    /// Where it is now; anything but active was reached halfway since listing.
    status: PropertyStatus,
}

const LISTING_KEY: &str = "MLS listing sync";
pub(super) const CITY: &str = "Portland";

static LISTINGS: [Listing; 12] = [
    Listing {
        external_id: "mls-1041",
        title: "Sunny two-bed condo near Monument Square",
        address: "122 Congress St, Unit 4B",
        workspace: Workspace::Downtown,
        price_dollars: 489_000,
        bedrooms: 2,
        listed_days_ago: 55,
        status: PropertyStatus::Active,
    },
    Listing {
        external_id: "mls-1057",
        title: "Renovated brick loft in the Old Port",
        address: "38 Exchange St, Unit 3",
        workspace: Workspace::Downtown,
        price_dollars: 615_000,
        bedrooms: 1,
        listed_days_ago: 51,
        status: PropertyStatus::UnderOffer,
    },
    Listing {
        external_id: "mls-1063",
        title: "Victorian three-bed on Spring Street",
        address: "247 Spring St",
        workspace: Workspace::Downtown,
        price_dollars: 829_000,
        bedrooms: 3,
        listed_days_ago: 48,
        status: PropertyStatus::Sold,
    },
    Listing {
        external_id: "mls-1088",
        title: "Studio with a rooftop deck",
        address: "510 Congress St, Unit 7",
        workspace: Workspace::Downtown,
        price_dollars: 329_000,
        bedrooms: 0,
        listed_days_ago: 40,
        status: PropertyStatus::Active,
    },
    Listing {
        external_id: "mls-1102",
        title: "Family home near Deering Oaks",
        address: "61 Deering Ave",
        workspace: Workspace::Downtown,
        price_dollars: 745_000,
        bedrooms: 4,
        listed_days_ago: 33,
        status: PropertyStatus::Active,
    },
    Listing {
        external_id: "mls-1119",
        title: "Arts District live/work space",
        address: "19 Forest Ave",
        workspace: Workspace::Downtown,
        price_dollars: 560_000,
        bedrooms: 1,
        listed_days_ago: 27,
        status: PropertyStatus::Withdrawn,
    },
    Listing {
        external_id: "mls-2004",
        title: "Harbor-view penthouse",
        address: "2 Commercial St, PH1",
        workspace: Workspace::Waterfront,
        price_dollars: 1_650_000,
        bedrooms: 3,
        listed_days_ago: 58,
        status: PropertyStatus::Active,
    },
    Listing {
        external_id: "mls-2016",
        title: "Wharf-side two-bed with a boat slip",
        address: "88 Commercial St, Unit 12",
        workspace: Workspace::Waterfront,
        price_dollars: 975_000,
        bedrooms: 2,
        listed_days_ago: 44,
        status: PropertyStatus::UnderOffer,
    },
    Listing {
        external_id: "mls-2031",
        title: "Eastern Promenade townhouse",
        address: "301 Eastern Promenade",
        workspace: Workspace::Waterfront,
        price_dollars: 1_190_000,
        bedrooms: 3,
        listed_days_ago: 37,
        status: PropertyStatus::Active,
    },
    Listing {
        external_id: "mls-2045",
        title: "Munjoy Hill cottage",
        address: "14 Willis St",
        workspace: Workspace::Waterfront,
        price_dollars: 689_000,
        bedrooms: 2,
        listed_days_ago: 30,
        status: PropertyStatus::Sold,
    },
    Listing {
        external_id: "mls-2052",
        title: "Fore Street one-bed with water views",
        address: "434 Fore St, Unit 5",
        workspace: Workspace::Waterfront,
        price_dollars: 545_000,
        bedrooms: 1,
        listed_days_ago: 16,
        status: PropertyStatus::Active,
    },
    Listing {
        external_id: "mls-2067",
        title: "Ferry-landing condo",
        address: "56 Thames St, Unit 2C",
        workspace: Workspace::Waterfront,
        price_dollars: 720_000,
        bedrooms: 2,
        listed_days_ago: 6,
        status: PropertyStatus::Active,
    },
];

/// Upserts the listings as the MLS sync sent them: listed as active, then
/// once more when their status changed. Returns the listings written.
pub(super) async fn sync_listings(
    db: &DatabaseConnection,
    commits: &GroupCommit,
    agency: &Agency,
    keys: &[Issued],
    now: DateTime<Utc>,
) -> anyhow::Result<usize> {
    let key = key_named(keys, LISTING_KEY)?;
    let Some((from, until)) = key.in_use(now) else {
        return Ok(0);
    };
    let mut updates = Vec::new();
    for listing in &LISTINGS {
        let listed = now - TimeDelta::days(listing.listed_days_ago);
        updates.push((listed, listing, PropertyStatus::Active));
        if listing.status != PropertyStatus::Active {
            updates.push((listed + (now - listed) / 2, listing, listing.status));
        }
    }
    updates.retain(|(at, _, _)| (from..until).contains(at));
    updates.sort_by_key(|(at, _, _)| *at);
    let mut written = HashSet::new();
    for (at, listing, status) in updates {
        let input = PropertyInput {
            workspace_id: Some(agency.workspace_id(listing.workspace)),
            title: listing.title.to_owned(),
            address: Some(listing.address.to_owned()),
            city: Some(CITY.to_owned()),
            price_cents: Some(listing.price_dollars * 100),
            bedrooms: Some(listing.bedrooms),
            status: Some(status),
        };
        properties::upsert(
            db,
            commits,
            &key.reach(agency),
            key.stamp(at),
            listing.external_id,
            &input,
            at,
        )
        .await
        .with_context(|| format!("syncing the listing {}", listing.external_id))?;
        written.insert(listing.external_id);
    }
    Ok(written.len())
}
