//! The components of an agent entity: its identity ([`Agent`]), its role's strategy (one of
//! [`Miner`], [`Validator`], [`Nominator`], [`Trader`], or [`Owner`]) and its own random stream.
//! A leaf: the world builder inserts them, the block systems query them.
//!
//! May depend on: `chain::state` (account ids), `strategy`, bevy_ecs, rand.

use crate::chain::state::AccountId;
use bevy_ecs::prelude::*;
use rand::rngs::ChaCha8Rng;

/// An agent's identity.
#[derive(Component, Clone, Copy, Debug)]
pub struct Agent {
    /// Index into the scenario's agents.
    pub index: usize,
    /// Its subnet.
    pub netuid: u16,
    /// Its coldkey.
    pub coldkey: AccountId,
    /// Its hotkey.
    pub hotkey: AccountId,
}

/// A miner's strategy.
#[derive(Component)]
pub struct Miner(pub crate::strategy::MinerStrategy);

/// A validator's strategy.
#[derive(Component)]
pub struct Validator(pub crate::strategy::ValidatorStrategy);

/// A nominator's strategy.
#[derive(Component)]
pub struct Nominator(pub crate::strategy::NominatorStrategy);

/// A trader's strategy.
#[derive(Component)]
pub struct Trader(pub crate::strategy::TraderStrategy);

/// A subnet owner (holds the owner cut; no strategy yet).
#[derive(Component)]
pub struct Owner;

/// The agent's own random stream.
#[derive(Component)]
pub struct AgentRng(pub ChaCha8Rng);
