//! Traders on a subnet pool: buy alpha with TAO and sell it back, on a schedule or at random.
//! The simulation submits buys as `add_stake` and sells as `remove_stake` on the trader's own
//! hotkey, which is how a chain participant trades a subnet's alpha.

use rand::{Rng, RngExt};

/// One trade.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TradeAction {
    /// Spend this many TAO rao on alpha.
    Buy { tao: u64 },
    /// Sell this many alpha rao.
    Sell { alpha: u64 },
}

/// How a trader trades.
#[derive(Clone, Debug, PartialEq)]
pub enum TraderStrategy {
    /// Every `every_blocks` blocks from `start_block` to `stop_block` (exclusive), buys
    /// `buy_tao` rao; at `stop_block` sells everything (a buy-and-hold or DCA schedule).
    Schedule {
        every_blocks: u64,
        buy_tao: u64,
        start_block: u64,
        stop_block: Option<u64>,
    },
    /// Every `every_blocks` blocks, buys or sells with equal chance: a uniform amount up to
    /// `max_tao` rao of TAO, or the same share of its alpha.
    Random { every_blocks: u64, max_tao: u64 },
}

impl TraderStrategy {
    /// The strategy's name in scenarios and outputs.
    pub fn kind(&self) -> &'static str {
        match self {
            TraderStrategy::Schedule { .. } => "schedule",
            TraderStrategy::Random { .. } => "random",
        }
    }

    /// The trade at `block`, given the trader's free TAO and alpha held.
    pub fn act(
        &self,
        block: u64,
        balance: u64,
        alpha: u64,
        rng: &mut impl Rng,
    ) -> Option<TradeAction> {
        match self {
            TraderStrategy::Schedule {
                every_blocks,
                buy_tao,
                start_block,
                stop_block,
            } => {
                if stop_block.is_some_and(|s| block == s) {
                    return (alpha > 0).then_some(TradeAction::Sell { alpha });
                }
                let active = block >= *start_block && stop_block.is_none_or(|s| block < s);
                let due = (block - start_block.min(&block)).is_multiple_of((*every_blocks).max(1));
                (active && due && balance >= *buy_tao && *buy_tao > 0)
                    .then_some(TradeAction::Buy { tao: *buy_tao })
            }
            TraderStrategy::Random {
                every_blocks,
                max_tao,
            } => {
                if !block.is_multiple_of((*every_blocks).max(1)) {
                    return None;
                }
                let (side, size): (bool, f64) = (rng.random(), rng.random());
                if side {
                    let tao = ((*max_tao as f64 * size) as u64).min(balance);
                    (tao > 0).then_some(TradeAction::Buy { tao })
                } else {
                    let alpha = (alpha as f64 * size) as u64;
                    (alpha > 0).then_some(TradeAction::Sell { alpha })
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    #[test]
    fn schedule_buys_on_its_cadence_and_sells_at_the_stop() {
        let s = TraderStrategy::Schedule {
            every_blocks: 10,
            buy_tao: 5,
            start_block: 20,
            stop_block: Some(50),
        };
        let mut rng = ChaCha8Rng::seed_from_u64(1);
        let buys: Vec<u64> = (0..60)
            .filter(|b| s.act(*b, 100, 0, &mut rng) == Some(TradeAction::Buy { tao: 5 }))
            .collect();
        assert_eq!(buys, vec![20, 30, 40]);
        assert_eq!(
            s.act(50, 100, 7, &mut rng),
            Some(TradeAction::Sell { alpha: 7 })
        );
        assert_eq!(s.act(30, 4, 0, &mut rng), None);
    }

    #[test]
    fn random_trader_trades_both_ways_within_its_means() {
        let s = TraderStrategy::Random {
            every_blocks: 1,
            max_tao: 1_000,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(5);
        let trades: Vec<TradeAction> = (0..200)
            .filter_map(|b| s.act(b, 500, 800, &mut rng))
            .collect();
        assert!(trades.iter().any(|t| matches!(t, TradeAction::Buy { .. })));
        assert!(trades.iter().any(|t| matches!(t, TradeAction::Sell { .. })));
        assert!(trades.iter().all(|t| match t {
            TradeAction::Buy { tao } => *tao <= 500,
            TradeAction::Sell { alpha } => *alpha <= 800,
        }));
    }
}
