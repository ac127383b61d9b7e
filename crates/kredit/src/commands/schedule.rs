//! `kredit schedule`: the loan calculator. Prints a repayment schedule and
//! its APR disclosure, as an aligned table or as JSON.

use anyhow::{Context, Result, bail};
use chrono::NaiveDate;
use clap::Args;
use kredit_core::apr::{self, AprDisclosure, RateCap};
use kredit_core::schedule::{self, RepaymentMethod, Schedule, ScheduleTerms};
use kredit_core::{Money, Rate};
use serde_json::json;

#[derive(Args)]
pub struct ScheduleArgs {
    /// Amount borrowed, e.g. 100000 or 2500.50.
    #[arg(long, allow_hyphen_values = true)]
    principal: String,
    /// Annual interest rate as a decimal fraction, e.g. 0.0435 for 4.35%.
    #[arg(long, default_value = "0", allow_hyphen_values = true)]
    annual_rate: String,
    /// Number of monthly instalments.
    #[arg(long)]
    term_months: u32,
    /// equal-installment, equal-principal, interest-first, bullet or flat-fee.
    #[arg(long)]
    method: String,
    /// Disbursement date, YYYY-MM-DD. Defaults to today.
    #[arg(long)]
    start: Option<NaiveDate>,
    /// Monthly instalment fee as a rate of the original principal, e.g. 0.006.
    #[arg(long, default_value = "0")]
    fee_rate_monthly: String,
    /// Fee deducted from the proceeds at disbursement, e.g. 200.00 (it raises the APR).
    #[arg(long, default_value = "0")]
    upfront_fee: String,
    /// The APR cap the offer must stay under.
    #[arg(long, default_value = "0.24")]
    rate_cap: String,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: ScheduleArgs) -> Result<()> {
    let principal: Money = args.principal.parse().context("--principal")?;
    let annual_rate: Rate = args.annual_rate.parse().context("--annual-rate")?;
    let monthly_fee_rate: Rate = args
        .fee_rate_monthly
        .parse()
        .context("--fee-rate-monthly")?;
    let upfront_fee: Money = args.upfront_fee.parse().context("--upfront-fee")?;
    let cap = RateCap(args.rate_cap.parse().context("--rate-cap")?);
    let method: RepaymentMethod = args.method.parse().context("--method")?;
    let terms = ScheduleTerms {
        principal,
        annual_rate,
        term_months: args.term_months,
        method,
        start_date: args
            .start
            .unwrap_or_else(|| chrono::Local::now().date_naive()),
        monthly_fee_rate,
    };
    let schedule = schedule::generate(&terms)?;
    if upfront_fee.is_negative() || upfront_fee >= principal {
        bail!("--upfront-fee must be at least 0 and below the principal");
    }
    let disclosure = apr::disclose(&schedule, principal.checked_sub(upfront_fee)?)?;
    cap.check(&disclosure)?;
    if args.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&as_json(&schedule, &disclosure))?
        );
    } else {
        print!("{}", as_table(&schedule, &disclosure));
    }
    Ok(())
}

fn as_json(schedule: &Schedule, disclosure: &AprDisclosure) -> serde_json::Value {
    let installments: Vec<_> = schedule
        .installments
        .iter()
        .map(|i| {
            json!({
                "n": i.n,
                "due_date": i.due_date,
                "principal": i.principal,
                "interest": i.interest,
                "fee": i.fee,
                "payment": i.payment,
                "remaining": i.remaining,
            })
        })
        .collect();
    json!({
        "installments": installments,
        "total_interest": schedule.total_interest(),
        "total_fees": schedule.total_fees(),
        "apr_nominal": disclosure.apr_nominal.format_fixed(6),
        "apr_effective": disclosure.apr_effective.format_fixed(6),
    })
}

fn as_table(schedule: &Schedule, disclosure: &AprDisclosure) -> String {
    let mut out = format!(
        "{:>4}  {:<10}  {:>14}  {:>12}  {:>10}  {:>14}  {:>16}\n",
        "n", "due date", "principal", "interest", "fee", "payment", "remaining"
    );
    for i in &schedule.installments {
        out += &format!(
            "{:>4}  {:<10}  {:>14}  {:>12}  {:>10}  {:>14}  {:>16}\n",
            i.n, i.due_date, i.principal, i.interest, i.fee, i.payment, i.remaining
        );
    }
    out += &format!(
        "{:>4}  {:<10}  {:>14}  {:>12}  {:>10}  {:>14}\n",
        "",
        "total",
        schedule.total_principal(),
        schedule.total_interest(),
        schedule.total_fees(),
        schedule.total_payments()
    );
    out += &format!(
        "\nAPR {}% nominal (12 × monthly IRR), {}% effective\n",
        disclosure.apr_nominal.percent(4),
        disclosure.apr_effective.percent(4)
    );
    out
}
