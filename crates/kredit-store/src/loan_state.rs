//! How a loan's servicing state (the core [`Loan`]) is stored in
//! `loans.state`. One place, so the encoding can change behind a version
//! byte without touching the queries.

use kredit_core::loan::Loan;

/// Version 1: the serde JSON of [`Loan`].
const JSON_V1: u8 = 1;

#[derive(Debug, thiserror::Error)]
pub enum LoanStateError {
    #[error("empty loan state")]
    Empty,
    #[error("unknown loan-state encoding {0}")]
    UnknownEncoding(u8),
    #[error("corrupt loan state: {0}")]
    Corrupt(#[from] serde_json::Error),
}

#[must_use]
pub fn encode(loan: &Loan) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(2048);
    bytes.push(JSON_V1);
    serde_json::to_writer(&mut bytes, loan).expect("a Loan always serialises");
    bytes
}

pub fn decode(bytes: &[u8]) -> Result<Loan, LoanStateError> {
    match bytes.split_first() {
        None => Err(LoanStateError::Empty),
        Some((&JSON_V1, json)) => Ok(serde_json::from_slice(json)?),
        Some((&other, _)) => Err(LoanStateError::UnknownEncoding(other)),
    }
}
