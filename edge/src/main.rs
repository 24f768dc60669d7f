//! `gureum-edge` binary: parses the command line and runs the subcommand;
//! errors end the process with a one-line reason and a non-zero code.

use clap::Parser;

/// mimalloc instead of glibc malloc: the data paths allocate and free
/// 256 KiB - 1 MiB buffers per block, which glibc serves with a fresh mmap
/// (and page faults) every time; mimalloc keeps and reuses them.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;
use gureum_edge::config::{Cli, Command};

fn main() {
    let cli = Cli::parse();
    if let Command::Sign(args) = &cli.command {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        match args.run(now) {
            Ok(out) => println!("{out}"),
            Err(err) => {
                eprintln!("gureum-edge sign: {err}");
                std::process::exit(2);
            }
        }
        return;
    }
    gureum_common::logging::init("info");
    let result = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(anyhow::Error::from)
        .and_then(|rt| {
            rt.block_on(async {
                match cli.command {
                    Command::Serve(args) => {
                        let cfg = args.resolve()?;
                        gureum_edge::server::serve(cfg).await
                    }
                    Command::Sign(_) => Ok(()),
                }
            })
        });
    if let Err(err) = result {
        eprintln!("gureum-edge: {err:#}");
        std::process::exit(2);
    }
}
