//! Resources the world builder fills and the block systems read: registrations due, the
//! commit-reveal delay per subnet and the validator roster. A leaf, so that `build.rs` and
//! `systems.rs` do not import each other for them.
//!
//! May depend on: `chain::state` (account ids), bevy_ecs.

use crate::chain::state::AccountId;
use bevy_ecs::prelude::*;

/// Registrations due this block, in agent order: (block, netuid, coldkey, hotkey).
#[derive(Resource, Default)]
pub struct Joins(pub std::collections::VecDeque<(u64, u16, AccountId, AccountId)>);

/// Commit-reveal delay per subnet, in epochs (index = netuid).
#[derive(Resource, Default)]
pub struct RevealDelays(pub Vec<u32>);

/// Validator hotkeys per subnet (index = netuid), in agent order.
#[derive(Resource, Default)]
pub struct Roster(pub Vec<Vec<AccountId>>);
