//! The demo product catalogue: a consumer, an education and a medical loan,
//! and a consumer instalment product priced by a monthly fee.

use kredit_core::calendar::DayCount;
use kredit_core::product::{
    AllocationOrder, LoanProduct, PenaltyRate, PrepaymentPolicy, ProductKind, UpfrontFee,
};
use kredit_core::schedule::RepaymentMethod;
use kredit_core::{Money, Rate};

pub fn products() -> Vec<LoanProduct> {
    let base = |code: &str,
                name: &str,
                kind,
                min_yuan,
                max_yuan,
                terms: (u32, u32),
                rates: (i64, i64),
                methods| LoanProduct {
        code: code.into(),
        name: name.into(),
        kind,
        min_amount: Money::yuan(min_yuan),
        max_amount: Money::yuan(max_yuan),
        min_term_months: terms.0,
        max_term_months: terms.1,
        min_annual_rate: Rate::from_bps(rates.0),
        max_annual_rate: Rate::from_bps(rates.1),
        repayment_methods: methods,
        upfront_fee: UpfrontFee::None,
        monthly_fee_rate: Rate::ZERO,
        penalty_rate: PenaltyRate::default(),
        grace_days: 3,
        allocation: AllocationOrder::default(),
        prepayment: PrepaymentPolicy::default(),
        day_count: DayCount::Actual365,
    };
    use RepaymentMethod::*;
    let consumer = base(
        "CONSUMER",
        "随心贷 Everyday consumer loan",
        ProductKind::Consumer,
        1_000,
        200_000,
        (3, 36),
        (720, 1800),
        vec![EqualInstallment, EqualPrincipal, InterestFirst],
    );
    let education = LoanProduct {
        prepayment: PrepaymentPolicy {
            fee_rate: Rate::ZERO,
            ..PrepaymentPolicy::default()
        },
        ..base(
            "EDUCATION",
            "助学贷 Education loan",
            ProductKind::Education,
            2_000,
            100_000,
            (6, 36),
            (480, 1200),
            vec![EqualInstallment, InterestFirst, Bullet],
        )
    };
    let medical = LoanProduct {
        grace_days: 7,
        day_count: DayCount::Actual360,
        ..base(
            "MEDICAL",
            "医享贷 Medical loan",
            ProductKind::Medical,
            1_000,
            50_000,
            (3, 24),
            (600, 1500),
            vec![EqualInstallment, EqualPrincipal],
        )
    };
    let instalment = LoanProduct {
        monthly_fee_rate: Rate::from_bps(60),
        upfront_fee: UpfrontFee::None,
        penalty_rate: PenaltyRate::Fixed(Rate::from_bps(1800)),
        ..base(
            "INSTALMENT",
            "分期付 Consumer instalments",
            ProductKind::Consumer,
            500,
            30_000,
            (3, 12),
            (0, 0),
            vec![FlatFee],
        )
    };
    vec![consumer, education, medical, instalment]
}

#[cfg(test)]
mod tests {
    use kredit_core::apr::RateCap;

    #[test]
    fn every_demo_product_is_valid_under_the_default_cap() {
        for product in super::products() {
            assert_eq!(
                product.validate(RateCap::default()),
                vec![],
                "{}",
                product.code
            );
        }
    }
}
