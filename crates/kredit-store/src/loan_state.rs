//! How a loan's servicing state (the core [`Loan`]) is stored in
//! `loans.state`. One place, so the encoding can change behind a version
//! byte without touching the queries.
//!
//! - Version 1: the serde JSON of [`Loan`] (still decoded).
//! - Version 2 (written now): a compact binary form. Integers are LEB128
//!   varints (signed ones zig-zag), dates are days since 0001-01-01 and the
//!   instalment dates are stored as differences from the previous date, so a
//!   12-instalment loan takes about 300 bytes instead of about 5 KB of JSON,
//!   and decodes roughly thirty times faster (close of business reads every
//!   loan every day).
//!
//! A stored state may lag the business date: close of business rewrites a
//! loan only when something other than plain interest accrual happened to it
//! (see docs/close-of-business.md). [`decode_at`] brings a state to the
//! business date; every posting up to that date is already in the ledger.

use chrono::{Datelike, NaiveDate};
use kredit_core::calendar::DayCount;
use kredit_core::ledger::Discard;
use kredit_core::loan::{InstallmentState, Loan, LoanStatus, LoanTerms, Parts};
use kredit_core::product::{AllocationOrder, Component, PrepaymentPolicy};
use kredit_core::schedule::{RepaymentMethod, ScheduleTerms};
use kredit_core::{Money, Rate};

/// Version 1: the serde JSON of [`Loan`].
const JSON_V1: u8 = 1;
/// Version 2: the compact binary form described in the module docs.
const BINARY_V2: u8 = 2;

#[derive(Debug, thiserror::Error)]
pub enum LoanStateError {
    #[error("empty loan state")]
    Empty,
    #[error("unknown loan-state encoding {0}")]
    UnknownEncoding(u8),
    #[error("corrupt loan state: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("corrupt binary loan state: {0}")]
    CorruptBinary(&'static str),
}

/// The current encoding (version 2).
#[must_use]
pub fn encode(loan: &Loan) -> Vec<u8> {
    let mut out = Vec::with_capacity(64 + loan.installments.len() * 24);
    out.push(BINARY_V2);
    write_loan(&mut out, loan);
    out
}

/// The version-1 JSON encoding, kept for tests and for comparing sizes.
#[must_use]
pub fn encode_json(loan: &Loan) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(2048);
    bytes.push(JSON_V1);
    serde_json::to_writer(&mut bytes, loan).expect("a Loan always serialises");
    bytes
}

pub fn decode(bytes: &[u8]) -> Result<Loan, LoanStateError> {
    match bytes.split_first() {
        None => Err(LoanStateError::Empty),
        Some((&JSON_V1, json)) => Ok(serde_json::from_slice(json)?),
        Some((&BINARY_V2, binary)) => {
            let mut reader = Reader { bytes: binary };
            let loan = read_loan(&mut reader)?;
            if !reader.bytes.is_empty() {
                return Err(LoanStateError::CorruptBinary("trailing bytes"));
            }
            Ok(loan)
        }
        Some((&other, _)) => Err(LoanStateError::UnknownEncoding(other)),
    }
}

/// Decodes a stored state and brings it to `business_date` without posting:
/// close of business has already posted everything up to that date. A state
/// already at or past the date is returned as stored.
pub fn decode_at(bytes: &[u8], business_date: NaiveDate) -> Result<Loan, LoanStateError> {
    let mut loan = decode(bytes)?;
    loan.advance_to(business_date, &mut Discard);
    Ok(loan)
}

// ---------------------------------------------------------------- writing

fn put_u64(out: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        out.push((value as u8) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn put_i64(out: &mut Vec<u8>, value: i64) {
    put_u64(out, ((value << 1) ^ (value >> 63)) as u64);
}

fn day_number(date: NaiveDate) -> i64 {
    i64::from(date.num_days_from_ce())
}

fn put_money(out: &mut Vec<u8>, money: Money) {
    put_i64(out, money.fen());
}

fn put_parts(out: &mut Vec<u8>, parts: &Parts) {
    put_money(out, parts.penalty);
    put_money(out, parts.fee);
    put_money(out, parts.interest);
    put_money(out, parts.principal);
}

fn method_code(method: RepaymentMethod) -> u8 {
    match method {
        RepaymentMethod::EqualInstallment => 0,
        RepaymentMethod::EqualPrincipal => 1,
        RepaymentMethod::InterestFirst => 2,
        RepaymentMethod::Bullet => 3,
        RepaymentMethod::FlatFee => 4,
    }
}

fn component_code(component: Component) -> u8 {
    match component {
        Component::Penalty => 0,
        Component::Fee => 1,
        Component::Interest => 2,
        Component::Principal => 3,
    }
}

fn day_count_code(day_count: DayCount) -> u8 {
    match day_count {
        DayCount::Actual360 => 0,
        DayCount::Actual365 => 1,
        DayCount::ActualActual => 2,
        DayCount::Thirty360 => 3,
    }
}

fn status_code(status: LoanStatus) -> u8 {
    match status {
        LoanStatus::Active => 0,
        LoanStatus::PaidOff => 1,
        LoanStatus::WrittenOff => 2,
        // Never a serviced loan's, but encodable all the same.
        LoanStatus::PendingDisbursement => 3,
        LoanStatus::DisbursementFailed => 4,
    }
}

fn write_loan(out: &mut Vec<u8>, loan: &Loan) {
    let terms = &loan.terms;
    let schedule = &terms.schedule;
    put_money(out, schedule.principal);
    put_i64(out, schedule.annual_rate.units());
    put_u64(out, u64::from(schedule.term_months));
    out.push(method_code(schedule.method));
    let start = day_number(schedule.start_date);
    put_i64(out, start);
    put_i64(out, schedule.monthly_fee_rate.units());
    put_money(out, terms.upfront_fee);
    put_i64(out, terms.penalty_annual_rate.units());
    put_u64(out, u64::from(terms.grace_days));
    for component in terms.allocation.components {
        out.push(component_code(component));
    }
    out.push(u8::from(terms.allocation.installment_first));
    out.push(u8::from(terms.prepayment.allowed));
    put_u64(out, u64::from(terms.prepayment.lock_in_months));
    put_i64(out, terms.prepayment.fee_rate.units());
    out.push(u8::from(terms.prepayment.full_period_interest));
    out.push(day_count_code(terms.day_count));

    put_i64(out, day_number(loan.as_of) - start);
    out.push(status_code(loan.status));
    put_money(out, loan.credit_balance);
    put_money(out, loan.principal_prepaid);
    put_parts(out, &loan.written_off);
    put_money(out, loan.level);

    put_u64(out, loan.installments.len() as u64);
    let mut previous = start;
    for inst in &loan.installments {
        put_u64(out, u64::from(inst.n));
        let period_start = day_number(inst.period_start);
        let due = day_number(inst.due_date);
        put_i64(out, period_start - previous);
        put_i64(out, due - period_start);
        put_parts(out, &inst.owed);
        put_parts(out, &inst.paid);
        put_money(out, inst.interest_accrued);
        out.push(u8::from(inst.fee_charged));
        put_money(out, inst.pending_penalty);
        put_i64(out, day_number(inst.accrual_anchor) - period_start);
        put_money(out, inst.accrued_at_anchor);
        previous = due;
    }
}

// ---------------------------------------------------------------- reading

struct Reader<'a> {
    bytes: &'a [u8],
}

type Read<T> = Result<T, LoanStateError>;

impl Reader<'_> {
    fn byte(&mut self) -> Read<u8> {
        let (&first, rest) = self
            .bytes
            .split_first()
            .ok_or(LoanStateError::CorruptBinary("truncated"))?;
        self.bytes = rest;
        Ok(first)
    }

    fn u64(&mut self) -> Read<u64> {
        let mut value = 0_u64;
        let mut shift = 0;
        loop {
            let byte = self.byte()?;
            if shift > 63 {
                return Err(LoanStateError::CorruptBinary("varint too long"));
            }
            value |= u64::from(byte & 0x7f) << shift;
            if byte < 0x80 {
                return Ok(value);
            }
            shift += 7;
        }
    }

    fn i64(&mut self) -> Read<i64> {
        let raw = self.u64()?;
        Ok(((raw >> 1) as i64) ^ -((raw & 1) as i64))
    }

    fn u32(&mut self) -> Read<u32> {
        u32::try_from(self.u64()?).map_err(|_| LoanStateError::CorruptBinary("u32 out of range"))
    }

    fn bool(&mut self) -> Read<bool> {
        match self.byte()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(LoanStateError::CorruptBinary("bad boolean")),
        }
    }

    fn money(&mut self) -> Read<Money> {
        Ok(Money::from_fen(self.i64()?))
    }

    fn rate(&mut self) -> Read<Rate> {
        Ok(Rate::from_units(self.i64()?))
    }

    fn date(&mut self, base: i64) -> Read<NaiveDate> {
        let day = base
            .checked_add(self.i64()?)
            .and_then(|d| i32::try_from(d).ok())
            .ok_or(LoanStateError::CorruptBinary("date out of range"))?;
        NaiveDate::from_num_days_from_ce_opt(day)
            .ok_or(LoanStateError::CorruptBinary("date out of range"))
    }

    fn parts(&mut self) -> Read<Parts> {
        Ok(Parts {
            penalty: self.money()?,
            fee: self.money()?,
            interest: self.money()?,
            principal: self.money()?,
        })
    }

    fn method(&mut self) -> Read<RepaymentMethod> {
        let code = self.byte()?;
        RepaymentMethod::ALL
            .into_iter()
            .find(|m| method_code(*m) == code)
            .ok_or(LoanStateError::CorruptBinary("unknown method"))
    }

    fn component(&mut self) -> Read<Component> {
        match self.byte()? {
            0 => Ok(Component::Penalty),
            1 => Ok(Component::Fee),
            2 => Ok(Component::Interest),
            3 => Ok(Component::Principal),
            _ => Err(LoanStateError::CorruptBinary("unknown component")),
        }
    }

    fn day_count(&mut self) -> Read<DayCount> {
        match self.byte()? {
            0 => Ok(DayCount::Actual360),
            1 => Ok(DayCount::Actual365),
            2 => Ok(DayCount::ActualActual),
            3 => Ok(DayCount::Thirty360),
            _ => Err(LoanStateError::CorruptBinary("unknown day count")),
        }
    }

    fn status(&mut self) -> Read<LoanStatus> {
        match self.byte()? {
            0 => Ok(LoanStatus::Active),
            1 => Ok(LoanStatus::PaidOff),
            2 => Ok(LoanStatus::WrittenOff),
            3 => Ok(LoanStatus::PendingDisbursement),
            4 => Ok(LoanStatus::DisbursementFailed),
            _ => Err(LoanStateError::CorruptBinary("unknown status")),
        }
    }
}

fn read_loan(r: &mut Reader<'_>) -> Read<Loan> {
    let principal = r.money()?;
    let annual_rate = r.rate()?;
    let term_months = r.u32()?;
    let method = r.method()?;
    let start_date = r.date(0)?;
    let start = day_number(start_date);
    let monthly_fee_rate = r.rate()?;
    let upfront_fee = r.money()?;
    let penalty_annual_rate = r.rate()?;
    let grace_days = r.u32()?;
    let components = [
        r.component()?,
        r.component()?,
        r.component()?,
        r.component()?,
    ];
    let installment_first = r.bool()?;
    let prepayment = PrepaymentPolicy {
        allowed: r.bool()?,
        lock_in_months: r.u32()?,
        fee_rate: r.rate()?,
        full_period_interest: r.bool()?,
    };
    let day_count = r.day_count()?;
    let terms = LoanTerms {
        schedule: ScheduleTerms {
            principal,
            annual_rate,
            term_months,
            method,
            start_date,
            monthly_fee_rate,
        },
        upfront_fee,
        penalty_annual_rate,
        grace_days,
        allocation: AllocationOrder {
            components,
            installment_first,
        },
        prepayment,
        day_count,
    };
    let as_of = r.date(start)?;
    let status = r.status()?;
    let credit_balance = r.money()?;
    let principal_prepaid = r.money()?;
    let written_off = r.parts()?;
    let level = r.money()?;
    let count = r.u64()?;
    if count > r.bytes.len() as u64 {
        return Err(LoanStateError::CorruptBinary("instalment count too large"));
    }
    let mut installments = Vec::with_capacity(count as usize);
    let mut previous = start;
    for _ in 0..count {
        let n = r.u32()?;
        let period_start = r.date(previous)?;
        let period = day_number(period_start);
        let due_date = r.date(period)?;
        let owed = r.parts()?;
        let paid = r.parts()?;
        let interest_accrued = r.money()?;
        let fee_charged = r.bool()?;
        let pending_penalty = r.money()?;
        let accrual_anchor = r.date(period)?;
        let accrued_at_anchor = r.money()?;
        previous = day_number(due_date);
        installments.push(InstallmentState {
            n,
            period_start,
            due_date,
            owed,
            paid,
            interest_accrued,
            fee_charged,
            pending_penalty,
            accrual_anchor,
            accrued_at_anchor,
        });
    }
    Ok(Loan {
        terms,
        installments,
        as_of,
        status,
        credit_balance,
        principal_prepaid,
        written_off,
        level,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loan() -> Loan {
        use kredit_core::ledger::Discard;
        use kredit_core::schedule::ScheduleTerms;
        let start = NaiveDate::from_ymd_opt(2026, 1, 31).unwrap();
        let terms = LoanTerms {
            schedule: ScheduleTerms {
                principal: Money::yuan(12_000),
                annual_rate: Rate::from_bps(1200),
                term_months: 12,
                method: RepaymentMethod::EqualInstallment,
                start_date: start,
                monthly_fee_rate: Rate::ZERO,
            },
            upfront_fee: Money::ZERO,
            penalty_annual_rate: Rate::from_bps(1800),
            grace_days: 3,
            allocation: AllocationOrder::default(),
            prepayment: PrepaymentPolicy::default(),
            day_count: DayCount::Actual365,
        };
        let mut loan = Loan::disburse(terms, &mut Discard).unwrap();
        loan.advance_to(NaiveDate::from_ymd_opt(2026, 5, 20).unwrap(), &mut Discard);
        loan
    }

    #[test]
    fn binary_round_trips_and_is_small() {
        let loan = loan();
        let binary = encode(&loan);
        let json = encode_json(&loan);
        assert_eq!(binary[0], BINARY_V2);
        assert_eq!(decode(&binary).unwrap(), loan);
        assert_eq!(decode(&json).unwrap(), loan);
        assert!(
            binary.len() * 8 < json.len(),
            "{} vs {}",
            binary.len(),
            json.len()
        );
    }

    #[test]
    fn corrupt_states_are_errors_not_panics() {
        let binary = encode(&loan());
        for cut in 0..binary.len() {
            assert!(decode(&binary[..cut]).is_err(), "cut at {cut}");
        }
        let mut extra = binary.clone();
        extra.push(0);
        assert!(decode(&extra).is_err());
        assert!(matches!(
            decode(&[9, 1, 2]),
            Err(LoanStateError::UnknownEncoding(9))
        ));
    }

    #[test]
    fn decode_at_brings_a_state_to_the_business_date() {
        let loan = loan();
        let later = loan.as_of + chrono::Days::new(40);
        let mut expected = loan.clone();
        expected.advance_to(later, &mut Vec::new());
        assert_eq!(decode_at(&encode(&loan), later).unwrap(), expected);
    }
}
