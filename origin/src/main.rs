//! `gureum-origin` binary: parses the command line and runs the subcommand;
//! errors end the process with a one-line reason and a non-zero code.

use clap::Parser;
use gureum_origin::config::{Cli, Command};
use gureum_origin::server;

fn main() {
    let cli = Cli::parse();
    gureum_common::logging::init("info,sled=warn");
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|rt| {
            rt.block_on(async {
                match cli.command {
                    Command::Serve(args) => {
                        let cfg = args.resolve()?;
                        let creds = server::RootCredentials::from_env()?;
                        server::serve(cfg, creds).await
                    }
                    Command::Reindex(args) => server::reindex(args.resolve()?).await,
                }
            })
        });
    if let Err(err) = result {
        eprintln!("gureum-origin: {err:#}");
        std::process::exit(2);
    }
}
