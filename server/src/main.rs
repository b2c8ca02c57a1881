//! `civicast-server`: parses the command line and runs the chosen subcommand.

use std::io::BufRead;
use std::process::ExitCode;

use civicast_server::app::telemetry;
use civicast_server::core::accounts::{NewUser, add_user_from_command_line};
use civicast_server::settings::{Cli, Command, UserCommand};
use civicast_server::{Application, db};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.settings.log_format);
    let result = match cli.command {
        None | Some(Command::Serve) => serve(cli.settings),
        Some(Command::User { action }) => manage_user(&cli.settings, action),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("civicast-server: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn serve(settings: civicast_server::Settings) -> anyhow::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let application = Application::build(settings)?;
        application.run_until_stopped().await?;
        Ok(())
    })
}

fn manage_user(settings: &civicast_server::Settings, action: UserCommand) -> anyhow::Result<()> {
    match action {
        UserCommand::Add {
            email,
            role,
            organisation,
            display_name,
            password_stdin: _,
        } => {
            let mut password = String::new();
            std::io::stdin().lock().read_line(&mut password)?;
            let password = password.trim_end_matches(['\r', '\n']).to_owned();
            std::fs::create_dir_all(&settings.data_dir)?;
            let database = settings.database().map_err(anyhow::Error::msg)?;
            let pool = db::open(&database)?;
            let user = add_user_from_command_line(
                &pool,
                NewUser {
                    email,
                    display_name,
                    role,
                    organisation,
                    password,
                },
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("added {} ({}) with id {}", user.email, user.role, user.id);
            Ok(())
        }
    }
}
