//! Realistic demo portfolios, fast and reproducible: mixed products,
//! methods, terms, amounts and ages; most borrowers pay on time, some pay
//! late, some prepay, and a few percent stop paying, spread so that every
//! collection bucket from M1 to M7+ is populated. Each loan is built by
//! really servicing it through the core, so its history and ledger are real.

use chrono::{Days, Months, NaiveDate};
use kredit_core::apr::RateCap;
use kredit_core::ledger::Discard;
use kredit_core::loan::{DatedEvent, Loan, LoanEvent, LoanTerms};
use kredit_core::product::{LoanProduct, OfferRequest};
use kredit_core::{Money, Rate};

use crate::rng::SplitMix64;

/// A generated loan: its product (an index into the catalogue), its terms,
/// the events it went through and its state on the portfolio date.
#[derive(Clone, Debug)]
pub struct GeneratedLoan {
    pub product: u32,
    pub terms: LoanTerms,
    pub events: Vec<DatedEvent>,
    pub loan: Loan,
}

/// How a borrower behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Behaviour {
    Prompt,
    Late,
    Prepays,
    /// Pays the first `paid` instalments, then nothing; the next falls due
    /// `dpd` days before the portfolio date.
    Defaults {
        paid: u32,
        dpd: u64,
    },
}

const TYPICAL_AMOUNTS_YUAN: [i64; 14] = [
    1_000, 2_000, 3_000, 5_000, 8_000, 10_000, 15_000, 20_000, 30_000, 50_000, 80_000, 100_000,
    150_000, 200_000,
];
const TYPICAL_TERMS: [u32; 7] = [3, 6, 9, 12, 18, 24, 36];
/// Days past due the defaulting borrowers are spread over: every bucket.
const DEFAULT_DPD: [u64; 9] = [5, 45, 75, 105, 135, 165, 200, 300, 420];

/// Loan `index` of the portfolio with `seed` on `as_of`: the same inputs
/// always give the same loan, so portfolios can be built in parallel.
pub fn generate_loan(
    products: &[LoanProduct],
    seed: u64,
    index: u64,
    as_of: NaiveDate,
) -> GeneratedLoan {
    let mut rng = SplitMix64::new(seed ^ index.wrapping_mul(0xA24B_AED4_963E_E407));
    let product_index = match rng.below(100) {
        0..=59 => 0,
        60..=74 => 1,
        75..=89 => 2,
        _ => 3,
    } % products.len();
    let product = &products[product_index];
    let method = *rng.pick(&product.repayment_methods);
    let terms_allowed: Vec<u32> = TYPICAL_TERMS
        .iter()
        .copied()
        .filter(|t| (product.min_term_months..=product.max_term_months).contains(t))
        .collect();
    let term = *rng.pick(&terms_allowed);
    let amounts: Vec<Money> = TYPICAL_AMOUNTS_YUAN
        .iter()
        .map(|&y| Money::yuan(y))
        .filter(|a| (product.min_amount..=product.max_amount).contains(a))
        .collect();
    // Smaller loans are more common: pick from the lower part more often.
    let amount = amounts[(rng.below(amounts.len() as u64) * rng.below(amounts.len() as u64)
        / amounts.len() as u64) as usize];
    let span_bps = (product.max_annual_rate.units() - product.min_annual_rate.units())
        / Rate::from_bps(1).units();
    let rate = Rate::from_units(
        product.min_annual_rate.units()
            + Rate::from_bps(rng.below(span_bps as u64 + 1) as i64).units(),
    );

    let behaviour = match rng.below(1000) {
        0..=899 => Behaviour::Prompt,
        900..=939 => Behaviour::Late,
        940..=949 => Behaviour::Prepays,
        _ => Behaviour::Defaults {
            paid: rng.below(term as u64) as u32,
            dpd: *rng.pick(&DEFAULT_DPD),
        },
    };
    let start_date = match behaviour {
        Behaviour::Defaults { paid, dpd } => {
            // The first unpaid instalment (number paid + 1) falls due `dpd` days ago.
            let missed_due = as_of - Days::new(dpd);
            missed_due - Months::new(paid + 1)
        }
        _ => as_of - Days::new(1 + rng.below(term as u64 * 30)),
    };
    let request = OfferRequest {
        amount,
        term_months: term,
        method,
        start_date,
    };
    let quote = product
        .quote(&request, rate, RateCap::default())
        .or_else(|_| product.quote(&request, product.min_annual_rate, RateCap::default()))
        .expect("demo products quote their minimum rate");
    let terms = LoanTerms::from_quote(
        product,
        &quote,
        product.schedule_terms(&request, quote.annual_rate),
    );
    let (loan, events) = live_through(terms.clone(), behaviour, as_of, &mut rng);
    GeneratedLoan {
        product: product_index as u32,
        terms,
        events,
        loan,
    }
}

/// Services the loan from disbursement to `as_of` as the borrower behaves.
fn live_through(
    terms: LoanTerms,
    behaviour: Behaviour,
    as_of: NaiveDate,
    rng: &mut SplitMix64,
) -> (Loan, Vec<DatedEvent>) {
    let mut loan = Loan::disburse(terms, &mut Discard).expect("quoted terms disburse");
    let mut events = Vec::new();
    let mut record = |loan: &mut Loan, date: NaiveDate, event: LoanEvent| {
        let dated = DatedEvent {
            id: events.len() as u64 + 1,
            date,
            event,
        };
        if loan.apply(&dated, &mut Discard).is_ok() {
            events.push(dated);
        }
    };
    let due_dates: Vec<NaiveDate> = loan.installments.iter().map(|i| i.due_date).collect();
    let prepay_at =
        (behaviour == Behaviour::Prepays).then(|| rng.below(due_dates.len() as u64) as usize);
    for (k, due) in due_dates.into_iter().enumerate() {
        if let Behaviour::Defaults { paid, .. } = behaviour
            && k as u32 >= paid
        {
            break;
        }
        if prepay_at == Some(k) {
            let date = due - Days::new(1 + rng.below(20));
            if date > loan.as_of
                && date <= as_of
                && let Ok(quote) = loan.payoff_quote(date)
            {
                record(
                    &mut loan,
                    date,
                    LoanEvent::Payoff {
                        amount: quote.amount,
                    },
                );
            }
            break;
        }
        let pay_on = if behaviour == Behaviour::Late {
            due + Days::new(1 + rng.below(25))
        } else {
            due
        };
        if pay_on > as_of {
            break;
        }
        loan.advance_to(pay_on, &mut Discard);
        let amount = loan.amount_due();
        if amount.is_positive() {
            record(&mut loan, pay_on, LoanEvent::Repayment { amount });
        }
    }
    loan.advance_to(as_of, &mut Discard);
    (loan, events)
}

/// A whole portfolio of `count` loans, built on every core.
pub fn generate(
    products: &[LoanProduct],
    count: usize,
    seed: u64,
    as_of: NaiveDate,
) -> Vec<GeneratedLoan> {
    crate::cob::in_parallel(count, |range| {
        range
            .map(|i| generate_loan(products, seed, i as u64, as_of))
            .collect::<Vec<_>>()
    })
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kredit_core::delinquency::Bucket;

    fn as_of() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn the_same_seed_gives_the_same_portfolio() {
        let products = crate::demo::products();
        let a = generate(&products, 200, 7, as_of());
        let b = generate(&products, 200, 7, as_of());
        assert!(
            a.iter()
                .zip(&b)
                .all(|(x, y)| x.loan == y.loan && x.events == y.events)
        );
        assert_ne!(a[0].loan, generate(&products, 1, 8, as_of())[0].loan);
    }

    #[test]
    fn a_portfolio_mixes_products_methods_and_every_bucket() {
        let products = crate::demo::products();
        let portfolio = generate(&products, 3_000, 42, as_of());
        for product in 0..products.len() as u32 {
            assert!(
                portfolio.iter().any(|g| g.product == product),
                "product {product}"
            );
        }
        for method in kredit_core::schedule::RepaymentMethod::ALL {
            assert!(
                portfolio.iter().any(|g| g.terms.schedule.method == method),
                "{method:?}"
            );
        }
        for bucket in Bucket::ALL {
            assert!(
                portfolio
                    .iter()
                    .any(|g| Bucket::from_dpd(g.loan.dpd()) == bucket),
                "{bucket:?}"
            );
        }
        let in_arrears = portfolio.iter().filter(|g| g.loan.dpd() > 0).count();
        assert!(
            (60..=300).contains(&in_arrears),
            "{in_arrears} of 3000 in arrears"
        );
    }

    #[test]
    fn every_generated_loan_equals_the_replay_of_its_events() {
        let products = crate::demo::products();
        for g in generate(&products, 300, 3, as_of()) {
            let replayed = kredit_core::loan::LoanHistory::replay(
                g.terms.clone(),
                &g.events,
                as_of(),
                &mut Discard,
            )
            .unwrap();
            assert_eq!(replayed, g.loan);
        }
    }
}
