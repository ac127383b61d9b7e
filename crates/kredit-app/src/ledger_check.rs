//! `kredit ledger check`: the stored ledger against the stored loans.
//!
//! Three checks, each exact to the fen:
//! 1. debits equal credits over the whole journal;
//! 2. every receivable account and the borrowers' credit balances in the
//!    general ledger equal the sum over all loans of what their states say
//!    (this holds with close-of-business lines aggregated per product);
//! 3. every loan's state equals the replay of its event history from
//!    disbursement, so its per-loan detail is derivable and consistent.

use kredit_core::Money;
use kredit_core::ledger::{Account, Discard};
use kredit_core::loan::LoanTerms;
use kredit_store::{LoanId, Repository, loan_state};

use crate::AppResult;

use crate::servicing;

#[derive(Debug, Default)]
pub struct LedgerReport {
    pub loans_checked: u64,
    pub total_debits: Money,
    pub total_credits: Money,
    /// Empty when the ledger checks out.
    pub problems: Vec<String>,
}

impl LedgerReport {
    pub fn is_consistent(&self) -> bool {
        self.problems.is_empty()
    }
}

/// The accounts whose balances the loans' states determine.
const LOAN_ACCOUNTS: [Account; 5] = [
    Account::PrincipalReceivable,
    Account::InterestReceivable,
    Account::FeeReceivable,
    Account::PenaltyReceivable,
    Account::BorrowerCredit,
];

fn from_loans(loan: &kredit_core::loan::Loan, account: Account) -> i64 {
    let receivables = loan.receivables();
    match account {
        Account::PrincipalReceivable => receivables.principal.fen(),
        Account::InterestReceivable => receivables.interest.fen(),
        Account::FeeReceivable => receivables.fee.fen(),
        Account::PenaltyReceivable => receivables.penalty.fen(),
        _ => loan.credit_balance.fen(),
    }
}

pub async fn check(repository: &dyn Repository) -> AppResult<LedgerReport> {
    let store = repository.lending();
    let mut report = LedgerReport::default();

    let totals = store.trial_balance().await?;
    let debits: i64 = totals.iter().map(|t| t.debits_fen).sum();
    let credits: i64 = totals.iter().map(|t| t.credits_fen).sum();
    report.total_debits = Money::from_fen(debits);
    report.total_credits = Money::from_fen(credits);
    if debits != credits {
        report.problems.push(format!(
            "debits {debits} fen differ from credits {credits} fen"
        ));
    }

    // Close of business has posted through the business date even for
    // loans whose stored state it left behind (quiet days), so the loans
    // are compared as of that date.
    let today = store.business_date().await?;
    let mut expected = [0_i64; LOAN_ACCOUNTS.len()];
    let mut after = LoanId(0);
    loop {
        let page = store.disbursed_loans_after(after, 1000).await?;
        let (Some(first), Some(last)) = (page.first(), page.last()) else {
            break;
        };
        after = last.id;
        // The page's events in one read, by loan.
        let mut page_events = repository
            .import()
            .events_of_loans(first.id, last.id)
            .await?
            .into_iter()
            .peekable();
        for record in page {
            let id = record.id;
            while page_events.next_if(|e| e.loan_id < id).is_some() {}
            let mut events = Vec::new();
            while let Some(event) = page_events.next_if(|e| e.loan_id == id) {
                events.push(event);
            }
            let Some(bytes) = record.state.as_deref() else {
                continue;
            };
            report.loans_checked += 1;
            let decoded = loan_state::decode(bytes)
                .map_err(|error| error.to_string())
                .and_then(|stored| {
                    serde_json::from_str::<LoanTerms>(&record.terms)
                        .map(|terms| (stored, terms))
                        .map_err(|error| error.to_string())
                });
            let (stored, terms) = match decoded {
                Ok(decoded) => decoded,
                Err(error) => {
                    report.problems.push(format!(
                        "loan {id}: its stored state or terms do not decode: {error}"
                    ));
                    continue;
                }
            };
            let mut today_loan = stored.clone();
            if let Some(today) = today {
                today_loan.advance_to(today, &mut Discard);
            }
            for (slot, account) in expected.iter_mut().zip(LOAN_ACCOUNTS) {
                *slot += from_loans(&today_loan, account);
            }
            match servicing::history(terms, &events, stored.as_of) {
                Ok(history) if history.current() == &stored => {}
                Ok(_) => report.problems.push(format!(
                    "loan {id}: its state differs from the replay of its events"
                )),
                Err(error) => report
                    .problems
                    .push(format!("loan {id}: its events do not replay: {error}")),
            }
        }
    }

    for (account, expected) in LOAN_ACCOUNTS.into_iter().zip(expected) {
        let totals = totals.iter().find(|t| t.account == account.name());
        let (d, c) = totals.map_or((0, 0), |t| (t.debits_fen, t.credits_fen));
        let balance = if account == Account::BorrowerCredit {
            c - d
        } else {
            d - c
        };
        if balance != expected {
            report.problems.push(format!(
                "{}: ledger balance {} but the loans say {}",
                account.name(),
                Money::from_fen(balance),
                Money::from_fen(expected)
            ));
        }
    }
    Ok(report)
}
