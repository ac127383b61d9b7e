//! `kredit admin create`: staff accounts from the command line — the way
//! a production install gets its first admin. The password comes from
//! `KREDIT_ADMIN_PASSWORD` or a prompt, never from an argument (arguments
//! are visible to every user of the machine and kept in shell history).

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use kredit_store::Role;
use kredit_store::pii::PiiCipher;

use super::serve::{DatabaseArgs, runtime};

/// The environment variable a script passes the password in.
pub const PASSWORD_VARIABLE: &str = "KREDIT_ADMIN_PASSWORD";

#[derive(Args)]
pub struct AdminArgs {
    #[command(subcommand)]
    command: AdminCommand,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a staff account (audited as `user.create`, actor: the command
    /// line). The password is read from KREDIT_ADMIN_PASSWORD or prompted for.
    Create {
        /// The staff member's mobile number (their login).
        #[arg(long)]
        phone: String,
        #[arg(long, value_enum, default_value_t = StaffRole::Admin)]
        role: StaffRole,
        #[command(flatten)]
        database: DatabaseArgs,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum StaffRole {
    Admin,
    Underwriter,
    RiskOfficer,
    Auditor,
}

impl From<StaffRole> for Role {
    fn from(role: StaffRole) -> Role {
        match role {
            StaffRole::Admin => Role::Admin,
            StaffRole::Underwriter => Role::Underwriter,
            StaffRole::RiskOfficer => Role::RiskOfficer,
            StaffRole::Auditor => Role::Auditor,
        }
    }
}

pub fn run(args: AdminArgs) -> anyhow::Result<()> {
    let AdminCommand::Create {
        phone,
        role,
        database,
    } = args.command;
    let config = database.config(&[])?;
    let keys = kredit_server::keys::Keys::resolve(&config)
        .context("cannot load the server's keys (the same as `kredit serve` uses)")?;
    let password = password()?;
    let role = Role::from(role);
    runtime()?.block_on(async {
        let repository = kredit_server::server::open_database(&config).await?;
        let pii = kredit_app::keys::Vault::new(
            PiiCipher::new(&keys.pii),
            keys.keks.clone(),
            repository.clone(),
        );
        let id =
            kredit_app::accounts::create(repository.as_ref(), &pii, &phone, &password, role, None)
                .await
                .map_err(|error| anyhow::anyhow!("{error}"))?;
        println!(
            "created {} {} (user {id})",
            role.as_str(),
            kredit_core::identity::mask_phone(&phone)
        );
        Ok(())
    })
}

/// From the environment, else asked twice on the terminal.
fn password() -> anyhow::Result<String> {
    if let Ok(password) = std::env::var(PASSWORD_VARIABLE) {
        return Ok(password);
    }
    let first = rpassword::prompt_password("Password: ")
        .with_context(|| format!("no terminal to ask for the password: set {PASSWORD_VARIABLE}"))?;
    let second = rpassword::prompt_password("Password again: ")?;
    if first != second {
        bail!("the two passwords differ");
    }
    Ok(first)
}
