//! Borrower feedback (意见反馈): what kind it is and whether staff have
//! answered it.

use crate::lifecycle::string_enum;

string_enum! {
    /// What a borrower's feedback is.
    pub enum FeedbackCategory ("feedback category") {
        Question = "question",
        Complaint = "complaint",
        Suggestion = "suggestion",
    }
}

string_enum! {
    /// Whether staff have answered it (once).
    pub enum FeedbackStatus ("feedback status") {
        Open = "open",
        Answered = "answered",
    }
}
