//! `kredit admin create`: staff accounts from the command line — the way
//! a production install gets its first admin. The password comes from
//! `KREDIT_ADMIN_PASSWORD` or a prompt, never from an argument (arguments
//! are visible to every user of the machine and kept in shell history).

use anyhow::{Context, bail};
use clap::{Args, Subcommand, ValueEnum};
use kredit_app::second_factor::{self, SecondFactorPolicy};
use kredit_core::identity::mask_phone;
use kredit_server::state::SharedState;
use kredit_store::pii::PiiCipher;
use kredit_store::{Role, User};

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
    /// Start setting up a staff member's authenticator app (the way the
    /// first admin of a production install gets one): prints the secret and
    /// its otpauth:// URI once, to add to the app, then confirm with
    /// `totp-confirm`. Starting again replaces an unconfirmed secret.
    TotpEnrol {
        #[arg(long)]
        phone: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Confirm an enrolment with the code the app shows (audited
    /// `auth.totp_enrol`, actor: the command line).
    TotpConfirm {
        #[arg(long)]
        phone: String,
        /// The 6-digit code the app shows now.
        #[arg(long)]
        code: String,
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Remove a staff member's authenticator app (a lost phone; audited
    /// `auth.totp_remove`, actor: the command line).
    TotpReset {
        #[arg(long)]
        phone: String,
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
    match args.command {
        AdminCommand::Create {
            phone,
            role,
            database,
        } => create(&phone, role.into(), &database),
        AdminCommand::TotpEnrol { phone, database } => runtime()?.block_on(async {
            let (state, user) = staff(&database, &phone).await?;
            let enrolment = second_factor::begin(&state, &user, kredit_store::now())
                .await
                .map_err(refused)?;
            println!("{}", enrolment.qr_text());
            println!("secret       {}", enrolment.secret);
            println!("otpauth URI  {}", enrolment.otpauth_uri);
            println!(
                "add it to the authenticator app, then: kredit admin totp-confirm --phone {} --code <the code it shows>",
                mask_phone(&phone)
            );
            Ok(())
        }),
        AdminCommand::TotpConfirm {
            phone,
            code,
            database,
        } => runtime()?.block_on(async {
            let (state, user) = staff(&database, &phone).await?;
            second_factor::confirm(&state, user.id, &code, None, kredit_store::now())
                .await
                .map_err(refused)?;
            println!(
                "authenticator app confirmed for {} {}",
                user.role.as_str(),
                mask_phone(&phone)
            );
            Ok(())
        }),
        AdminCommand::TotpReset { phone, database } => runtime()?.block_on(async {
            let (state, user) = staff(&database, &phone).await?;
            // The command line is the way back in, so no policy stops it.
            second_factor::remove(&state, SecondFactorPolicy::default(), &user, None)
                .await
                .map_err(refused)?;
            println!("authenticator app removed for {}", mask_phone(&phone));
            Ok(())
        }),
    }
}

fn create(phone: &str, role: Role, database: &DatabaseArgs) -> anyhow::Result<()> {
    let config = database.config(&[])?;
    let keys = kredit_server::keys::Keys::resolve(&config)
        .context("cannot load the server's keys (the same as `kredit serve` uses)")?;
    let password = password()?;
    runtime()?.block_on(async {
        let repository = kredit_server::server::open_database(&config).await?;
        let pii = kredit_app::keys::Vault::new(
            PiiCipher::new(&keys.pii),
            keys.keks.clone(),
            repository.clone(),
        );
        let id =
            kredit_app::accounts::create(repository.as_ref(), &pii, phone, &password, role, None)
                .await
                .map_err(refused)?;
        println!(
            "created {} {} (user {id})",
            role.as_str(),
            mask_phone(phone)
        );
        Ok(())
    })
}

/// The application as `kredit serve` builds it, and the member of staff
/// whose phone is given.
async fn staff(database: &DatabaseArgs, phone: &str) -> anyhow::Result<(SharedState, User)> {
    let config = database.config(&[])?;
    let state = kredit_server::server::open_state(&config).await?;
    let hash = state.pii.lookup_hash(phone);
    let user = state
        .repository
        .user_by_phone_hash(&hash)
        .await?
        .filter(|user| user.role.is_staff())
        .with_context(|| format!("no staff account has the phone {}", mask_phone(phone)))?;
    Ok((state, user))
}

fn refused(error: kredit_app::AppError) -> anyhow::Error {
    anyhow::anyhow!("{error}")
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
