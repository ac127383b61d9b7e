//! Where the request being served came from, for the audit rows it writes.
//!
//! The HTTP layer runs each request inside [`with_client_address`]; every
//! audit entry inserted from that task records the address without each use
//! case passing it down. Work outside a request (the CLI, background loops,
//! tasks spawned off a request) records none.

use std::future::Future;

tokio::task_local! {
    static CLIENT_ADDRESS: String;
}

/// Runs `future` with `address` as the client address of its audit rows.
pub async fn with_client_address<F: Future>(address: String, future: F) -> F::Output {
    CLIENT_ADDRESS.scope(address, future).await
}

/// The client address of the request this task serves, if any.
#[must_use]
pub fn client_address() -> Option<String> {
    CLIENT_ADDRESS.try_with(Clone::clone).ok()
}
