//! The double-entry ledger. Every money movement is a [`Posting`]: one amount
//! debited to one account and credited to another, so debits equal credits by
//! construction, event by event. Balances are kept signed (debit positive) and
//! shown on each account's normal side.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::money::Money;

/// The chart of accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Account {
    Bank,
    PrincipalReceivable,
    InterestReceivable,
    FeeReceivable,
    PenaltyReceivable,
    InterestIncome,
    FeeIncome,
    PenaltyIncome,
    BorrowerCredit,
    WriteOffExpense,
    Suspense,
    /// The counterpart of balances taken over from another system.
    MigrationClearing,
}

/// Whether an account normally carries a debit or a credit balance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    Debit,
    Credit,
}

impl Account {
    pub const ALL: [Account; 12] = [
        Account::Bank,
        Account::PrincipalReceivable,
        Account::InterestReceivable,
        Account::FeeReceivable,
        Account::PenaltyReceivable,
        Account::InterestIncome,
        Account::FeeIncome,
        Account::PenaltyIncome,
        Account::BorrowerCredit,
        Account::WriteOffExpense,
        Account::Suspense,
        Account::MigrationClearing,
    ];

    /// Chart-of-accounts code, as Chinese lenders number their ledgers
    /// (1xxx assets, 2xxx liabilities, 6xxx income and expense).
    pub fn code(self) -> &'static str {
        match self {
            Account::Bank => "1002",
            Account::PrincipalReceivable => "1301",
            Account::InterestReceivable => "1132",
            Account::FeeReceivable => "1133",
            Account::PenaltyReceivable => "1134",
            Account::InterestIncome => "6011",
            Account::FeeIncome => "6021",
            Account::PenaltyIncome => "6012",
            Account::BorrowerCredit => "2241",
            Account::WriteOffExpense => "6701",
            Account::Suspense => "2599",
            Account::MigrationClearing => "2999",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Account::Bank => "bank",
            Account::PrincipalReceivable => "principal_receivable",
            Account::InterestReceivable => "interest_receivable",
            Account::FeeReceivable => "fee_receivable",
            Account::PenaltyReceivable => "penalty_receivable",
            Account::InterestIncome => "interest_income",
            Account::FeeIncome => "fee_income",
            Account::PenaltyIncome => "penalty_income",
            Account::BorrowerCredit => "borrower_credit",
            Account::WriteOffExpense => "write_off_expense",
            Account::Suspense => "suspense",
            Account::MigrationClearing => "migration_clearing",
        }
    }

    pub fn normal_side(self) -> Side {
        match self {
            Account::Bank
            | Account::PrincipalReceivable
            | Account::InterestReceivable
            | Account::FeeReceivable
            | Account::PenaltyReceivable
            | Account::WriteOffExpense => Side::Debit,
            Account::InterestIncome
            | Account::FeeIncome
            | Account::PenaltyIncome
            | Account::BorrowerCredit
            | Account::Suspense
            | Account::MigrationClearing => Side::Credit,
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl std::str::FromStr for Account {
    type Err = String;

    fn from_str(name: &str) -> Result<Account, String> {
        Account::ALL
            .into_iter()
            .find(|a| a.name() == name)
            .ok_or_else(|| format!("unknown account '{name}'"))
    }
}

/// Why a posting was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Disbursement,
    InterestAccrual,
    FeeCharge,
    PenaltyAccrual,
    Repayment,
    CreditApplied,
    Prepayment,
    Payoff,
    CreditRefund,
    WriteOff,
    Reversal,
    OpeningBalance,
}

/// One amount moved from one account to another. `amount` is positive.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    pub date: NaiveDate,
    pub kind: EntryKind,
    pub debit: Account,
    pub credit: Account,
    pub amount: Money,
}

/// Where postings go: a vector for tests and storage, an aggregating sink for
/// close of business, or nothing when only the state is wanted.
pub trait PostingSink {
    fn post(&mut self, posting: Posting);

    /// Whether postings must be dated day by day. A sink that ignores dates
    /// lets a loan cross days on which only interest accrues in one step,
    /// with the same state and the same totals.
    fn needs_daily_postings(&self) -> bool {
        true
    }
}

impl PostingSink for Vec<Posting> {
    fn post(&mut self, posting: Posting) {
        self.push(posting);
    }
}

/// Discards postings: for quotes and what-if calculations.
pub struct Discard;

impl PostingSink for Discard {
    fn post(&mut self, _: Posting) {}

    fn needs_daily_postings(&self) -> bool {
        false
    }
}

/// Signed balances of every account (debit positive).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balances {
    signed: [i64; Account::ALL.len()],
}

impl Balances {
    pub fn of(postings: &[Posting]) -> Balances {
        let mut balances = Balances::default();
        for posting in postings {
            balances.post(*posting);
        }
        balances
    }

    /// The balance on the account's normal side: a receivable of 100 is 100,
    /// income of 100 is 100.
    pub fn balance(&self, account: Account) -> Money {
        let signed = self.signed[account.index()];
        Money::from_fen(match account.normal_side() {
            Side::Debit => signed,
            Side::Credit => -signed,
        })
    }

    /// Sum of every signed balance: zero exactly when debits equal credits.
    pub fn imbalance(&self) -> i128 {
        self.signed.iter().map(|&b| b as i128).sum()
    }

    /// `self − other`, account by account.
    pub fn minus(&self, other: &Balances) -> Balances {
        let mut out = *self;
        for (mine, theirs) in out.signed.iter_mut().zip(other.signed) {
            *mine -= theirs;
        }
        out
    }

    /// Postings that move a ledger by exactly these (balanced) differences:
    /// each debit difference paired with credit differences, largest first.
    pub fn as_postings(&self, date: NaiveDate, kind: EntryKind) -> Vec<Posting> {
        debug_assert_eq!(
            self.imbalance(),
            0,
            "only balanced differences can be posted"
        );
        let mut debits: Vec<(Account, i64)> = Vec::new();
        let mut credits: Vec<(Account, i64)> = Vec::new();
        for account in Account::ALL {
            let signed = self.signed[account.index()];
            if signed > 0 {
                debits.push((account, signed));
            } else if signed < 0 {
                credits.push((account, -signed));
            }
        }
        let mut postings = Vec::new();
        let (mut d, mut c) = (0, 0);
        while d < debits.len() && c < credits.len() {
            let amount = debits[d].1.min(credits[c].1);
            postings.push(Posting {
                date,
                kind,
                debit: debits[d].0,
                credit: credits[c].0,
                amount: Money::from_fen(amount),
            });
            debits[d].1 -= amount;
            credits[c].1 -= amount;
            if debits[d].1 == 0 {
                d += 1;
            }
            if credits[c].1 == 0 {
                c += 1;
            }
        }
        postings
    }
}

impl PostingSink for Balances {
    fn post(&mut self, posting: Posting) {
        let fen = posting.amount.fen();
        self.signed[posting.debit.index()] += fen;
        self.signed[posting.credit.index()] -= fen;
    }

    fn needs_daily_postings(&self) -> bool {
        false
    }
}

/// What a general-ledger line is summed by: the book (e.g. a product), the
/// day, why, and the two accounts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct GlKey {
    pub book: u32,
    pub date: NaiveDate,
    pub kind: EntryKind,
    pub debit: Account,
    pub credit: Account,
}

/// Postings summed into general-ledger lines: close of business posts one
/// line per book, day, kind and account pair instead of one per loan. The
/// per-loan detail stays derivable by replaying a loan's history.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GlAggregate {
    lines: std::collections::HashMap<GlKey, i64>,
}

impl GlAggregate {
    /// A sink that adds postings to this aggregate under `book`.
    pub fn book(&mut self, book: u32) -> BookSink<'_> {
        BookSink {
            aggregate: self,
            book,
        }
    }

    /// Adds another aggregate's lines into this one.
    pub fn merge(&mut self, other: GlAggregate) {
        for (key, fen) in other.lines {
            *self.lines.entry(key).or_insert(0) += fen;
        }
    }

    /// The lines, in key order, as postings tagged with their book.
    pub fn lines(&self) -> Vec<(u32, Posting)> {
        let mut keys: Vec<&GlKey> = self.lines.keys().collect();
        keys.sort();
        keys.into_iter()
            .map(|key| {
                let posting = Posting {
                    date: key.date,
                    kind: key.kind,
                    debit: key.debit,
                    credit: key.credit,
                    amount: Money::from_fen(self.lines[key]),
                };
                (key.book, posting)
            })
            .collect()
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}

/// Adds postings to a [`GlAggregate`] under one book.
pub struct BookSink<'a> {
    aggregate: &'a mut GlAggregate,
    book: u32,
}

impl PostingSink for BookSink<'_> {
    fn post(&mut self, posting: Posting) {
        let key = GlKey {
            book: self.book,
            date: posting.date,
            kind: posting.kind,
            debit: posting.debit,
            credit: posting.credit,
        };
        *self.aggregate.lines.entry(key).or_insert(0) += posting.amount.fen();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 1).unwrap()
    }

    #[test]
    fn balances_show_normal_sides() {
        let b = Balances::of(&[Posting {
            date: day(),
            kind: EntryKind::InterestAccrual,
            debit: Account::InterestReceivable,
            credit: Account::InterestIncome,
            amount: Money::from_fen(36_250),
        }]);
        assert_eq!(
            b.balance(Account::InterestReceivable),
            Money::from_fen(36_250)
        );
        assert_eq!(b.balance(Account::InterestIncome), Money::from_fen(36_250));
        assert_eq!(b.imbalance(), 0);
    }

    #[test]
    fn account_names_round_trip() {
        for account in Account::ALL {
            assert_eq!(account.name().parse::<Account>(), Ok(account));
        }
    }

    #[test]
    fn aggregates_sum_per_book_day_kind_and_accounts() {
        let accrual = |fen| Posting {
            date: day(),
            kind: EntryKind::InterestAccrual,
            debit: Account::InterestReceivable,
            credit: Account::InterestIncome,
            amount: Money::from_fen(fen),
        };
        let mut gl = GlAggregate::default();
        gl.book(1).post(accrual(10));
        gl.book(1).post(accrual(5));
        let mut other = GlAggregate::default();
        other.book(2).post(accrual(7));
        other.book(1).post(accrual(1));
        gl.merge(other);
        let lines = gl.lines();
        assert_eq!(lines.len(), 2);
        assert_eq!((lines[0].0, lines[0].1.amount), (1, Money::from_fen(16)));
        assert_eq!((lines[1].0, lines[1].1.amount), (2, Money::from_fen(7)));
    }

    fn any_account() -> impl Strategy<Value = Account> {
        proptest::sample::select(Account::ALL.to_vec())
    }

    proptest! {
        #[test]
        fn differences_post_back_exactly(
            before in proptest::collection::vec((any_account(), any_account(), 1_i64..1_000_000), 0..40),
            after in proptest::collection::vec((any_account(), any_account(), 1_i64..1_000_000), 0..40),
        ) {
            let to_postings = |v: &[(Account, Account, i64)]| -> Vec<Posting> {
                v.iter().map(|&(debit, credit, fen)| Posting {
                    date: day(), kind: EntryKind::Repayment, debit, credit, amount: Money::from_fen(fen),
                }).collect()
            };
            let old = Balances::of(&to_postings(&before));
            let new = Balances::of(&to_postings(&after));
            prop_assert_eq!(old.imbalance(), 0);
            let mut adjusted = old;
            for posting in new.minus(&old).as_postings(day(), EntryKind::Reversal) {
                prop_assert!(posting.amount.is_positive());
                adjusted.post(posting);
            }
            prop_assert_eq!(adjusted, new);
        }
    }
}
