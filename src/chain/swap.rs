//! Subnet pools: reserves, spot price, price-neutral liquidity injection, swaps with fees and
//! the moving (EMA) price (spec §6, subtensor `pallets/swap` "balancer" pool and
//! `staking/stake_utils.rs::update_moving_price`).
//!
//! May depend on: `chain::fixed`, `chain::bigmath` (the port of `safe-bigmath`'s
//! `SafeInt::pow_ratio_scaled`).
//!
//! The pool model: a subnet's pool holds `x` alpha (`SubnetAlphaIn`) and `y` TAO (`SubnetTAO`)
//! with weights `w1` (alpha) and `w2 = 1 − w1` (TAO), the price is `(w1/w2)·(y/x)` and a swap
//! keeps `x^w1 · y^w2` constant, so the default equal weights make it the constant-product pool
//! `x·y = k`. Emission injections change the weights rather than the price (§6.2), so after the
//! first injection the weights are almost never exactly equal.
//!
//! Fidelity notes:
//! * The power `(a/b)^(e1/e2)` is the chain's own routine, `safe-bigmath`'s
//!   `pow_ratio_scaled` (scale 10¹⁸), through its port [`crate::chain::bigmath`]. The port is
//!   of the crates.io release 0.4.2 (checked bit-identical with it); the chain pins the git
//!   revision `013c4998…` (0.4.1), whose `pow_ratio_scaled` and every helper it calls are
//!   byte-identical to 0.4.2's. For equal weights the exponent reduces to 1/1 and the crate
//!   takes an exact integer path (`⌊10¹⁸·a/b⌋`), which the swap vectors check; unequal weights
//!   (in general, once emission has been injected) take the crate's log/exp series.
//! * The 256-bit intermediates of §6.2 are done exactly with [`U256`].
//! * Choices the spec leaves open are marked "unverified" on the item they concern.

use crate::chain::bigmath::pow_ratio_scaled;
use crate::chain::fixed::{I96F32, SafeDiv, U64F64, u64_ratio};
use crate::chain::wide::U256;

/// 1.0 as `Perquintill` parts.
pub const PERQUINTILL_ONE: u64 = 1_000_000_000_000_000_000;
/// Default quote (TAO) weight `w2` of a pool, in `Perquintill` parts: 0.5.
pub const DEFAULT_QUOTE_WEIGHT: u64 = PERQUINTILL_ONE / 2;
/// `MIN_WEIGHT`: each weight must stay ≥ 0.01, in `Perquintill` parts.
pub const MIN_WEIGHT: u64 = PERQUINTILL_ONE / 100;
/// `FeeRate` default: 33 / 65535 ≈ 0.0504 % of the input.
pub const DEFAULT_FEE_RATE: u16 = 33;
/// Largest `FeeRate` an owner may set.
pub const MAX_FEE_RATE: u16 = 10_000;
/// `MinimumReserve` of the runtime, in rao: a swap needs this much of the output token.
pub const MINIMUM_RESERVE: u64 = 1_000_000;
/// `MinimumReserve` of the test mock the chain's vectors run under, in rao.
pub const MOCK_MINIMUM_RESERVE: u64 = 100;
/// `SubnetMovingAlpha` default: `I96F32::from_num(0.000003)`, exactly 12885·2⁻³² ≈ 3.0000225e−6.
pub const DEFAULT_MOVING_ALPHA: I96F32 = I96F32::from_bits(12_885);
/// `EMAPriceHalvingBlocks` default, in blocks (4 weeks).
pub const DEFAULT_EMA_PRICE_HALVING_BLOCKS: u64 = 201_600;

/// A swap may not bring in more than this many times the input-side reserve.
const MAX_INPUT_TO_RESERVE: u128 = 1_000;
/// Limit prices are given in rao per alpha: 10⁹ = 1 TAO per alpha.
const LIMIT_PRICE_SCALE: u64 = 1_000_000_000;
/// Bits of precision the chain asks of `pow_ratio_scaled` for swap outputs.
const OUTPUT_POW_PRECISION: u32 = 256;
/// Bits of precision the chain asks of `pow_ratio_scaled` for the amount up to a limit price.
const LIMIT_POW_PRECISION: u32 = 1_024;
/// `1.0` in U64F64.
const U64F64_ONE: U64F64 = U64F64::from_bits(1 << 64);

/// A subnet's mechanism: stable subnets (and root) trade 1:1 at price 1; dynamic subnets
/// (mechanism 1) have a pool.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mechanism {
    /// Mechanism 0 (and root): price 1, no fee, no pool.
    Stable,
    /// Mechanism 1: the weighted pool.
    Dynamic,
}

/// The side of a swap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// `GetAlphaForTao`: pay TAO, receive alpha (stake).
    Buy,
    /// `GetTaoForAlpha`: pay alpha, receive TAO (unstake).
    Sell,
}

/// Why a swap was rejected (the chain's `pallets/swap` errors).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SwapError {
    /// The output-side reserve is below `MinimumReserve`.
    ReserveBelowMinimum,
    /// The net input exceeds 1000 × the input-side reserve (`SwapInputTooLarge`).
    SwapInputTooLarge,
    /// The current price is not strictly on the allowed side of the limit price
    /// (`PriceLimitExceeded`).
    PriceLimitExceeded,
    /// Some input would execute but its output floors to 0 (`ReservesTooLow`).
    ReservesTooLow,
    /// The output would exceed the output-side reserve (`InsufficientLiquidity`).
    InsufficientLiquidity,
    /// `pow_ratio_scaled` gave no value (a zero weight or a zero base denominator).
    Power,
}

impl core::fmt::Display for SwapError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let text = match self {
            SwapError::ReserveBelowMinimum => "output-side reserve is below the minimum reserve",
            SwapError::SwapInputTooLarge => "swap input exceeds 1000 times the input-side reserve",
            SwapError::PriceLimitExceeded => "current price is beyond the limit price",
            SwapError::ReservesTooLow => "swap output rounds to zero: reserves too low",
            SwapError::InsufficientLiquidity => "swap output exceeds the output-side reserve",
            SwapError::Power => "pool power term is undefined (zero weight or zero reserve)",
        };
        f.write_str(text)
    }
}

impl core::error::Error for SwapError {}

/// Per-subnet swap parameters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SwapParams {
    /// `FeeRate`: fee = amount × fee_rate / 65535. Default [`DEFAULT_FEE_RATE`].
    pub fee_rate: u16,
    /// `MinimumReserve`, in rao. Default [`MINIMUM_RESERVE`] (runtime).
    pub minimum_reserve: u64,
}

impl Default for SwapParams {
    fn default() -> Self {
        SwapParams {
            fee_rate: DEFAULT_FEE_RATE,
            minimum_reserve: MINIMUM_RESERVE,
        }
    }
}

impl SwapParams {
    /// The chain's test mock: default fee, `MinimumReserve` 100 rao.
    pub const MOCK: SwapParams = SwapParams {
        fee_rate: DEFAULT_FEE_RATE,
        minimum_reserve: MOCK_MINIMUM_RESERVE,
    };
}

/// What a swap pays and receives, before any storage changes (the chain's `SwapResult`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SwapQuote {
    /// `amount_paid_in`: the executed net input (fee excluded), in rao of the input token.
    pub paid_in: u64,
    /// `amount_paid_out`: the output, in rao of the output token.
    pub paid_out: u64,
    /// `fee_paid`, in rao of the input token (0 with `drop_fees` or on stable subnets).
    pub fee: u64,
    /// `fee_to_block_author`: the fee when some input executed, else 0.
    pub fee_to_block_author: u64,
}

/// A committed swap: the quote and the changes the caller applies to the subnet's
/// `SubnetAlphaOut`, to `TotalStake` and to `SubnetVolume` (spec §6.3 step 5).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SwapReceipt {
    /// The executed swap.
    pub quote: SwapQuote,
    /// `SubnetAlphaOut` change, in alpha rao: `+paid_out` on a buy, `−paid_in` on a sell.
    pub alpha_out_change: i128,
    /// `TotalStake` change, in rao: `+amount` (gross, fee included) on a buy, `−paid_out` on a
    /// sell.
    pub total_stake_change: i128,
    /// `SubnetVolume` increase, in rao: `amount` on a buy, `paid_out` on a sell.
    pub volume_added: u64,
}

/// A subnet's pool (`SubnetAlphaIn`, `SubnetTAO`, `SwapBalancer`, `PalSwapInitialized`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pool {
    /// `x` = `SubnetAlphaIn`: alpha in the pool, in alpha rao.
    pub alpha_reserve: u64,
    /// `y` = `SubnetTAO`: TAO in the pool, in rao.
    pub tao_reserve: u64,
    /// `w2` = `SwapBalancer`: the quote (TAO) weight as `Perquintill` parts (10¹⁸ = 1.0).
    /// Default [`DEFAULT_QUOTE_WEIGHT`] (0.5).
    pub quote_weight: u64,
    /// `PalSwapInitialized`: false until the first swap sets the weights to 0.5.
    pub initialized: bool,
    /// Stable or dynamic.
    pub mechanism: Mechanism,
}

impl Pool {
    /// A dynamic pool with the given reserves (rao), default weights, not yet initialized.
    pub fn new(tao_reserve: u64, alpha_reserve: u64) -> Self {
        Pool {
            alpha_reserve,
            tao_reserve,
            quote_weight: DEFAULT_QUOTE_WEIGHT,
            initialized: false,
            mechanism: Mechanism::Dynamic,
        }
    }

    /// `w1 = 1 − w2`: the base (alpha) weight, in `Perquintill` parts.
    pub fn base_weight(&self) -> u64 {
        PERQUINTILL_ONE - self.quote_weight.min(PERQUINTILL_ONE)
    }

    /// `current_alpha_price`: TAO per alpha, `(w1/w2) × (y/x)` in U64F64 (each ratio a
    /// `safe_div`, so 0 when `x = 0` or `w2 = 0`); 1.0 on stable subnets.
    pub fn current_alpha_price(&self) -> U64F64 {
        if self.mechanism == Mechanism::Stable {
            return U64F64_ONE;
        }
        let weights = u64_ratio(self.base_weight(), self.quote_weight);
        let reserves = u64_ratio(self.tao_reserve, self.alpha_reserve);
        weights.saturating_mul(reserves)
    }

    /// `maybe_initialize_palswap(s, None)`: on the first swap, set `w2 = 0.5` (overwriting
    /// weights moved by emission injections) and mark the pool initialized.
    pub fn maybe_initialize(&mut self) {
        if !self.initialized {
            self.quote_weight = DEFAULT_QUOTE_WEIGHT;
            self.initialized = true;
        }
    }

    /// `maybe_initialize_palswap(s, Some(price))`, used only by `migrate_swapv3_to_balancer`:
    /// `w2 = y / (p·x + y)` (`Perquintill::from_rational`, floor) with
    /// `p·x = ⌊p⌋·x + ⌊x·frac(p)⌋`, so the pool keeps `price` (0.5 for an empty pool,
    /// unverified). No-op once initialized.
    pub fn initialize_with_price(&mut self, price: U64F64) {
        if self.initialized {
            return;
        }
        let x = self.alpha_reserve;
        let whole = u128::from(price.to_num::<u64>()) * u128::from(x);
        let fraction = (price.frac() * U64F64::from_num(x)).to_num::<u64>();
        let priced_alpha = whole + u128::from(fraction);
        let y = u128::from(self.tao_reserve);
        self.quote_weight = perquintill_from_rational(y, priced_alpha.saturating_add(y))
            .unwrap_or(DEFAULT_QUOTE_WEIGHT);
        self.initialized = true;
    }

    /// `adjust_protocol_liquidity(s, tao, alpha)`: re-weights the pool so that adding
    /// `(tao, alpha)` keeps the price ([`update_weights_for_added_liquidity`]) and returns the
    /// deltas to inject, or `(0, 0)` (weights unchanged) when the new weights would leave
    /// [0.01, 0.99]. The reserves are not changed: the caller adds the deltas (spec §5.2).
    /// Does not initialize the pool. Applied whatever the mechanism (unverified for stable).
    pub fn adjust_protocol_liquidity(&mut self, tao: u64, alpha: u64) -> (u64, u64) {
        match update_weights_for_added_liquidity(self, tao, alpha) {
            Some(weight) => {
                self.quote_weight = weight;
                (tao, alpha)
            }
            None => (0, 0),
        }
    }

    /// Executes a swap (`do_swap` and the reserve updates of `swap_tao_for_alpha` /
    /// `swap_alpha_for_tao`): initializes the pool, quotes with [`swap_step`], then on a buy
    /// `SubnetTAO += paid_in`, `SubnetAlphaIn −= paid_out`; on a sell `SubnetAlphaIn += paid_in`,
    /// `SubnetTAO −= paid_out`. On error nothing changes (the chain's `do_swap` rolls back,
    /// the initialization included). The fee stays out of the pool; what the receipt lists is
    /// the caller's to apply.
    ///
    /// `limit_price` is in rao per alpha (10⁹ = 1 TAO per alpha); use `u64::MAX` for an
    /// unlimited buy and 0 for an unlimited sell.
    pub fn swap(
        &mut self,
        order: Order,
        amount: u64,
        limit_price: u64,
        drop_fees: bool,
        params: SwapParams,
    ) -> Result<SwapReceipt, SwapError> {
        let mut pool = *self;
        pool.maybe_initialize();
        let quote = swap_step(&pool, order, amount, limit_price, drop_fees, params)?;
        let receipt = match order {
            Order::Buy => {
                pool.tao_reserve = pool.tao_reserve.saturating_add(quote.paid_in);
                pool.alpha_reserve = pool.alpha_reserve.saturating_sub(quote.paid_out);
                SwapReceipt {
                    quote,
                    alpha_out_change: i128::from(quote.paid_out),
                    total_stake_change: i128::from(amount),
                    volume_added: amount,
                }
            }
            Order::Sell => {
                pool.alpha_reserve = pool.alpha_reserve.saturating_add(quote.paid_in);
                pool.tao_reserve = pool.tao_reserve.saturating_sub(quote.paid_out);
                SwapReceipt {
                    quote,
                    alpha_out_change: -i128::from(quote.paid_in),
                    total_stake_change: -i128::from(quote.paid_out),
                    volume_added: quote.paid_out,
                }
            }
        };
        *self = pool;
        Ok(receipt)
    }

    /// Stakes' purchase leg without a price limit: `tao` in, `(alpha out, TAO into the pool,
    /// fee)`. A stable pool (root) trades 1:1 with no fee and only its TAO reserve moves.
    pub fn buy_unlimited(
        &mut self,
        tao: u64,
        drop_fees: bool,
        params: SwapParams,
    ) -> Result<(u64, u64, u64), SwapError> {
        if self.mechanism == Mechanism::Stable {
            self.tao_reserve = self.tao_reserve.saturating_add(tao);
            return Ok((tao, tao, 0));
        }
        let q = self
            .swap(Order::Buy, tao, u64::MAX, drop_fees, params)?
            .quote;
        Ok((q.paid_out, q.paid_in, q.fee))
    }

    /// Unstaking's sale leg without a price limit: `alpha` in, `(TAO out, alpha into the
    /// pool)` (the rest of `alpha` is the fee). A stable pool trades 1:1 with no fee.
    pub fn sell_unlimited(
        &mut self,
        alpha: u64,
        drop_fees: bool,
        params: SwapParams,
    ) -> Result<(u64, u64), SwapError> {
        if self.mechanism == Mechanism::Stable {
            self.tao_reserve = self.tao_reserve.saturating_sub(alpha);
            return Ok((alpha, alpha));
        }
        let q = self.swap(Order::Sell, alpha, 0, drop_fees, params)?.quote;
        Ok((q.paid_out, q.paid_in))
    }
}

/// `update_weights_for_added_liquidity`: the new quote weight (parts) that keeps the price when
/// `(tao, alpha)` is added to the pool's reserves, or `None` if it or its complement is
/// below [`MIN_WEIGHT`].
///
/// `q1 = round(w1 × y·(x+Δx))`, `q2 = round(w2 × x·(y+Δy))` (products in u128, saturating;
/// the `Perquintill` × u128 products rounded half-up with an exact 256-bit intermediate), then
/// `w2' = ⌊10¹⁸·q2 / (q1+q2)⌋` (0.5 if `q1 + q2 = 0`).
pub fn update_weights_for_added_liquidity(pool: &Pool, tao: u64, alpha: u64) -> Option<u64> {
    let (x, y) = (u128::from(pool.alpha_reserve), u128::from(pool.tao_reserve));
    let base_product = y.saturating_mul(x + u128::from(alpha));
    let quote_product = x.saturating_mul(y + u128::from(tao));
    let q1 = perquintill_mul_round(pool.base_weight(), base_product);
    let q2 = perquintill_mul_round(pool.quote_weight, quote_product);
    let total = q1.saturating_add(q2);
    let weight = if total == 0 {
        DEFAULT_QUOTE_WEIGHT
    } else {
        perquintill_from_rational(q2, total).unwrap_or(PERQUINTILL_ONE)
    };
    let in_bounds = weight >= MIN_WEIGHT && PERQUINTILL_ONE - weight >= MIN_WEIGHT;
    in_bounds.then_some(weight)
}

/// `swap_step`: the pure quote of a swap of `amount` (gross, rao of the input token) against
/// `pool` as it is (call [`Pool::maybe_initialize`] first to model the chain's first swap).
///
/// Stable pools trade 1:1 without fee or checks (unverified beyond spec §6.1's "price 1").
/// Dynamic pools, in order: the output-side reserve must be ≥ `minimum_reserve`; the fee is
/// `⌊amount × (fee_rate/65535)⌋` (0 with `drop_fees`); the net input may not exceed 1000 × the
/// input-side reserve; the current price must be strictly below (buy) / above (sell) the limit;
/// the output is [`convert_deltas`] of the net input, or of the input that moves the price
/// exactly to the limit when the whole swap would cross it.
pub fn swap_step(
    pool: &Pool,
    order: Order,
    amount: u64,
    limit_price: u64,
    drop_fees: bool,
    params: SwapParams,
) -> Result<SwapQuote, SwapError> {
    if pool.mechanism == Mechanism::Stable {
        return Ok(SwapQuote {
            paid_in: amount,
            paid_out: amount,
            fee: 0,
            fee_to_block_author: 0,
        });
    }
    let (input_reserve, output_reserve) = reserves_for(pool, order);
    if output_reserve < params.minimum_reserve {
        return Err(SwapError::ReserveBelowMinimum);
    }
    let fee = if drop_fees {
        0
    } else {
        swap_fee(amount, params.fee_rate)
    };
    let net = amount - fee;
    if u128::from(net) > MAX_INPUT_TO_RESERVE * u128::from(input_reserve) {
        return Err(SwapError::SwapInputTooLarge);
    }
    let limit = limit_price_to_fixed(limit_price);
    let price = pool.current_alpha_price();
    let allowed = match order {
        Order::Buy => price < limit,
        Order::Sell => price > limit,
    };
    if !allowed {
        return Err(SwapError::PriceLimitExceeded);
    }
    let full_out = convert_deltas(pool, order, net)?;
    let (paid_in, paid_out, fee) = if crosses_limit(pool, order, net, full_out, limit) {
        let executed = delta_to_limit(pool, order, price, limit)?.min(net);
        let fee = if drop_fees {
            0
        } else {
            limit_fee(executed, params.fee_rate)
        };
        (executed, convert_deltas(pool, order, executed)?, fee)
    } else {
        (net, full_out, fee)
    };
    finish_quote(paid_in, paid_out, fee, output_reserve)
}

/// The last checks of a quote: output within the reserve, and a non-zero output for a
/// non-zero executed input.
fn finish_quote(
    paid_in: u64,
    paid_out: u64,
    fee: u64,
    output_reserve: u64,
) -> Result<SwapQuote, SwapError> {
    if paid_out > output_reserve {
        return Err(SwapError::InsufficientLiquidity);
    }
    if paid_in > 0 && paid_out == 0 {
        return Err(SwapError::ReservesTooLow);
    }
    Ok(SwapQuote {
        paid_in,
        paid_out,
        fee,
        fee_to_block_author: if paid_in > 0 { fee } else { 0 },
    })
}

/// (input-side reserve, output-side reserve) of an order.
fn reserves_for(pool: &Pool, order: Order) -> (u64, u64) {
    match order {
        Order::Buy => (pool.tao_reserve, pool.alpha_reserve),
        Order::Sell => (pool.alpha_reserve, pool.tao_reserve),
    }
}

/// The swap fee: `⌊amount × r⌋` with `r = fee_rate / 65535` computed first (U64F64
/// `safe_div`, truncated), so e.g. 65535 rao pay 32, not 33.
pub fn swap_fee(amount: u64, fee_rate: u16) -> u64 {
    let rate = U64F64::from_num(fee_rate).safe_div(U64F64::from_num(u16::MAX));
    U64F64::from_num(amount)
        .saturating_mul(rate)
        .to_num::<u64>()
}

/// The fee on the input that reaches a limit price: `⌊Δ × (f / (65535 − f))⌋` (U64F64).
fn limit_fee(executed: u64, fee_rate: u16) -> u64 {
    let rate =
        U64F64::from_num(fee_rate).safe_div(U64F64::from_num(u16::MAX.saturating_sub(fee_rate)));
    U64F64::from_num(executed)
        .saturating_mul(rate)
        .to_num::<u64>()
}

/// A limit price in rao per alpha as U64F64 TAO per alpha (`limit / 10⁹`, truncated).
fn limit_price_to_fixed(limit_price: u64) -> U64F64 {
    U64F64::from_num(limit_price).safe_div(U64F64::from_num(LIMIT_PRICE_SCALE))
}

/// Whether executing `net` in full (output `out`) would take the price past the limit: the
/// price of the post-swap reserves is above (buy) / below (sell) the limit. Unverified: the
/// spec does not say how the chain computes this target price or whether equality crosses.
fn crosses_limit(pool: &Pool, order: Order, net: u64, out: u64, limit: U64F64) -> bool {
    let mut after = *pool;
    match order {
        Order::Buy => {
            after.tao_reserve = after.tao_reserve.saturating_add(net);
            after.alpha_reserve = after.alpha_reserve.saturating_sub(out);
            after.current_alpha_price() > limit
        }
        Order::Sell => {
            after.alpha_reserve = after.alpha_reserve.saturating_add(net);
            after.tao_reserve = after.tao_reserve.saturating_sub(out);
            after.current_alpha_price() < limit
        }
    }
}

/// The net input that moves the price from `price` exactly to `limit`:
/// buy `Δy = ⌊y × ((p_lim/p)^w1 − 1)⌋`, sell `Δx = ⌊x × ((p/p_lim)^w2 − 1)⌋`, the power by
/// `pow_ratio_scaled` on the two U64F64 bit patterns (precision 1024, scale 10¹⁸).
fn delta_to_limit(
    pool: &Pool,
    order: Order,
    price: U64F64,
    limit: U64F64,
) -> Result<u64, SwapError> {
    let (num, den, weight, reserve) = match order {
        Order::Buy => (limit, price, pool.base_weight(), pool.tao_reserve),
        Order::Sell => (price, limit, pool.quote_weight, pool.alpha_reserve),
    };
    let power = pow_scaled(
        num.to_bits(),
        den.to_bits(),
        u128::from(weight),
        u128::from(PERQUINTILL_ONE),
        LIMIT_POW_PRECISION,
    )?;
    let growth = scaled_to_fixed(power).saturating_sub(U64F64_ONE);
    Ok(U64F64::from_num(reserve)
        .saturating_mul(growth)
        .to_num::<u64>())
}

/// `convert_deltas`: the output of a net input `delta` (rao), no fee, no checks:
/// buy `⌊x × (1 − (y/(y+Δ))^(w2/w1))⌋`, sell `⌊y × (1 − (x/(x+Δ))^(w1/w2))⌋`. The power is
/// `pow_ratio_scaled(…, precision 256, scale 10¹⁸)`, read as U64F64 by `/10¹⁸` and clamped to
/// ≤ 1; the product is U64F64, floored. A zero input gives 0.
pub fn convert_deltas(pool: &Pool, order: Order, delta: u64) -> Result<u64, SwapError> {
    if delta == 0 {
        return Ok(0);
    }
    let (w1, w2) = (
        u128::from(pool.base_weight()),
        u128::from(pool.quote_weight),
    );
    let (reserve_in, reserve_out, exp_num, exp_den) = match order {
        Order::Buy => (pool.tao_reserve, pool.alpha_reserve, w2, w1),
        Order::Sell => (pool.alpha_reserve, pool.tao_reserve, w1, w2),
    };
    let base_num = u128::from(reserve_in);
    let base_den = base_num + u128::from(delta);
    let power = pow_scaled(base_num, base_den, exp_num, exp_den, OUTPUT_POW_PRECISION)?;
    let kept = scaled_to_fixed(power).min(U64F64_ONE);
    let share_out = U64F64_ONE - kept;
    Ok(U64F64::from_num(reserve_out)
        .saturating_mul(share_out)
        .to_num::<u64>())
}

/// `SafeInt::pow_ratio_scaled(num, den, exp_num, exp_den, precision, 10¹⁸)`:
/// `(num/den)^(exp_num/exp_den) × 10¹⁸`, floored, saturated to u128.
fn pow_scaled(
    num: u128,
    den: u128,
    exp_num: u128,
    exp_den: u128,
    precision: u32,
) -> Result<u128, SwapError> {
    pow_ratio_scaled(
        num,
        den,
        exp_num,
        exp_den,
        precision,
        u128::from(PERQUINTILL_ONE),
    )
    .ok_or(SwapError::Power)
}

/// A value scaled by 10¹⁸ as U64F64: `⌊v·2⁶⁴ / 10¹⁸⌋` in bits, saturated. For `v < 2⁶⁴` this is
/// exactly `U64F64::from_num(v) / U64F64::from_num(10¹⁸)` (the chain's conversion); larger
/// values (reachable only for limit prices far from the price) are unverified.
fn scaled_to_fixed(value: u128) -> U64F64 {
    let shifted = U256 {
        hi: value >> 64,
        lo: value << 64,
    };
    let bits = div_to_u128(shifted, u128::from(PERQUINTILL_ONE)).unwrap_or(u128::MAX);
    U64F64::from_bits(bits)
}

/// `Perquintill::from_parts(parts) × value`, rounded half-up: `⌊(parts·value + 5·10¹⁷) / 10¹⁸⌋`
/// with a 256-bit intermediate, capped at `u128::MAX` (spec §6.2). The pallet's own helper, not
/// `sp-arithmetic`'s `Perquintill × u128` (which rounds half down and is not used here).
///
/// Source: subtensor pallets/swap/src/pallet/balancer.rs, `Balancer::mul_perquintill_round`.
fn perquintill_mul_round(parts: u64, value: u128) -> u128 {
    let half = U256::from_u128(u128::from(PERQUINTILL_ONE / 2));
    // parts ≤ 10¹⁸, so the sum cannot overflow and the quotient is at most value + 1/2.
    let rounded = U256::mul_u128(u128::from(parts), value).checked_add(half);
    rounded
        .and_then(|n| div_to_u128(n, u128::from(PERQUINTILL_ONE)))
        .unwrap_or(u128::MAX)
}

/// `Perquintill::from_rational(p, q)` in parts: `⌊10¹⁸·p / q⌋` (`Rounding::Down`), or `None`
/// if `q = 0` or `p > q` (where the chain's `from_rational` gives 1.0).
///
/// Source: sp-arithmetic 27.0.0 `per_things.rs`, `from_rational_with_rounding`.
fn perquintill_from_rational(p: u128, q: u128) -> Option<u64> {
    if q == 0 || p > q {
        return None;
    }
    div_to_u128(U256::mul_u128(p, u128::from(PERQUINTILL_ONE)), q)
        .and_then(|parts| u64::try_from(parts).ok())
}

/// `⌊n / d⌋` when it fits in u128, `None` if `d = 0` or it does not.
fn div_to_u128(n: U256, d: u128) -> Option<u128> {
    n.div_rem_u128(d)
        .and_then(|(q, _)| (q.hi == 0).then_some(q.lo))
}

/// Blocks since a subnet's start call, the EMA warm-up clock:
/// `current_block − (FirstEmissionBlockNumber − 1)`, saturating.
pub fn blocks_since_start(current_block: u64, first_emission_block: u64) -> u64 {
    current_block.saturating_sub(first_emission_block.saturating_sub(1))
}

/// `update_moving_price`: the new `SubnetMovingPrice` (spec §6.4).
///
/// `α = moving_alpha × (b / (b + halving_blocks))` (the ratio first, U64F64 `safe_div`;
/// `moving_alpha` as U64F64), `p' = min(spot, 1)`, `new = α·p' + (1 − α)·old` with each product
/// U64F64 floored, stored as I96F32 (fraction truncated to 32 bits). `b` is
/// [`blocks_since_start`]; defaults [`DEFAULT_MOVING_ALPHA`], [`DEFAULT_EMA_PRICE_HALVING_BLOCKS`].
pub fn update_moving_price(
    old: I96F32,
    spot: U64F64,
    blocks_since_start: u64,
    moving_alpha: I96F32,
    halving_blocks: u64,
) -> I96F32 {
    let blocks = U64F64::from_num(blocks_since_start);
    let warm_up = blocks.safe_div(blocks.saturating_add(U64F64::from_num(halving_blocks)));
    let alpha = U64F64::saturating_from_num(moving_alpha).saturating_mul(warm_up);
    let one_minus_alpha = U64F64_ONE.saturating_sub(alpha);
    let price = spot.min(U64F64_ONE);
    let old = U64F64::saturating_from_num(old);
    let new = alpha
        .saturating_mul(price)
        .saturating_add(one_minus_alpha.saturating_mul(old));
    I96F32::saturating_from_num(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn perquintill_products_round_half_up() {
        assert_eq!(perquintill_mul_round(DEFAULT_QUOTE_WEIGHT, 3), 2);
        assert_eq!(perquintill_mul_round(DEFAULT_QUOTE_WEIGHT, 5), 3);
        assert_eq!(perquintill_mul_round(PERQUINTILL_ONE, u128::MAX), u128::MAX);
        assert_eq!(
            perquintill_from_rational(1, 3),
            Some(333_333_333_333_333_333)
        );
        assert_eq!(perquintill_from_rational(4, 3), None);
    }

    #[test]
    fn scaled_values_convert_like_the_fixed_division() {
        for v in [
            0_u128,
            1,
            999_999_999_999_999_999,
            u128::from(PERQUINTILL_ONE),
            u128::from(u64::MAX),
        ] {
            let crate_div = U64F64::from_num(v) / U64F64::from_num(PERQUINTILL_ONE);
            assert_eq!(scaled_to_fixed(v), crate_div, "v = {v}");
        }
    }
}
