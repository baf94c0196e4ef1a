//! Miners: the performance a miner serves when validators query it.
//!
//! A miner has a true quality; each epoch it serves that quality plus serving noise, and the
//! quality itself may drift (a random walk). Sybils are a population property (many hotkeys,
//! one coldkey), not a strategy.

use super::normal;
use rand::Rng;

/// A serving miner's parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct ServeParams {
    /// True quality (≥ 0), drawn by the scenario from its distribution.
    pub quality: f64,
    /// σ of the per-epoch serving noise.
    pub noise: f64,
    /// σ of the per-epoch random walk of the quality.
    pub drift: f64,
    /// From this subnet epoch on the miner serves nothing (0).
    pub idle_from_epoch: Option<u64>,
}

/// How a miner serves.
#[derive(Clone, Debug, PartialEq)]
pub enum MinerStrategy {
    /// Serves its quality with noise and drift.
    Serve(ServeParams),
    /// Registered but serves nothing.
    Idle,
    /// A genesis snapshot's miner: serves this fixed quality (no noise, no drift, no draws).
    Snapshot { quality: f64 },
}

impl MinerStrategy {
    /// The strategy's name in scenarios and outputs.
    pub fn kind(&self) -> &'static str {
        match self {
            MinerStrategy::Serve(_) => "serve",
            MinerStrategy::Idle => "idle",
            MinerStrategy::Snapshot { .. } => "snapshot",
        }
    }

    /// The current true quality (0 when idle).
    pub fn quality(&self) -> f64 {
        match self {
            MinerStrategy::Serve(p) => p.quality,
            MinerStrategy::Idle => 0.0,
            MinerStrategy::Snapshot { quality } => *quality,
        }
    }

    /// Called once per epoch of the miner's subnet: advances the drift and returns what
    /// validators measure this epoch (≥ 0). Draws two normals per call when serving, none
    /// when idle or a snapshot's.
    pub fn serve(&mut self, epoch: u64, rng: &mut impl Rng) -> f64 {
        let p = match self {
            MinerStrategy::Serve(p) => p,
            MinerStrategy::Idle => return 0.0,
            MinerStrategy::Snapshot { quality } => return *quality,
        };
        let step = normal(rng, p.drift);
        let noise = normal(rng, p.noise);
        p.quality = (p.quality + step).max(0.0);
        if p.idle_from_epoch.is_some_and(|e| epoch >= e) {
            return 0.0;
        }
        (p.quality + noise).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand::rngs::ChaCha8Rng;

    #[test]
    fn noiseless_miner_serves_its_quality_until_idle() {
        let mut m = MinerStrategy::Serve(ServeParams {
            quality: 0.7,
            noise: 0.0,
            drift: 0.0,
            idle_from_epoch: Some(3),
        });
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let served: Vec<f64> = (0..5).map(|e| m.serve(e, &mut rng)).collect();
        assert_eq!(served, vec![0.7, 0.7, 0.7, 0.0, 0.0]);
        assert_eq!(MinerStrategy::Idle.serve(0, &mut rng), 0.0);
    }

    #[test]
    fn drift_moves_the_quality_and_never_below_zero() {
        let mut m = MinerStrategy::Serve(ServeParams {
            quality: 0.1,
            noise: 0.05,
            drift: 0.2,
            idle_from_epoch: None,
        });
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        for e in 0..200 {
            assert!(m.serve(e, &mut rng) >= 0.0);
            assert!(m.quality() >= 0.0);
        }
        assert_ne!(m.quality(), 0.1);
    }
}
