//! `keyward demo`: fills an empty database with a realistic demo agency.
use super::Failure;
use crate::server::config::Config;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {}

pub async fn run(_config: Config, _args: DemoArgs) -> Result<(), Failure> {
    Err(Failure::Usage("keyward demo is not built yet".into()))
}
