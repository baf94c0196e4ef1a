//! Conformance of the subnet pool with subtensor (commit 14bc6f9f): initialization and spot
//! price (spec §6.1), the swap vectors of `pallets/swap` (vectors §5: `test_swap_basic`,
//! `test_convert_deltas`), the moving price EMA (vectors §4.1), the checks of a swap (spec §6.3)
//! and properties of the price-neutral liquidity add (§6.2) and of swaps.
//!
//! Floats appear only here, to state expected values and the reference formulas of the
//! vectors (which the chain's tests also evaluate in floating point).

use proptest::prelude::*;
use taosim::chain::fixed::{I96F32, U64F64};
use taosim::chain::swap::{
    DEFAULT_EMA_PRICE_HALVING_BLOCKS, DEFAULT_MOVING_ALPHA, DEFAULT_QUOTE_WEIGHT, MIN_WEIGHT,
    Order, PERQUINTILL_ONE, Pool, SwapError, SwapParams, SwapQuote, blocks_since_start,
    convert_deltas, swap_fee, swap_step, update_moving_price,
};

/// An unlimited buy: any price is below it.
const NO_BUY_LIMIT: u64 = u64::MAX;
/// An unlimited sell: any positive price is above it.
const NO_SELL_LIMIT: u64 = 0;

/// An initialized dynamic pool with the given reserves and quote weight (parts).
fn pool(tao: u64, alpha: u64, quote_weight: u64) -> Pool {
    Pool {
        quote_weight,
        initialized: true,
        ..Pool::new(tao, alpha)
    }
}

fn price_f64(pool: &Pool) -> f64 {
    pool.current_alpha_price().to_num::<f64>()
}

fn no_limit(order: Order) -> u64 {
    match order {
        Order::Buy => NO_BUY_LIMIT,
        Order::Sell => NO_SELL_LIMIT,
    }
}

// ---------------------------------------------------------------------------------------------
// Initialization and price (spec §6.1, vectors §5)
// ---------------------------------------------------------------------------------------------

/// Source: subtensor pallets/swap/src/pallet/tests.rs::test_swap_initialization (vectors §5
/// "Init": TAO 1e9, alpha 4e9, no price)
#[test]
fn first_swap_initializes_equal_weights_at_the_reserve_price() {
    let mut pool = Pool::new(1_000_000_000, 4_000_000_000);
    pool.quote_weight = 700_000_000_000_000_000; // moved by injections before the first swap
    pool.maybe_initialize();
    assert!(pool.initialized);
    assert_eq!(pool.quote_weight, DEFAULT_QUOTE_WEIGHT);
    assert!((price_f64(&pool) - 0.25).abs() <= 1e-9);
}

/// Source: subtensor pallets/swap/src/pallet/tests.rs::test_swap_initialization_with_price
/// (TAO 1e9, alpha 4e9, price `U64F64::from(1) / U64F64::from(5)`, just below 0.2; upstream
/// asserts the price to ±1e-9). The weight is our derivation: `p·x = ⌊x·frac(p)⌋ =
/// 799_999_999` and `w2 = ⌊10¹⁸·10⁹ / 1_799_999_999⌋`.
#[test]
fn initialization_with_a_price_keeps_that_price() {
    let mut pool = Pool::new(1_000_000_000, 4_000_000_000);
    pool.initialize_with_price(U64F64::from_num(1) / U64F64::from_num(5));
    assert!((price_f64(&pool) - 0.2).abs() <= 1e-9);
    assert_eq!(pool.quote_weight, 555_555_555_864_197_531);
    // Once initialized, neither variant changes the weights again.
    pool.maybe_initialize();
    pool.initialize_with_price(U64F64::from_num(1));
    assert_eq!(pool.quote_weight, 555_555_555_864_197_531);
}

/// Our derivation (not an upstream vector): the f64 0.2, and so `U64F64::from_num(0.2)`, is
/// just *above* 0.2, so `p·x = 0 × x + ⌊x·frac(p)⌋ = 800_000_000` and
/// `w2 = ⌊10¹⁸·10⁹ / 1_800_000_000⌋` — a different weight from the price 1/5's.
#[test]
fn initialization_with_the_float_price_0_2() {
    let mut pool = Pool::new(1_000_000_000, 4_000_000_000);
    pool.initialize_with_price(U64F64::from_num(0.2));
    let weight = pool.quote_weight as f64 / PERQUINTILL_ONE as f64;
    assert!((weight - 5.0 / 9.0).abs() <= 1e-9, "weight {weight}");
    assert!((price_f64(&pool) - 0.2).abs() <= 1e-9);
    assert_eq!(pool.quote_weight, 555_555_555_555_555_555);
}

/// Source: spec §6.1 [derived]: price 0 without alpha, 1 on stable subnets.
#[test]
fn price_is_zero_without_alpha_and_one_on_stable_subnets() {
    assert_eq!(
        pool(1_000, 0, DEFAULT_QUOTE_WEIGHT).current_alpha_price(),
        0
    );
    let stable = Pool {
        mechanism: taosim::chain::swap::Mechanism::Stable,
        ..pool(5, 7, DEFAULT_QUOTE_WEIGHT)
    };
    assert_eq!(stable.current_alpha_price(), 1);
}

// ---------------------------------------------------------------------------------------------
// test_swap_basic (vectors §5)
// ---------------------------------------------------------------------------------------------

/// (order, amount, fee, net input, output) of `test_swap_basic`.
const SWAP_BASIC: [(Order, u64, u64, u64, u64); 8] = [
    (Order::Buy, 1_000, 0, 1_000, 3_999),
    (Order::Buy, 2_000, 1, 1_999, 7_995),
    (Order::Buy, 123_456, 62, 123_394, 493_515),
    (
        Order::Buy,
        1_000_000_000,
        503_547,
        999_496_453,
        1_999_496_326,
    ),
    (
        Order::Buy,
        10_000_000_000,
        5_035_477,
        9_994_964_523,
        3_636_197_098,
    ),
    (Order::Sell, 1_000, 0, 1_000, 249),
    (Order::Sell, 2_000, 1, 1_999, 499),
    (Order::Sell, 123_456, 62, 123_394, 30_847),
];

/// Source: subtensor pallets/swap/src/pallet/tests.rs::test_swap_basic (vectors §5; w = 0.5, fee
/// rate 33, reserves TAO 1e9 / alpha 4e9 fresh for each row). The test allows ±1 on the output;
/// these match exactly.
#[test]
fn swap_basic_matches_every_row_exactly() {
    for (order, amount, fee, net, out) in SWAP_BASIC {
        let mut pool = Pool::new(1_000_000_000, 4_000_000_000);
        let before = pool.current_alpha_price();
        let receipt = pool
            .swap(order, amount, no_limit(order), false, SwapParams::MOCK)
            .expect("swap_basic rows are valid swaps");
        let expected = SwapQuote {
            paid_in: net,
            paid_out: out,
            fee,
            fee_to_block_author: fee,
        };
        assert_eq!(receipt.quote, expected, "{order:?} {amount}");
        let after = pool.current_alpha_price();
        match order {
            Order::Buy => {
                assert_eq!(
                    (pool.tao_reserve, pool.alpha_reserve),
                    (1_000_000_000 + net, 4_000_000_000 - out)
                );
                assert!(after > before, "buy {amount} must raise the price");
            }
            Order::Sell => {
                assert_eq!(
                    (pool.tao_reserve, pool.alpha_reserve),
                    (1_000_000_000 - out, 4_000_000_000 + net)
                );
                assert!(after < before, "sell {amount} must lower the price");
            }
        }
    }
}

/// Source: subtensor pallets/swap/src/pallet/tests.rs::test_swap_basic [derived]: with equal
/// weights the output is exactly the floored constant-product formula `⌊x·d/(y+d)⌋`.
#[test]
fn swap_basic_outputs_are_the_floored_constant_product() {
    for (order, _, _, net, out) in SWAP_BASIC {
        let (reserve_in, reserve_out) = match order {
            Order::Buy => (1_000_000_000_u128, 4_000_000_000_u128),
            Order::Sell => (4_000_000_000, 1_000_000_000),
        };
        let formula = reserve_out * u128::from(net) / (reserve_in + u128::from(net));
        assert_eq!(u128::from(out), formula);
    }
}

/// Source: spec §6.3 step 2 [derived]: the rate `33/65535` is truncated to U64F64 before the
/// multiplication, so an amount whose exact fee is a whole number pays one rao less.
#[test]
fn fee_rate_is_truncated_before_the_multiplication() {
    assert_eq!(swap_fee(65_535, 33), 32);
    assert_eq!(swap_fee(65_536, 33), 33);
    assert_eq!(swap_fee(u64::MAX, 0), 0);
}

/// Source: spec §6.3 steps 1–2 [derived]: `drop_fees` (chain buys) pays no fee.
#[test]
fn dropped_fees_swap_the_whole_amount() {
    let quote = swap_step(
        &pool(1_000_000_000, 4_000_000_000, DEFAULT_QUOTE_WEIGHT),
        Order::Buy,
        1_000_000_000,
        NO_BUY_LIMIT,
        true,
        SwapParams::MOCK,
    )
    .expect("valid swap");
    assert_eq!(
        (quote.paid_in, quote.fee, quote.paid_out),
        (1_000_000_000, 0, 2_000_000_000)
    );
}

// ---------------------------------------------------------------------------------------------
// test_convert_deltas (vectors §5)
// ---------------------------------------------------------------------------------------------

/// The vector's reference: `out = r_out·(1 − (r_in/(r_in+Δ))^e)`, evaluated stably in f64.
fn reference_output(reserve_in: u64, reserve_out: u64, exponent: f64, delta: u64) -> f64 {
    let log_ratio = -(delta as f64 / reserve_in as f64).ln_1p();
    reserve_out as f64 * -(exponent * log_ratio).exp_m1()
}

/// Source: subtensor pallets/swap/src/pallet/tests.rs::test_convert_deltas (vectors §5: every
/// reserve pair, quote weight and delta of the grid, floored output ±2)
#[test]
fn convert_deltas_matches_the_weighted_formula_on_the_grid() {
    let reserves = [(1_500, 1_000), (1, 1_000_000), (1_000_000, 1)];
    let weights: [(u64, f64); 5] = [
        (500_000_000_000_000_000, 0.5),
        (500_000_010_000_000_000, 0.500_000_01),
        (499_999_990_000_000_000, 0.499_999_99),
        (100_000_000_000_000_000, 0.1),
        (900_000_000_000_000_000, 0.9),
    ];
    let deltas = [1, 10_000, 1_000_000, u64::MAX];
    for (tao, alpha) in reserves {
        for (parts, w) in weights {
            let pool = pool(tao, alpha, parts);
            for delta in deltas {
                let sell = convert_deltas(&pool, Order::Sell, delta).expect("sell output");
                let buy = convert_deltas(&pool, Order::Buy, delta).expect("buy output");
                let sell_ref = reference_output(alpha, tao, (1.0 - w) / w, delta).floor();
                let buy_ref = reference_output(tao, alpha, w / (1.0 - w), delta).floor();
                let case = format!("tao {tao} alpha {alpha} w {w} delta {delta}");
                assert!(
                    (sell as f64 - sell_ref).abs() <= 2.0,
                    "sell {case}: {sell} vs {sell_ref}"
                );
                assert!(
                    (buy as f64 - buy_ref).abs() <= 2.0,
                    "buy {case}: {buy} vs {buy_ref}"
                );
            }
        }
    }
}

/// Source: subtensor pallets/swap/src/pallet/tests.rs::test_convert_deltas [derived]: with equal
/// weights the crate's exact path gives the floored constant-product output, bit for bit.
#[test]
fn convert_deltas_with_equal_weights_is_the_exact_constant_product() {
    for (tao, alpha) in [(1_500_u64, 1_000_u64), (1, 1_000_000), (1_000_000, 1)] {
        let pool = pool(tao, alpha, DEFAULT_QUOTE_WEIGHT);
        for delta in [1, 10_000, 1_000_000] {
            let buy = u128::from(alpha) * u128::from(delta) / (u128::from(tao) + u128::from(delta));
            let sell =
                u128::from(tao) * u128::from(delta) / (u128::from(alpha) + u128::from(delta));
            assert_eq!(convert_deltas(&pool, Order::Buy, delta), Ok(buy as u64));
            assert_eq!(convert_deltas(&pool, Order::Sell, delta), Ok(sell as u64));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Swap checks (spec §6.3)
// ---------------------------------------------------------------------------------------------

/// Source: spec §6.3 step 1 [derived]: output-side reserve below `MinimumReserve` (mock 100).
#[test]
fn swaps_need_the_minimum_output_reserve() {
    let thin = pool(1_000_000, 99, DEFAULT_QUOTE_WEIGHT);
    let quote = swap_step(
        &thin,
        Order::Buy,
        1_000,
        NO_BUY_LIMIT,
        false,
        SwapParams::MOCK,
    );
    assert_eq!(quote, Err(SwapError::ReserveBelowMinimum));
    let runtime = swap_step(
        &pool(1_000_000, 999_999, DEFAULT_QUOTE_WEIGHT),
        Order::Buy,
        1_000,
        NO_BUY_LIMIT,
        false,
        SwapParams::default(),
    );
    assert_eq!(runtime, Err(SwapError::ReserveBelowMinimum));
}

/// Source: spec §6.3 step 1 [derived]: the net input may be at most 1000 × the input reserve.
#[test]
fn swaps_reject_inputs_over_a_thousand_reserves() {
    let pool = pool(1_000_000, 1_000_000, DEFAULT_QUOTE_WEIGHT);
    let at_limit = swap_step(
        &pool,
        Order::Buy,
        1_000_000_000,
        NO_BUY_LIMIT,
        true,
        SwapParams::MOCK,
    );
    assert!(at_limit.is_ok());
    let over = swap_step(
        &pool,
        Order::Buy,
        1_000_000_001,
        NO_BUY_LIMIT,
        true,
        SwapParams::MOCK,
    );
    assert_eq!(over, Err(SwapError::SwapInputTooLarge));
    // The check uses the net input: the fee brings 1_000_500_000 under the limit.
    let with_fee = swap_step(
        &pool,
        Order::Buy,
        1_000_500_000,
        NO_BUY_LIMIT,
        false,
        SwapParams::MOCK,
    );
    assert!(with_fee.is_ok());
}

/// Source: spec §6.3 step 4 [derived]: an output that floors to zero fails.
#[test]
fn dust_swaps_fail_with_reserves_too_low() {
    let pool = pool(1_000_000_000, 4_000_000_000, DEFAULT_QUOTE_WEIGHT);
    let quote = swap_step(
        &pool,
        Order::Sell,
        3,
        NO_SELL_LIMIT,
        false,
        SwapParams::MOCK,
    );
    assert_eq!(quote, Err(SwapError::ReservesTooLow));
    let nothing = swap_step(
        &pool,
        Order::Sell,
        0,
        NO_SELL_LIMIT,
        false,
        SwapParams::MOCK,
    );
    assert_eq!(nothing, Ok(SwapQuote::default()));
}

/// Source: spec §6.3 steps 1 and 4 [derived]: the current price must be strictly on the allowed
/// side of the limit; a swap that would cross it stops at the limit.
#[test]
fn limit_prices_stop_swaps() {
    let start = pool(1_000_000_000, 4_000_000_000, DEFAULT_QUOTE_WEIGHT); // price 0.25
    let at_price = swap_step(
        &start,
        Order::Buy,
        1_000,
        250_000_000,
        false,
        SwapParams::MOCK,
    );
    assert_eq!(at_price, Err(SwapError::PriceLimitExceeded));
    let sell_at_price = swap_step(
        &start,
        Order::Sell,
        1_000,
        250_000_000,
        false,
        SwapParams::MOCK,
    );
    assert_eq!(sell_at_price, Err(SwapError::PriceLimitExceeded));

    // Buying 10 TAO would take the price to ~1.21; a limit of 0.36 stops at y = 1.2e9.
    let mut pool = start;
    let receipt = pool
        .swap(
            Order::Buy,
            10_000_000_000,
            360_000_000,
            false,
            SwapParams::MOCK,
        )
        .expect("limited buy executes partly");
    let quote = receipt.quote;
    assert!(
        (199_999_999..=200_000_000).contains(&quote.paid_in),
        "{quote:?}"
    );
    assert_eq!(quote.fee, quote.paid_in * 33 / (65_535 - 33));
    let after = price_f64(&pool);
    assert!(after <= 0.36 && after > 0.36 - 1e-8, "price after {after}");

    let mut pool = start;
    let receipt = pool
        .swap(
            Order::Sell,
            10_000_000_000,
            160_000_000,
            false,
            SwapParams::MOCK,
        )
        .expect("limited sell executes partly");
    assert!(
        (999_999_999..=1_000_000_000).contains(&receipt.quote.paid_in),
        "{receipt:?}"
    );
    let after = price_f64(&pool);
    assert!((0.16..0.16 + 1e-8).contains(&after), "price after {after}");
}

/// Source: spec §6.3 step 5 [derived]: a failed swap changes nothing, not even the
/// initialization (the chain's `do_swap` rolls back).
#[test]
fn failed_swaps_leave_the_pool_untouched() {
    let mut pool = Pool::new(1_000_000_000, 4_000_000_000);
    pool.quote_weight = 600_000_000_000_000_000;
    let before = pool;
    let result = pool.swap(Order::Sell, 1, NO_SELL_LIMIT, false, SwapParams::MOCK);
    assert_eq!(result, Err(SwapError::ReservesTooLow));
    assert_eq!(pool, before);
}

/// Source: spec §6.3 step 5 [derived]: the bookkeeping the caller applies.
#[test]
fn receipts_carry_the_stake_and_volume_changes() {
    let mut pool = pool(1_000_000_000, 4_000_000_000, DEFAULT_QUOTE_WEIGHT);
    let buy = pool
        .swap(Order::Buy, 123_456, NO_BUY_LIMIT, false, SwapParams::MOCK)
        .expect("buy");
    assert_eq!(
        (
            buy.alpha_out_change,
            buy.total_stake_change,
            buy.volume_added
        ),
        (493_515, 123_456, 123_456)
    );
    let sell = pool
        .swap(Order::Sell, 493_515, NO_SELL_LIMIT, false, SwapParams::MOCK)
        .expect("sell");
    let tao_out = i128::from(sell.quote.paid_out);
    assert_eq!(sell.alpha_out_change, -i128::from(sell.quote.paid_in));
    assert_eq!(
        (sell.total_stake_change, i128::from(sell.volume_added)),
        (-tao_out, tao_out)
    );
}

// ---------------------------------------------------------------------------------------------
// Moving price (vectors §4.1)
// ---------------------------------------------------------------------------------------------

/// Source: subtensor pallets/subtensor/src/tests/coinbase.rs::test_coinbase_moving_prices
/// (spot price 1 from reserves 1e6/1e6, FirstEmission 1, block 7_200_000)
#[test]
fn moving_price_stays_exactly_one_at_price_one() {
    let spot = pool(1_000_000, 1_000_000, DEFAULT_QUOTE_WEIGHT).current_alpha_price();
    assert_eq!(spot, 1);
    let b = blocks_since_start(7_200_000, 1);
    let new = update_moving_price(
        I96F32::from_num(1),
        spot,
        b,
        DEFAULT_MOVING_ALPHA,
        DEFAULT_EMA_PRICE_HALVING_BLOCKS,
    );
    assert_eq!(new, I96F32::from_num(1));
}

/// Source: subtensor pallets/subtensor/src/tests/coinbase.rs::test_coinbase_moving_prices
/// (moving price 0, SubnetMovingAlpha 1.0, one update at block 7_200_000 ⇒ > 0.95)
#[test]
fn moving_price_with_alpha_one_jumps_to_the_spot() {
    let b = blocks_since_start(7_200_000, 1);
    let new = update_moving_price(
        I96F32::from_num(0),
        U64F64::from_num(1),
        b,
        I96F32::from_num(1),
        DEFAULT_EMA_PRICE_HALVING_BLOCKS,
    );
    assert!(new > I96F32::from_num(0.95), "{new}");
    assert!(new < I96F32::from_num(0.973), "{new}"); // [derived] α = 0.97276
}

/// Source: subtensor pallets/subtensor/src/tests/coinbase.rs::test_coinbase_moving_prices
/// (moving price 0, SubnetMovingAlpha 0.1, block 201_600, 14 updates ⇒ 0.512325 ± 0.001)
#[test]
fn moving_price_converges_geometrically() {
    let b = blocks_since_start(201_600, 1);
    let mut price = I96F32::from_num(0);
    for _ in 0..14 {
        price = update_moving_price(
            price,
            U64F64::from_num(1),
            b,
            I96F32::from_num(0.1),
            DEFAULT_EMA_PRICE_HALVING_BLOCKS,
        );
    }
    assert!(
        (price.to_num::<f64>() - 0.512_325).abs() <= 0.001,
        "{price}"
    );
}

/// Source: subtensor pallets/subtensor/src/tests/coinbase.rs::test_update_moving_price_initial
/// (SubnetMovingAlpha 0.5, FirstEmission 500, block 510 ⇒ < 0.001; true for any spot price,
/// which the EMA caps at 1)
#[test]
fn moving_price_warms_up_slowly() {
    let b = blocks_since_start(510, 500);
    assert_eq!(b, 11);
    let new = update_moving_price(
        I96F32::from_num(0),
        U64F64::from_num(1),
        b,
        I96F32::from_num(0.5),
        DEFAULT_EMA_PRICE_HALVING_BLOCKS,
    );
    assert!(new < I96F32::from_num(0.001), "{new}");
    assert!(new > I96F32::from_num(0.000_027), "{new}"); // [derived] α ≈ 2.73e-5
}

/// Source: subtensor pallets/subtensor/src/tests/coinbase.rs::test_update_moving_price_after_time
/// (SubnetMovingAlpha 0.5, FirstEmission 500, block 144_000_500 ⇒ ≈ 0.5 ± 0.001; spot 1 and
/// moving price 0 [derived])
#[test]
fn moving_price_after_the_warm_up_moves_by_alpha() {
    let b = blocks_since_start(144_000_500, 500);
    let new = update_moving_price(
        I96F32::from_num(0),
        U64F64::from_num(1),
        b,
        I96F32::from_num(0.5),
        DEFAULT_EMA_PRICE_HALVING_BLOCKS,
    );
    assert!((new.to_num::<f64>() - 0.5).abs() <= 0.001, "{new}");
}

/// Source: spec §6.4 [derived]: the default moving alpha is `I96F32::from_num(0.000003)`, and the
/// spot price is capped at 1 TAO.
#[test]
fn moving_price_default_alpha_and_spot_cap() {
    assert_eq!(DEFAULT_MOVING_ALPHA, I96F32::from_num(0.000_003));
    let b = blocks_since_start(7_200_000, 1);
    let capped = update_moving_price(
        I96F32::from_num(0),
        U64F64::from_num(1),
        b,
        I96F32::from_num(0.5),
        0,
    );
    let huge = update_moving_price(
        I96F32::from_num(0),
        U64F64::from_num(1_000),
        b,
        I96F32::from_num(0.5),
        0,
    );
    assert_eq!(capped, huge);
    assert_eq!(capped, I96F32::from_num(0.5));
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/// Reserves from 10⁶ rao (`MinimumReserve`) to 10¹⁶ rao (10 M TAO).
fn reserve() -> impl Strategy<Value = u64> {
    1_000_000_u64..10_000_000_000_000_000
}

/// Quote weights in [0.1, 0.9] (parts).
fn weight() -> impl Strategy<Value = u64> {
    100_000_000_000_000_000_u64..=900_000_000_000_000_000
}

/// Any swap order.
fn order() -> impl Strategy<Value = Order> {
    prop_oneof![Just(Order::Buy), Just(Order::Sell)]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Source: spec §6.2 [derived]: adding any deltas keeps the price. Bound: the rounding of
    /// q1, q2 (±½ on products ≥ 0.01·10¹²) and the floor of w2' (10⁻¹⁸ on a weight ≥ 0.01) move
    /// the exact price by a relative 10⁻⁹ at most, and each U64F64 price carries an absolute
    /// truncation of a few 2⁻⁶⁴·(1 + w1/w2 + y/x); the test allows 10⁻⁹·p + 10⁻¹⁵.
    #[test]
    fn liquidity_add_keeps_the_price(
        tao in reserve(), alpha in reserve(), w in weight(),
        tao_in in 0_u64..1_000_000_000_000, alpha_in in 0_u64..1_000_000_000_000,
    ) {
        let mut pool = pool(tao, alpha, w);
        let before = pool.current_alpha_price().to_num::<f64>();
        let (tao_inj, alpha_inj) = pool.adjust_protocol_liquidity(tao_in, alpha_in);
        if (tao_inj, alpha_inj) == (0, 0) && (tao_in, alpha_in) != (0, 0) {
            prop_assert_eq!(pool.quote_weight, w);
        } else {
            prop_assert_eq!((tao_inj, alpha_inj), (tao_in, alpha_in));
            prop_assert!(pool.quote_weight >= MIN_WEIGHT && pool.quote_weight <= PERQUINTILL_ONE - MIN_WEIGHT);
            pool.tao_reserve += tao_inj;
            pool.alpha_reserve += alpha_inj;
            let after = pool.current_alpha_price().to_num::<f64>();
            prop_assert!((after - before).abs() <= 1e-9 * before + 1e-15, "{before} -> {after}");
        }
    }

    /// Source: spec §6.3 [derived]: buying and selling back the alpha never returns more TAO
    /// than was paid (the pool never loses to a round trip), for any weights.
    #[test]
    fn buy_then_sell_returns_no_more_than_paid(
        tao in reserve(), alpha in reserve(), w in weight(),
        amount in 1_u64..1_000_000_000_000_000, drop_fees in any::<bool>(),
    ) {
        let mut pool = pool(tao, alpha, w);
        if let Ok(buy) = pool.swap(Order::Buy, amount, NO_BUY_LIMIT, drop_fees, SwapParams::default()) {
            let bought = buy.quote.paid_out;
            if let Ok(sell) = pool.swap(Order::Sell, bought, NO_SELL_LIMIT, drop_fees, SwapParams::default()) {
                prop_assert!(sell.quote.paid_out <= amount, "paid {} got back {}", amount, sell.quote.paid_out);
            }
        }
    }

    /// Source: spec §6.3 [derived]: reserves move by exactly the paid amounts, without wrapping,
    /// and fees never exceed the amount.
    #[test]
    fn swaps_move_reserves_exactly_and_fees_stay_within_the_amount(
        tao in reserve(), alpha in reserve(), w in weight(),
        trades in prop::collection::vec((order(), 0_u64..100_000_000_000_000, any::<bool>()), 1..6),
    ) {
        let mut pool = pool(tao, alpha, w);
        for (order, amount, drop_fees) in trades {
            let before = pool;
            let Ok(receipt) = pool.swap(order, amount, no_limit(order), drop_fees, SwapParams::default()) else {
                prop_assert_eq!(pool, before);
                continue;
            };
            let q = receipt.quote;
            prop_assert!(q.fee <= amount && q.paid_in + q.fee <= amount, "{:?}", q);
            let (input, output) = match order {
                Order::Buy => ((before.tao_reserve, pool.tao_reserve), (before.alpha_reserve, pool.alpha_reserve)),
                Order::Sell => ((before.alpha_reserve, pool.alpha_reserve), (before.tao_reserve, pool.tao_reserve)),
            };
            prop_assert!(q.paid_out <= output.0);
            prop_assert_eq!(u128::from(input.1), u128::from(input.0) + u128::from(q.paid_in));
            prop_assert_eq!(output.1, output.0 - q.paid_out);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The power function
// ---------------------------------------------------------------------------------------------

/// Source: safe-bigmath 0.4.2 SafeInt::pow_ratio_scaled (the chain's power function), values
/// computed with the crate. Inputs are (base num, base den, exponent num, exponent den,
/// precision, scale) in the pool's call shapes: `convert_deltas` (reserve / (reserve + Δ),
/// Perquintill weights, precision 256) and `delta_to_limit` (U64F64 price bits, weight / 10¹⁸,
/// precision 1024), all scaled by 10¹⁸; plus the crate's doc example and its early returns.
#[test]
fn pow_ratio_scaled_matches_safe_bigmath() {
    use taosim::chain::bigmath::pow_ratio_scaled;
    /// (base num, base den, exponent num, exponent den, precision, scale).
    type Inputs = (u128, u128, u128, u128, u32, u128);
    const ONE: u128 = PERQUINTILL_ONE as u128;
    #[rustfmt::skip]
    let cases: [(Inputs, Option<u128>); 11] = [
        // Exact path: weights 0.5/0.5 reduce to 1/1.
        ((1_000_000_000_000, 1_000_001_000_000, 500_000_000_000_000_000, 500_000_000_000_000_000, 256, ONE), Some(999_999_000_000_999_999)),
        // Exact path: 0.1/0.9 = 1/9 (an integer 9th root) and 0.9/0.1 = 9/1.
        ((1_000_000_000_000, 1_000_001_000_000, 100_000_000_000_000_000, 900_000_000_000_000_000, 256, ONE), Some(999_999_888_888_950_617)),
        ((123_456_789_000, 123_456_799_000, 900_000_000_000_000_000, 100_000_000_000_000_000, 256, ONE), Some(999_999_271_000_288_611)),
        // Log/exp path: 0.50000001/0.49999999, 0.4999999999995/0.5000000000005, random weights.
        ((1_000_000_000_000, 1_000_001_000_000, 500_000_010_000_000_000, 499_999_990_000_000_000, 256, ONE), Some(999_999_000_000_959_999)),
        ((5_000_000_000_000_000, 5_000_000_000_010_000, 499_999_999_999_500_000, 500_000_000_000_500_000, 256, ONE), Some(999_999_999_998_000_000)),
        ((987_654_321_987, 997_654_321_987, 876_543_210_987_654_321, 123_456_789_012_345_679, 256, ONE), Some(930_972_064_353_856_851)),
        // Log/exp path at precision 1024: 1.5^0.333333333333333333 and 0.8^0.666666666666666667.
        ((3 << 63, 1 << 64, 333_333_333_333_333_333, ONE, 1024, ONE), Some(1_144_714_242_553_331_867)),
        ((1 << 64, 5 << 62, 666_666_666_666_666_667, ONE, 1024, ONE), Some(861_773_876_012_753_488)),
        // The crate's doc example ⌊(2/3)^(1/2) × 1000⌋, a zero denominator, a zero base.
        ((2, 3, 1, 2, 0, 1_000), Some(816)),
        ((5, 0, 1, 2, 256, ONE), None),
        ((0, 7, 1, 3, 256, ONE), Some(0)),
    ];
    for ((num, den, exp_num, exp_den, precision, scale), expected) in cases {
        let got = pow_ratio_scaled(num, den, exp_num, exp_den, precision, scale);
        assert_eq!(
            got, expected,
            "({num}/{den})^({exp_num}/{exp_den}) at precision {precision}"
        );
    }
}
