use super::*;
use proptest::prelude::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn terms(principal: i64, annual_bps: i64, months: u32, method: RepaymentMethod) -> ScheduleTerms {
    ScheduleTerms {
        principal: Money::yuan(principal),
        annual_rate: Rate::from_bps(annual_bps),
        term_months: months,
        method,
        start_date: date(2026, 1, 31),
        monthly_fee_rate: Rate::ZERO,
    }
}

fn fen(text: &str) -> Money {
    text.parse().unwrap()
}

#[test]
fn equal_installment_100k_at_4_35_pays_8530_99() {
    let s = generate(&terms(100_000, 435, 12, RepaymentMethod::EqualInstallment)).unwrap();
    let first = s.installments[0];
    assert_eq!(first.due_date, date(2026, 2, 28));
    assert_eq!(first.principal, fen("8168.49"));
    assert_eq!(first.interest, fen("362.50"));
    assert_eq!(first.payment, fen("8530.99"));
    assert_eq!(first.remaining, fen("91831.51"));
    assert!(
        s.installments[..11]
            .iter()
            .all(|i| i.payment == fen("8530.99"))
    );
    assert_eq!(s.installments[2].due_date, date(2026, 4, 30));
    assert_eq!(s.installments[11].due_date, date(2027, 1, 31));
}

#[test]
fn equal_installment_10k_at_12_percent() {
    let s = generate(&terms(10_000, 1200, 12, RepaymentMethod::EqualInstallment)).unwrap();
    assert!(
        s.installments[..11]
            .iter()
            .all(|i| i.payment == fen("888.49"))
    );
    assert_eq!(s.installments[11].payment, fen("888.47"));
    assert_eq!(s.total_interest(), fen("661.86"));
}

#[test]
fn equal_principal_10k_at_12_percent() {
    let s = generate(&terms(10_000, 1200, 12, RepaymentMethod::EqualPrincipal)).unwrap();
    assert_eq!(s.installments[0].payment, fen("933.33"));
    assert_eq!(s.installments[11].payment, fen("841.70"));
    assert_eq!(s.total_interest(), fen("650.00"));
}

#[test]
fn interest_first_pays_principal_last() {
    let s = generate(&terms(10_000, 1200, 6, RepaymentMethod::InterestFirst)).unwrap();
    assert!(
        s.installments[..5]
            .iter()
            .all(|i| i.principal.is_zero() && i.interest == fen("100.00"))
    );
    assert_eq!(s.installments[5].payment, fen("10100.00"));
}

#[test]
fn bullet_is_one_payment_with_all_interest() {
    let s = generate(&terms(10_000, 1200, 6, RepaymentMethod::Bullet)).unwrap();
    assert_eq!(s.installments.len(), 1);
    let only = s.installments[0];
    assert_eq!((only.n, only.due_date), (6, date(2026, 7, 31)));
    assert_eq!(only.period_start, date(2026, 1, 31));
    assert_eq!(only.payment, fen("10600.00"));
}

#[test]
fn flat_fee_charges_a_fixed_fee_on_the_original_principal() {
    let mut t = terms(12_000, 0, 12, RepaymentMethod::FlatFee);
    t.monthly_fee_rate = "0.006".parse().unwrap();
    let s = generate(&t).unwrap();
    assert!(
        s.installments.iter().all(|i| i.fee == fen("72.00")
            && i.interest.is_zero()
            && i.principal == fen("1000.00"))
    );
    t.annual_rate = Rate::from_bps(100);
    assert_eq!(generate(&t), Err(ScheduleError::FlatFeeWithInterest));
}

#[test]
fn zero_rate_works_for_every_method() {
    for method in RepaymentMethod::ALL {
        let s = generate(&terms(1_000, 0, 7, method)).unwrap();
        assert_eq!(s.total_principal(), Money::yuan(1_000), "{method:?}");
        assert!(s.total_interest().is_zero(), "{method:?}");
    }
}

#[test]
fn rejects_bad_terms() {
    let ok = terms(1_000, 1000, 12, RepaymentMethod::EqualInstallment);
    assert!(matches!(
        generate(&ScheduleTerms {
            principal: Money::ZERO,
            ..ok
        }),
        Err(ScheduleError::NonPositivePrincipal(_))
    ));
    assert_eq!(
        generate(&ScheduleTerms {
            term_months: 0,
            ..ok
        }),
        Err(ScheduleError::InvalidTerm(0))
    );
    assert!(matches!(
        generate(&ScheduleTerms {
            annual_rate: Rate::from_bps(-1),
            ..ok
        }),
        Err(ScheduleError::NegativeRate(_))
    ));
    assert!("monthly".parse::<RepaymentMethod>().is_err());
}

fn any_method() -> impl Strategy<Value = RepaymentMethod> {
    proptest::sample::select(RepaymentMethod::ALL.to_vec())
}

prop_compose! {
    pub(crate) fn any_terms()(
        principal in 1_i64..=10_000_000_000,
        annual_bps in 0_i64..=3600,
        term_months in 1_u32..=360,
        method in any_method(),
        fee_bps in 0_i64..=200,
        day in 0_u64..3000,
    ) -> ScheduleTerms {
        let annual_bps = if method == RepaymentMethod::FlatFee { 0 } else { annual_bps };
        ScheduleTerms {
            principal: Money::from_fen(principal),
            annual_rate: Rate::from_bps(annual_bps),
            term_months,
            method,
            start_date: date(2024, 1, 1) + chrono::Days::new(day),
            monthly_fee_rate: Rate::from_bps(fee_bps),
        }
    }
}

proptest! {
    #[test]
    fn principal_parts_sum_to_the_loan_and_balances_stay_non_negative(t in any_terms()) {
        let s = generate(&t).unwrap();
        prop_assert_eq!(s.total_principal(), t.principal);
        let mut remaining = t.principal;
        for (i, inst) in s.installments.iter().enumerate() {
            prop_assert!(!inst.principal.is_negative() && !inst.interest.is_negative());
            prop_assert_eq!(
                inst.payment.fen(),
                inst.principal.fen() + inst.interest.fen() + inst.fee.fen()
            );
            remaining = remaining.checked_sub(inst.principal).unwrap();
            prop_assert_eq!(inst.remaining, remaining);
            prop_assert!(!remaining.is_negative());
            prop_assert!(inst.period_start < inst.due_date);
            if i > 0 {
                prop_assert_eq!(inst.period_start, s.installments[i - 1].due_date);
            }
        }
        prop_assert!(remaining.is_zero());
        let expected = if t.method == RepaymentMethod::Bullet { 1 } else { t.term_months as usize };
        prop_assert_eq!(s.installments.len(), expected);
    }

    #[test]
    fn equal_installments_are_level_but_the_last(t in any_terms()) {
        prop_assume!(t.term_months > 1);
        let t = ScheduleTerms { method: RepaymentMethod::EqualInstallment, ..t };
        let s = generate(&t).unwrap();
        let first = s.installments[0].payment;
        // Every instalment but the last pays the same, unless a tiny loan's
        // rounded instalment used the balance up early.
        for inst in &s.installments[..s.installments.len() - 1] {
            prop_assert!(inst.payment == first || inst.remaining.is_zero(), "{:?}", inst);
        }
    }
}

proptest! {
    #[test]
    fn the_fast_annuity_equals_the_decimal_one(
        balance in 1_i64..=MAX_PRINCIPAL.fen(),
        rate_units in 1_i64..=MAX_ANNUAL_RATE.units(),
        periods in 1_u32..=MAX_TERM_MONTHS,
    ) {
        let balance = Money::from_fen(balance);
        let rate = Rate::from_units(rate_units);
        prop_assert_eq!(annuity_payment(balance, rate, periods), annuity_payment_decimal(balance, rate, periods));
    }

    #[test]
    fn the_fast_annuity_equals_the_decimal_one_for_ordinary_loans(
        balance in 10_000_i64..=500_000_000,
        bps in 1_i64..=3_600,
        periods in 1_u32..=60,
    ) {
        let balance = Money::from_fen(balance);
        let rate = Rate::from_bps(bps);
        prop_assert_eq!(annuity_payment(balance, rate, periods), annuity_payment_decimal(balance, rate, periods));
    }
}
