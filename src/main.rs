//! `ferrokv-server`: argv → Config → Server, as redis-server takes its command line.
//!
//! One binary is every tool of the Redis image (multi-call): the name it runs as (a link
//! in /usr/local/bin) or a first argument picks the tool; anything else is the server.

#[cfg(feature = "jemalloc")]
#[global_allocator]
static GLOBAL: ferrokv::server::memory::Counting = ferrokv::server::memory::Counting;

use ferrokv::{Config, Server};

/// A tool's `main`: arguments with the program name first; returns the exit code.
type ToolMain = fn(&[String]) -> i32;

/// The tools other than the server: the names each answers to, the first argument that
/// also selects it, and its `main`.
const TOOLS: &[(&[&str], &str, ToolMain)] = &[
    (&["redis-check-aof", "ferrokv-check-aof"], "--check-aof", ferrokv::persist::aof::check::main),
    (&["redis-check-rdb", "ferrokv-check-rdb"], "--check-rdb", ferrokv::persist::check_rdb::main),
    (&["docker-entrypoint", "docker-entrypoint.sh"], "--entrypoint", ferrokv::entrypoint::main),
    (&["redis-cli", "ferrokv-cli"], "--cli", ferrokv::cli::main),
];

fn main() {
    #[cfg(feature = "jemalloc")]
    ferrokv::server::memory::Counting::enable();
    let argv: Vec<String> = std::env::args().collect();
    let program = argv.first().map(|p| p.rsplit('/').next().unwrap_or(p)).unwrap_or_default();
    for (names, flag, tool) in TOOLS {
        if names.contains(&program) {
            std::process::exit(tool(&argv));
        }
        if argv.get(1).is_some_and(|a| a == flag) {
            let mut rest = vec![argv.first().cloned().unwrap_or_default()];
            rest.extend(argv.iter().skip(2).cloned());
            std::process::exit(tool(&rest));
        }
    }
    let args: Vec<String> = argv.iter().skip(1).cloned().collect();
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
    // The container image sets this to `no`, as the official image patches Redis's
    // compiled default; the binary elsewhere keeps Redis's `yes`.
    let mut defaults = Config::default();
    if std::env::var("FERROKV_PROTECTED_MODE_DEFAULT").is_ok_and(|v| v == "no") {
        defaults.protected_mode = false;
    }
    let config = match Config::from_args_over(defaults, &args) {
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
    // Redis's set-proc-title: `ps` shows `redis-server *:6379`, not a --requirepass.
    if let Some(title) = config.proc_title(argv.first().map_or("redis-server", String::as_str)) {
        if let Err(e) = ferrokv::server::proc_title::set(&title) {
            println!(
                "{}:C {} # Can't set the process title: {e}",
                std::process::id(),
                ferrokv::server::log::timestamp()
            );
        }
    }
    let config_file = config.config_file.clone().unwrap_or_default();
    let mut config = config;
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
    raise_open_files_limit(&mut config, &boot_log);
    if !config.pidfile.is_empty() {
        let path = config.resolve_path(&config.pidfile);
        if std::fs::write(&path, format!("{}\n", std::process::id())).is_err() {
            boot_log.log_as('M', warn, &format!("Failed to write PID file: {}", path.display()));
        }
    }
    if config_file.is_empty() {
        boot_log.log_as('C', warn, "Warning: no config file specified, using the default config. In order to specify a config file use ferrokv-server /path/to/redis.conf");
    } else {
        boot_log.log_as('C', warn, "Configuration loaded");
    }
    let config_pidfile = if config.pidfile.is_empty() {
        String::new()
    } else {
        config.resolve_path(&config.pidfile).display().to_string()
    };
    // The workers report parking, for the AOF's group commit (see server::idle).
    ferrokv::server::idle::set_workers(config.worker_threads());
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(config.worker_threads())
        .on_thread_park(ferrokv::server::idle::parked)
        .on_thread_stop(ferrokv::server::memory::flush_thread_count)
        .on_thread_unpark(ferrokv::server::idle::unparked)
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
            // Already in the log, in Redis's words.
            Err(_) => return 1,
        };
        // Every SIGTERM/SIGINT asks for a save-and-stop; if the save fails the server
        // keeps running and the next signal tries again, as in Redis.
        let shared = server.shared();
        tokio::spawn(async move {
            use tokio::signal::unix::{signal, SignalKind};
            let (Ok(mut term), Ok(mut int)) = (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) else {
                return;
            };
            loop {
                let which = tokio::select! {
                    _ = term.recv() => "SIGTERM",
                    _ = int.recv() => "SIGINT",
                };
                boot_log.log_from_signal(warn, &format!("Received {which} scheduling shutdown..."));
                shared.stop_requests.notify_one();
            }
        });
        let stop = std::future::pending::<()>();
        match server.run_until(stop).await {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("# {e}");
                1
            }
        }
    });
    if !config_pidfile.is_empty() {
        let _ = std::fs::remove_file(&config_pidfile);
    }
    std::process::exit(code);
}

/// Raises the open-files limit to what `maxclients` needs (plus 32 for the server's own
/// files), as Redis does at start; when the system refuses, lowers `maxclients` to fit
/// and says so in Redis's words.
fn raise_open_files_limit(config: &mut Config, log: &ferrokv::server::log::Logger) {
    use ferrokv::server::log::Level;
    const RESERVED: u64 = 32;
    let wanted = config.maxclients + RESERVED;
    // SAFETY: getrlimit/setrlimit read and write one plain struct owned by this frame.
    let mut limit = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 || limit.rlim_cur >= wanted {
        return;
    }
    let target = if limit.rlim_max >= wanted { wanted } else { limit.rlim_max };
    let raised = libc::rlimit { rlim_cur: target, rlim_max: limit.rlim_max };
    // SAFETY: as above.
    let ok = unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0;
    let now = if ok { target } else { limit.rlim_cur };
    if now < wanted {
        let reduced = now.saturating_sub(RESERVED).max(1);
        log.log_as(
            'M',
            Level::Warning,
            &format!(
                "You requested maxclients of {} requiring at least {wanted} max file descriptors.",
                config.maxclients
            ),
        );
        log.log_as(
            'M',
            Level::Warning,
            &format!("Current maximum open files is {now}. maxclients has been reduced to {reduced} to compensate for low ulimit. If you need higher maxclients increase 'ulimit -n'."),
        );
        config.maxclients = reduced;
    } else {
        log.log_as(
            'M',
            Level::Notice,
            &format!("Increased maximum number of open files to {now} (it was originally set to {}).", limit.rlim_cur),
        );
    }
}
