//! `civicast-server`: parses the command line and runs the chosen subcommand.

use std::io::BufRead;
use std::process::ExitCode;

use civicast_server::app::telemetry;
use civicast_server::core::accounts::{NewUser, add_user_from_command_line};
use civicast_server::core::media::MediaStore;
use civicast_server::core::media::objects::ObjectStorage;
use civicast_server::settings::{Cli, Command, MediaCommand, Settings, UserCommand};
use civicast_server::{Application, db};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    telemetry::init(cli.settings.log_format);
    let result = match cli.command {
        None | Some(Command::Serve) => serve(cli.settings),
        Some(Command::User { action }) => manage_user(&cli.settings, action),
        Some(Command::Media {
            action: MediaCommand::Migrate,
        }) => migrate_media(&cli.settings),
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
            let pool = db::open_sized(&database, settings.db_pool_size)?;
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

fn migrate_media(settings: &Settings) -> anyhow::Result<()> {
    if settings.media_store.is_none() {
        anyhow::bail!(
            "set --media-store s3://BUCKET[/PREFIX] (CIVICAST_MEDIA_STORE) to the object store the \
             media go to, and --s3-endpoint for a store other than AWS S3"
        );
    }
    let database = settings.database().map_err(anyhow::Error::msg)?;
    let pool = db::open_sized(&database, settings.db_pool_size)?;
    let media = MediaStore::open(
        &settings.data_dir,
        settings.max_upload_bytes(),
        settings.max_image_megapixels,
        settings.decode_memory_mb,
    )?
    .with_object_storage(ObjectStorage::from_settings(settings)?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let migration = runtime
        .block_on(civicast_server::core::media::migrate::migrate(
            &pool, &media,
        ))
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{} files referenced: {} copied, {} already there, {} damaged copies replaced, {} failed",
        migration.referenced,
        migration.uploaded,
        migration.already_there,
        migration.repaired,
        migration.failed.len()
    );
    for (sha256, reason) in &migration.failed {
        println!("failed: {sha256}: {reason}");
    }
    if !migration.succeeded() {
        let names: Vec<&str> = migration
            .failed
            .iter()
            .map(|(sha, _)| sha.as_str())
            .collect();
        anyhow::bail!(
            "{} file(s) are not in the object store whole: {}",
            names.len(),
            names.join(", ")
        );
    }
    Ok(())
}
