//! The server: listeners, connection tasks, the periodic cron and shutdown.
//!
//! [`Server`] is the embeddable entry point (invariant 12): tests, benches and the
//! binary all call [`Server::bind`] with a [`Config`], read [`Server::local_addr`], and
//! run [`Server::run_until`] with the future that stops it.

pub mod client;
pub mod conn;
pub mod cron;
pub mod idle;
pub mod log;
pub mod maxmemory;
pub mod memory;
pub mod notify;
pub mod proc_title;
pub mod pubsub;
pub mod shared;

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::config::Config;
use log::Level;
use shared::Shared;

/// A signal (or the embedder) asks to stop: save first when save points say so,
/// holding the gate so no write lands after the save. Returns false if the save
/// failed (the server then keeps running, as Redis does).
async fn final_save_and_stop(shared: &Arc<Shared>) -> bool {
    let saver = shared.clone();
    tokio::task::spawn_blocking(move || {
        let _whole = saver.gate.write();
        // A SHUTDOWN got there first (the stop and its wake-up were both ready): it
        // decided whether to save (SHUTDOWN NOSAVE must not save).
        if saver.shutting_down() {
            return true;
        }
        saver.log(Level::Warning, "User requested shutdown...");
        let ok = crate::persist::save::final_save(&saver, false, false);
        if ok {
            saver.request_shutdown();
        }
        ok
    })
    .await
    .unwrap_or(false)
}

/// A bound, not yet running server.
pub struct Server {
    shared: Arc<Shared>,
    listeners: Vec<TcpListener>,
}

/// Expands Redis's bind addresses: `*` is every IPv4 address, `::*` every IPv6 one, and
/// a leading `-` marks an address that may fail to bind without stopping start-up.
fn bind_targets(bind: &[String]) -> Vec<(String, bool)> {
    bind.iter()
        .map(|b| {
            let (optional, addr) = match b.strip_prefix('-') {
                Some(rest) => (true, rest),
                None => (false, b.as_str()),
            };
            let addr = match addr {
                "*" => "0.0.0.0".to_string(),
                "::*" => "::".to_string(),
                other => other.to_string(),
            };
            (addr, optional)
        })
        .collect()
}

/// Logs a warning when no password is set and a listener accepts clients from other
/// machines (Redis 7.0 says nothing; this goes beyond it, on purpose).
fn warn_if_open(config: &Config, listeners: &[TcpListener], log: &log::Logger) {
    if config.requirepass.is_some() {
        return;
    }
    let open: Vec<String> = listeners
        .iter()
        .filter_map(|l| l.local_addr().ok())
        .filter(|a| !a.ip().is_loopback())
        .map(|a| a.to_string())
        .collect();
    if open.is_empty() {
        return;
    }
    let guard = if config.protected_mode {
        "protected mode refuses their connections until a password is set"
    } else {
        "protected mode is off, so anyone who can reach the port can read and write all data"
    };
    log.log_as(
        'M',
        Level::Warning,
        &format!(
            "WARNING: no password is set (requirepass) and the server listens on {}, not only on loopback: {guard}.",
            open.join(", ")
        ),
    );
}

/// A listening socket on `target`. An IPv6 one is IPv6-only (as Redis makes it), so
/// `bind * -::*` gets both a 0.0.0.0 and a :: listener on the same port.
async fn listen_on(target: &str, backlog: u32) -> io::Result<TcpListener> {
    let Ok(addr) = target.parse::<std::net::SocketAddr>() else {
        return TcpListener::bind(target).await;
    };
    let socket = if addr.is_ipv6() { tokio::net::TcpSocket::new_v6()? } else { tokio::net::TcpSocket::new_v4()? };
    socket.set_reuseaddr(true)?;
    if addr.is_ipv6() {
        use std::os::fd::AsRawFd;
        let one: libc::c_int = 1;
        // SAFETY: a socket we own and an int-sized option value, as IPV6_V6ONLY takes.
        let rc = unsafe {
            libc::setsockopt(
                socket.as_raw_fd(),
                libc::IPPROTO_IPV6,
                libc::IPV6_V6ONLY,
                (&one as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            )
        };
        if rc != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    socket.bind(addr)?;
    socket.listen(backlog)
}

impl Server {
    /// Binds every configured address. Fails like Redis when a non-optional address
    /// cannot be bound.
    pub async fn bind(config: Config) -> io::Result<Server> {
        Self::bind_with_file(config, String::new()).await
    }

    /// As [`Server::bind`], remembering the configuration file's path for INFO.
    pub async fn bind_with_file(config: Config, config_file: String) -> io::Result<Server> {
        let port = config.port;
        let mut listeners = Vec::new();
        let mut chosen_port = port;
        // Nothing shared exists yet: bind failures are logged through a logger of their own.
        let boot_log = log::Logger::new(shared::log_level(&config), config.logfile.clone());
        for (addr, optional) in bind_targets(&config.bind) {
            let target =
                if addr.contains(':') { format!("[{addr}]:{chosen_port}") } else { format!("{addr}:{chosen_port}") };
            match listen_on(&target, config.tcp_backlog).await {
                Ok(l) => {
                    // With port 0 every further address reuses the first one's port.
                    if chosen_port == 0 {
                        chosen_port = l
                            .local_addr()
                            .map_err(|e| {
                                boot_log.log_as('M', Level::Warning, &format!("Failed listening on port {port}: {e}"));
                                e
                            })?
                            .port();
                    }
                    listeners.push(l);
                }
                Err(e) => {
                    // Redis warns for every address it cannot bind, optional ones too.
                    let why = crate::config::strerror(&e);
                    boot_log.log_as(
                        'M',
                        Level::Warning,
                        &format!(
                            "Warning: Could not create server TCP listening socket {addr}:{chosen_port}: bind: {why}"
                        ),
                    );
                    if !optional {
                        let msg = format!("Failed listening on port {port} (TCP), aborting.");
                        boot_log.log_as('M', Level::Warning, &msg);
                        return Err(io::Error::new(e.kind(), msg));
                    }
                }
            }
        }
        if listeners.is_empty() {
            let msg = format!("Failed listening on port {port} (TCP), aborting.");
            boot_log.log_as('M', Level::Warning, &msg);
            return Err(io::Error::new(io::ErrorKind::AddrNotAvailable, msg));
        }
        warn_if_open(&config, &listeners, &boot_log);
        let shared = Shared::new(config, config_file);
        shared.port.store(u64::from(chosen_port), std::sync::atomic::Ordering::Relaxed);
        // The listeners are bound, so clients that connect now wait in the kernel's
        // backlog and are served once the data is loaded: nobody sees -LOADING.
        let loader = shared.clone();
        tokio::task::spawn_blocking(move || {
            if loader.config().appendonly {
                crate::persist::aof::files::startup(&loader)
            } else {
                crate::persist::load::load_at_startup(&loader)
            }
        })
        .await
        .map_err(|e| {
            shared.log(Level::Warning, &format!("Loading failed: {e}"));
            io::Error::other(e)
        })?
        .map_err(|why| {
            shared.log(Level::Warning, &why);
            io::Error::new(io::ErrorKind::InvalidData, why)
        })?;
        // Loading counted as changes; a fresh start has nothing unsaved.
        shared.stats.dirty.store(0, std::sync::atomic::Ordering::Relaxed);
        let writer = shared.clone();
        std::thread::Builder::new().name("ferrokv-aof".into()).spawn(move || writer.aof.run_writer()).map_err(|e| {
            shared.log(Level::Warning, &format!("Can't start the AOF writer thread: {e}"));
            e
        })?;
        idle::install(Arc::downgrade(&shared));
        Ok(Server { shared, listeners })
    }

    /// The first listener's address (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.listeners[0].local_addr().unwrap_or_else(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
    }

    /// Shared state, for embedding code that wants statistics.
    pub fn shared(&self) -> Arc<Shared> {
        self.shared.clone()
    }

    /// Accepts and serves clients until `stop` completes or a client sends SHUTDOWN.
    pub async fn run_until(self, stop: impl Future<Output = ()>) -> io::Result<()> {
        let shared = self.shared;
        let port = shared.port.load(std::sync::atomic::Ordering::Relaxed);
        shared.log(Level::Notice, &format!("Running mode=standalone, port={port}."));
        shared.log(Level::Warning, "Server initialized");
        // Redis 7.0's words (7.2 added the listener type): harnesses wait for this line.
        shared.log(Level::Notice, "Ready to accept connections");
        let cron = cron::start(shared.clone());
        let mut accept_tasks = Vec::new();
        for listener in self.listeners {
            let shared = shared.clone();
            let mut shutdown = shared.shutdown_watch();
            accept_tasks.push(tokio::spawn(async move {
                loop {
                    tokio::select! {
                        res = listener.accept() => match res {
                            Ok((stream, addr)) => {
                                tokio::spawn(conn::serve(shared.clone(), stream, addr));
                            }
                            Err(e) => {
                                shared.log(Level::Warning, &format!("Accepting client connection: {e}"));
                                tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                            }
                        },
                        _ = shutdown.changed() => break,
                    }
                }
            }));
        }
        let mut shutdown = shared.shutdown_watch();
        tokio::pin!(stop);
        let mut stop_pending = true;
        while !shared.shutting_down() {
            let asked = tokio::select! {
                _ = &mut stop, if stop_pending => {
                    stop_pending = false;
                    true
                }
                _ = shared.stop_requests.notified() => true,
                _ = shutdown.changed() => false,
            };
            if asked && !final_save_and_stop(&shared).await {
                shared.log(
                    Level::Warning,
                    "SIGTERM received but errors trying to shut down the server, check the logs for more information",
                );
            }
        }
        shared.request_shutdown();
        for t in accept_tasks {
            let _ = t.await;
        }
        // Give connections a moment to close their sockets cleanly.
        for _ in 0..200 {
            if shared.clients.count() == 0 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let _ = cron.join();
        crate::persist::save::abandon_bgsave(&shared);
        // Writes the last records (the final save made the log durable already).
        shared.aof.shutdown();
        shared.log(Level::Warning, "ferrokv is now ready to exit, bye bye...");
        Ok(())
    }
}
