//! `ferrokv-server`: argv → Config → Server, as redis-server takes its command line.

#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

use ferrokv::{Config, Server};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-v" || a == "--version") {
        println!(
            "Redis server v={} sha=00000000:0 malloc=jemalloc-5.3.0 bits=64 build=0 (ferrokv {})",
            ferrokv::REDIS_VERSION,
            ferrokv::VERSION
        );
        return;
    }
    if Config::wants_stdin(&args) {
        println!("{}:C {} # Reading config from stdin", std::process::id(), ferrokv::server::log::timestamp());
    }
    let config = match Config::from_args(&args) {
        Ok(c) => c,
        Err(e) if e.is_log_line() => {
            // Redis logs a file it cannot open as a plain log line, then exits.
            println!("{}:C {} # {e}", std::process::id(), ferrokv::server::log::timestamp());
            std::process::exit(1);
        }
        Err(e) => {
            // The error's text already has Redis's surrounding newlines.
            eprint!("{e}");
            std::process::exit(1);
        }
    };
    let config_file = config.config_file.clone().unwrap_or_default();
    let boot_log =
        ferrokv::server::log::Logger::new(ferrokv::server::shared::log_level(&config), config.logfile.clone());
    let warn = ferrokv::server::log::Level::Warning;
    boot_log.log_as('C', warn, "oO0OoO0OoO0Oo ferrokv is starting oO0OoO0OoO0Oo");
    boot_log.log_as(
        'C',
        warn,
        &format!(
            "ferrokv version={} (Redis {} compatible), bits=64, pid={}, just started",
            ferrokv::VERSION,
            ferrokv::REDIS_VERSION,
            std::process::id()
        ),
    );
    if config_file.is_empty() {
        boot_log.log_as('C', warn, "Warning: no config file specified, using the default config. In order to specify a config file use ferrokv-server /path/to/redis.conf");
    } else {
        boot_log.log_as('C', warn, "Configuration loaded");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.worker_threads())
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("Failed to start the runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = runtime.block_on(async move {
        let server = match Server::bind_with_file(config, config_file).await {
            Ok(s) => s,
            Err(e) => {
                eprintln!("# {e}");
                return 1;
            }
        };
        let stop = async {
            let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(_) => return std::future::pending().await,
            };
            let which = tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = tokio::signal::ctrl_c() => "SIGINT",
            };
            boot_log.log_as('M', warn, &format!("Received {which} scheduling shutdown..."));
        };
        match server.run_until(stop).await {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("# {e}");
                1
            }
        }
    });
    std::process::exit(code);
}
