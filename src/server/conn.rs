//! One connection: read, parse every complete request, run them, write all replies once.
//!
//! The connection owns the socket and all I/O (invariant 1). A batch is everything the
//! parser can take from the read buffer; its replies are encoded into one buffer and
//! written with one `write_all` (pipelining). A protocol error is answered, the replies
//! before it are flushed with it, and the connection closes, as Redis does.

use std::net::SocketAddr;
use std::os::fd::AsRawFd;
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::client::{Client, ReplyMode};
use super::log::Level;
use super::shared::GateHold;
use super::shared::{unix_ms, Shared};
use crate::commands::{self, Ctx};
use crate::config::Config;
use crate::persist::aof::append::Handoff;
use crate::protocol::{encode, Args, Limits, Reply, RequestParser};

const READ_CHUNK: usize = 16 * 1024;
/// What an idle connection keeps for its next request (see [`IDLE_SHRINK`]).
const IDLE_CHUNK: usize = 1024;
/// A connection idle this long gives its buffers back, as Redis frees the query
/// buffers of clients idle for 2 s: 10,000 idle clients then hold ~1 KB each, not 32.
const IDLE_SHRINK: std::time::Duration = std::time::Duration::from_secs(2);

/// Text Redis 7.0 sends to a non-loopback client in protected mode, before closing.
const PROTECTED_MODE_DENIED: &str = "-DENIED Redis is running in protected mode because protected mode is enabled and no password is set for the default user. In this mode connections are only accepted from the loopback interface. If you want to connect from external computers to Redis you may adopt one of the following solutions: 1) Just disable protected mode sending the command 'CONFIG SET protected-mode no' from the loopback interface by connecting to Redis from the same host the server is running, however MAKE SURE Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can just disable the protected mode by editing the Redis configuration file, and setting the protected mode option to 'no', and then restarting the server. 3) If you started the server manually just for testing, restart it with the '--protected-mode no' option. 4) Setup a an authentication password for the default user. NOTE: You only need to do one of the above things in order for the server to start accepting connections from the outside.\r\n";

fn set_keepalive(stream: &TcpStream, interval: u64) {
    use std::os::fd::AsRawFd;
    if interval == 0 {
        return;
    }
    let fd = stream.as_raw_fd();
    let set = |level: libc::c_int, opt: libc::c_int, val: libc::c_int| {
        // SAFETY: fd is a live socket owned by `stream`; the option value is a c_int
        // passed by pointer with its exact size.
        unsafe {
            libc::setsockopt(
                fd,
                level,
                opt,
                (&val as *const libc::c_int).cast(),
                std::mem::size_of::<libc::c_int>() as libc::socklen_t,
            );
        }
    };
    let interval = interval.min(i32::MAX as u64) as libc::c_int;
    // The same settings as Redis's anetKeepAlive: probes start after `interval`,
    // repeat every interval/3, give up after 3.
    set(libc::SOL_SOCKET, libc::SO_KEEPALIVE, 1);
    set(libc::IPPROTO_TCP, libc::TCP_KEEPIDLE, interval);
    set(libc::IPPROTO_TCP, libc::TCP_KEEPINTVL, (interval / 3).max(1));
    set(libc::IPPROTO_TCP, libc::TCP_KEEPCNT, 3);
}

fn is_loopback(addr: &SocketAddr) -> bool {
    // Redis compares the peer's text with "127.0.0.1" and "::1" only.
    match addr {
        SocketAddr::V4(a) => a.ip().octets() == [127, 0, 0, 1],
        SocketAddr::V6(a) => {
            a.ip().is_loopback() || a.ip().to_ipv4_mapped().is_some_and(|v4| v4.octets() == [127, 0, 0, 1])
        }
    }
}

/// Serves one accepted connection until it closes.
pub async fn serve(shared: Arc<Shared>, mut stream: TcpStream, addr: SocketAddr) {
    shared.stats.connections_received.fetch_add(1, Relaxed);
    let mut config: Arc<Config> = shared.config();
    let mut config_gen = shared.config_generation();
    let _ = stream.set_nodelay(true);
    set_keepalive(&stream, config.tcp_keepalive);

    if shared.clients.count() as u64 >= config.maxclients {
        shared.stats.rejected_connections.fetch_add(1, Relaxed);
        let _ = stream.write_all(b"-ERR max number of clients reached\r\n").await;
        return;
    }
    if config.protected_mode && config.requirepass.is_none() && !is_loopback(&addr) {
        shared.stats.rejected_connections.fetch_add(1, Relaxed);
        let _ = stream.write_all(PROTECTED_MODE_DENIED.as_bytes()).await;
        return;
    }
    let laddr = stream.local_addr().unwrap_or(addr);
    let (handle, mut inbox) = shared.clients.register(addr, laddr);
    let mut client = Client::new(handle.clone(), config.requirepass.is_none());
    let mut parser = RequestParser::new();
    // Buffers start small and grow with use (a health check's PING never needs 16 KB).
    let mut rbuf = BytesMut::with_capacity(IDLE_CHUNK);
    let mut wbuf = BytesMut::new();
    let mut shutdown = shared.shutdown_watch();
    let mut last_activity = std::time::Instant::now();
    // Fires IDLE_SHRINK after the last read (re-armed lazily when it finds activity).
    let shrink_timer = tokio::time::sleep(IDLE_SHRINK);
    tokio::pin!(shrink_timer);
    let mut shrunk = true;
    // A request parsed but held back by CLIENT PAUSE.
    let mut pending: Option<Args> = None;
    let mut close_after_write = false;
    // Replies handed to the AOF to send once durable (`appendfsync always`). Declared
    // after `stream`, so it is dropped (and the AOF lets go of the socket) first.
    let mut handoff: Option<Handoff> = None;

    loop {
        if handle.killed.load(Relaxed) || shared.shutting_down() {
            break;
        }
        // The AOF sent a handed-off reply: take back what the socket did not take.
        if handoff.as_ref().is_some_and(Handoff::sent) && !settle(&shared, &mut handoff, &mut stream, &handle).await {
            break;
        }
        if rbuf.capacity() - rbuf.len() < IDLE_CHUNK {
            rbuf.reserve(if shrunk { IDLE_CHUNK } else { READ_CHUNK });
        }
        let idle_limit = config.timeout;
        let read = tokio::select! {
            r = stream.read_buf(&mut rbuf) => r,
            _ = &mut shrink_timer, if !shrunk => {
                if last_activity.elapsed() >= IDLE_SHRINK && rbuf.is_empty() && wbuf.is_empty() {
                    rbuf = BytesMut::new();
                    wbuf = BytesMut::new();
                    shrunk = true;
                    publish_buffers(&client, &rbuf, &wbuf);
                } else {
                    shrink_timer.as_mut().reset(tokio::time::Instant::from_std(last_activity + IDLE_SHRINK));
                }
                continue;
            }
            _ = handle.wake.notified() => continue,
            Some(first) = inbox.recv() => {
                // Pub/Sub messages: write every one waiting, in one write.
                let mut written = first.size();
                encode(&message_reply(first), client.resp, &mut wbuf);
                while let Ok(msg) = inbox.try_recv() {
                    written += msg.size();
                    encode(&message_reply(msg), client.resp, &mut wbuf);
                }
                shared.stats.net_output_bytes.fetch_add(wbuf.len() as u64, Relaxed);
                let ok = settle(&shared, &mut handoff, &mut stream, &handle).await
                    && write_unless_killed(&mut stream, &wbuf, &handle).await;
                wbuf.clear();
                handle.pending_bytes.fetch_sub(written.min(handle.pending_bytes.load(Relaxed)), Relaxed);
                if !ok {
                    break;
                }
                continue;
            }
            _ = shutdown.changed() => break,
            _ = idle_sleep(idle_limit, last_activity) => {
                shared.log(Level::Verbose, "Closing idle client");
                break;
            }
        };
        let n = match read {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        // CLIENT KILL may have landed while the read was ready: nothing more runs.
        if handle.killed.load(Relaxed) {
            break;
        }
        last_activity = std::time::Instant::now();
        if shrunk {
            shrunk = false;
            shrink_timer.as_mut().reset(tokio::time::Instant::from_std(last_activity + IDLE_SHRINK));
        }
        shared.stats.net_input_bytes.fetch_add(n as u64, Relaxed);
        if shared.config_generation() != config_gen {
            config = shared.config();
            config_gen = shared.config_generation();
        }
        if rbuf.len() as u64 > config.client_query_buffer_limit {
            shared.log(Level::Warning, "Closing client that reached max query buffer length");
            break;
        }

        // Run every complete request in the buffer, then write all replies at once.
        let mut batch =
            Batch { shared: &shared, client: &mut client, config: &mut config, config_gen: &mut config_gen };
        loop {
            match batch.run(&mut parser, &mut rbuf, &mut wbuf, &mut pending) {
                BatchEnd::NeedInput => break,
                BatchEnd::Paused => wait_if_paused(&shared, pending.as_deref()).await,
                BatchEnd::Blocked => {
                    // Flush what the batch answered so far (and what the AOF holds),
                    // then wait.
                    if !settle(&shared, &mut handoff, &mut stream, &handle).await {
                        close_after_write = true;
                        break;
                    }
                    if !wbuf.is_empty() {
                        // Under `always` the writes answered so far are on disk first.
                        if let Some(pos) = shared.aof.reply_waits_for(batch.client.aof_pos) {
                            shared.aof.wait_durable(pos).await;
                        }
                        if !write_unless_killed(&mut stream, &wbuf, &handle).await {
                            close_after_write = true;
                            break;
                        }
                        wbuf.clear();
                    }
                    let Some(blocked) = batch.client.blocked.take() else { continue };
                    match wait_blocked(&shared, &blocked, &mut stream, &mut rbuf, &handle, &mut shutdown).await {
                        Some(reply) => {
                            let client = &mut *batch.client;
                            encode(&reply, client.resp, &mut wbuf);
                            // A BLMOVE that was served made its destination ready.
                            if let crate::store::blocking::BlockOp::Move { dst, .. } = &blocked.waiter.op {
                                crate::commands::blocking::serve_all(
                                    &shared,
                                    blocked.waiter.db,
                                    vec![dst.clone()],
                                    unix_ms(),
                                );
                            }
                        }
                        None => {
                            close_after_write = true;
                            break;
                        }
                    }
                }
                BatchEnd::Close => {
                    close_after_write = true;
                    break;
                }
                BatchEnd::ProtocolError(text) => {
                    shared.log(
                        Level::Verbose,
                        &format!("Protocol error ({text}) from client: id={} addr={addr}", batch.client.id),
                    );
                    encode(&Reply::Error(text.into()), batch.client.resp, &mut wbuf);
                    close_after_write = true;
                    break;
                }
            }
        }
        publish_meta(&client, &rbuf, &wbuf, &shared);
        // Under `appendfsync always` no reply leaves before the writes it acknowledges
        // are on disk (one fsync covers every connection waiting at that moment); the
        // other policies leave the batch's records to the writer thread's next pass.
        let durable_at = shared.aof.reply_waits_for(client.aof_pos);
        // A later batch of reads waits for nothing.
        client.aof_pos = 0;
        if wbuf.is_empty() {
            if let Some(pos) = durable_at {
                shared.aof.wait_durable(pos).await;
            }
        } else {
            // `client-output-buffer-limit`: replies past the hard limit, or past the
            // soft one for its seconds while the client does not read, close the
            // connection as Redis does (nothing of them is sent).
            let limits = &config.client_output_buffer_limit;
            let limit = if client.subscriptions.is_empty() && client.patterns.is_empty() {
                limits.normal
            } else {
                limits.pubsub
            };
            if limit.hard > 0 && wbuf.len() as u64 > limit.hard {
                log_output_limit(&shared, &handle);
                break;
            }
            shared.stats.net_output_bytes.fetch_add(wbuf.len() as u64, Relaxed);
            handle.obl.store(wbuf.len() as u64, Relaxed);
            let soft = (limit.soft > 0 && wbuf.len() as u64 > limit.soft)
                .then(|| std::time::Duration::from_secs(limit.soft_seconds + 1));
            if !settle(&shared, &mut handoff, &mut stream, &handle).await {
                break;
            }
            if let Some(pos) = durable_at {
                // A small reply goes to the AOF, which sends it right after the fsync
                // (no wake-up of this task in between); this task reads on meanwhile.
                if soft.is_none() && wbuf.len() <= HANDOFF_MAX {
                    let waker = std::task::Waker::from(handle.clone());
                    handoff = shared.aof.hand_off(pos, stream.as_raw_fd(), &wbuf, waker);
                }
                if handoff.is_some() {
                    handle.obl.store(0, Relaxed);
                    wbuf.clear();
                    if close_after_write || client.close_after_reply {
                        break;
                    }
                    continue;
                }
                shared.aof.wait_durable(pos).await;
            }
            let written = match soft {
                None => write_unless_killed(&mut stream, &wbuf, &handle).await,
                Some(grace) => {
                    match tokio::time::timeout(grace, write_unless_killed(&mut stream, &wbuf, &handle)).await {
                        Ok(ok) => ok,
                        Err(_) => {
                            log_output_limit(&shared, &handle);
                            false
                        }
                    }
                }
            };
            if !written {
                break;
            }
            handle.obl.store(0, Relaxed);
            wbuf.clear();
            if wbuf.capacity() > 1024 * 1024 {
                wbuf = BytesMut::with_capacity(READ_CHUNK);
            }
        }
        if close_after_write || client.close_after_reply {
            break;
        }
        if rbuf.is_empty() && rbuf.capacity() > 1024 * 1024 {
            rbuf = BytesMut::with_capacity(READ_CHUNK);
        }
    }
    // A reply still with the AOF goes out first (a client that sent a write and
    // half-closed still gets it), unless the client was killed or the server stops.
    if handle.killed.load(Relaxed) || shared.shutting_down() {
        handoff = None;
    }
    let _ = settle(&shared, &mut handoff, &mut stream, &handle).await;
    let _ = stream.shutdown().await;
    if let Some(blocked) = client.blocked.take() {
        shared.store.blocking.remove(&blocked.waiter);
    }
    for channel in client.subscriptions.drain(..) {
        shared.pubsub.unsubscribe(&channel, client.id);
    }
    for pattern in client.patterns.drain(..) {
        shared.pubsub.punsubscribe(&pattern, client.id);
    }
    if client.monitor {
        shared.monitors.remove(client.id);
    }
    let watched: Vec<(usize, bytes::Bytes)> = client.watched.drain(..).map(|(db, k, _)| (db, k)).collect();
    shared.store.watches.unwatch(&watched, &client.watch_dirty);
    shared.clients.unregister(client.id);
}

/// Copies what CLIENT LIST shows into the shared handle, once per batch.
/// Publishes the buffers' sizes alone (after an idle connection gave them back).
fn publish_buffers(client: &Client, rbuf: &BytesMut, wbuf: &BytesMut) {
    let mut m = client.handle.meta.lock();
    m.qbuf = rbuf.len();
    m.qbuf_free = rbuf.capacity() - rbuf.len();
    m.rbs = wbuf.capacity();
}

fn publish_meta(client: &Client, rbuf: &BytesMut, wbuf: &BytesMut, _shared: &Shared) {
    let mut m = client.handle.meta.lock();
    m.db = client.db;
    m.resp = client.resp;
    m.name.clone_from(&client.name);
    m.lib_name.clone_from(&client.lib_name);
    m.lib_ver.clone_from(&client.lib_ver);
    m.last_interaction = std::time::Instant::now();
    m.qbuf = rbuf.len();
    m.qbuf_free = rbuf.capacity() - rbuf.len();
    m.rbs = wbuf.capacity();
    m.no_evict = client.no_evict;
    m.no_touch = client.no_touch;
    m.authenticated = client.authenticated;
    m.subs = client.subscriptions.len();
    m.psubs = client.patterns.len();
    m.multi = client.multi.as_ref().map_or(-1, |q| q.len() as i64);
    m.monitor = client.monitor;
    if client.last_command != usize::MAX {
        let entry = commands::TABLE.get(client.last_command);
        if m.last_cmd != entry.fullname {
            m.last_cmd.clone_from(&entry.fullname);
        }
    }
}

/// Sleeps until the client has been idle for `timeout` seconds (never, if 0).
async fn idle_sleep(timeout: u64, last: std::time::Instant) {
    if timeout == 0 {
        std::future::pending::<()>().await;
    }
    let deadline = last + std::time::Duration::from_secs(timeout);
    tokio::time::sleep_until(deadline.into()).await;
}

/// Waits for a blocked command to be served, time out, or be unblocked; returns its
/// reply, or None when the client went away (or was killed, or the server stops).
/// Reads the socket meanwhile, so a disconnect is noticed and pipelined requests are
/// kept for afterwards.
async fn wait_blocked(
    shared: &Shared,
    blocked: &crate::commands::blocking::Blocked,
    stream: &mut TcpStream,
    rbuf: &mut BytesMut,
    handle: &super::client::ClientHandle,
    shutdown: &mut tokio::sync::watch::Receiver<bool>,
) -> Option<Reply> {
    use crate::store::blocking::WaitState;
    let w = &blocked.waiter;
    let finish = |timed_out: bool| {
        let mut state = w.state.lock();
        if timed_out && matches!(*state, WaitState::Waiting) {
            *state = WaitState::TimedOut;
        }
        // What ended the wait is taken out; the state left behind must not read as
        // `Waiting`, or a push landing before the waiter is removed below would serve
        // it an element nobody receives.
        let done = std::mem::replace(&mut *state, WaitState::TimedOut);
        drop(state);
        shared.store.blocking.remove(w);
        crate::commands::blocking::final_reply(&w.op, done)
    };
    let cancel = || {
        let mut state = w.state.lock();
        *state = WaitState::TimedOut;
        drop(state);
        shared.store.blocking.remove(w);
    };
    loop {
        if !matches!(*w.state.lock(), WaitState::Waiting) {
            return Some(finish(false));
        }
        if handle.killed.load(Relaxed) || shared.shutting_down() {
            cancel();
            return None;
        }
        if rbuf.capacity() - rbuf.len() < 1024 {
            rbuf.reserve(READ_CHUNK);
        }
        let deadline = blocked.deadline;
        tokio::select! {
            _ = w.wake.notified() => {}
            _ = async {
                match deadline {
                    Some(d) => tokio::time::sleep_until(d.into()).await,
                    None => std::future::pending::<()>().await,
                }
            } => return Some(finish(true)),
            r = stream.read_buf(rbuf) => {
                if matches!(r, Ok(0) | Err(_)) {
                    cancel();
                    return None;
                }
            }
            _ = handle.wake.notified() => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// Replies up to this size are handed to the AOF under `appendfsync always`
/// ([`Handoff`]); larger ones are written by the connection after waiting.
const HANDOFF_MAX: usize = 16 * 1024;

/// Takes back the reply handed to the AOF, if any, waiting for its position to be
/// durable when the AOF has not sent it yet, and writes what the AOF did not send.
/// Every write on the socket comes after this, so replies keep their order. False if
/// the connection is to close (the write failed or the client was killed).
async fn settle(
    shared: &Shared,
    handoff: &mut Option<Handoff>,
    stream: &mut TcpStream,
    handle: &super::client::ClientHandle,
) -> bool {
    let Some(h) = handoff.take() else { return true };
    if !h.sent() {
        shared.aof.wait_durable(h.pos()).await;
    }
    let rest = h.take_back();
    rest.is_empty() || write_unless_killed(stream, &rest, handle).await
}

/// Writes `buf`, giving up if the client is killed meanwhile (a subscriber past its
/// output-buffer limit that stopped reading would otherwise hold its task forever).
async fn write_unless_killed(stream: &mut TcpStream, buf: &[u8], handle: &super::client::ClientHandle) -> bool {
    let write = stream.write_all(buf);
    tokio::pin!(write);
    loop {
        tokio::select! {
            r = &mut write => return r.is_ok(),
            _ = handle.wake.notified() => {
                if handle.killed.load(Relaxed) {
                    return false;
                }
            }
        }
    }
}

/// Redis's log line for a client closed at its output-buffer limit.
fn log_output_limit(shared: &Shared, handle: &super::client::ClientHandle) {
    let info = crate::commands::client_cmd::client_line(handle, 0, None);
    shared.log(
        Level::Warning,
        &format!("Client {info} scheduled to be closed ASAP for overcoming of output buffer limits."),
    );
}

/// A Pub/Sub message as the frame a subscriber receives (a push in RESP3).
fn message_reply(msg: super::pubsub::PushMsg) -> Reply {
    use super::pubsub::PushMsg;
    match msg {
        PushMsg::Message { channel, payload } => {
            Reply::Push(vec![Reply::bulk_static("message"), Reply::Bulk(channel), Reply::Bulk(payload)])
        }
        PushMsg::PMessage { pattern, channel, payload } => Reply::Push(vec![
            Reply::bulk_static("pmessage"),
            Reply::Bulk(pattern),
            Reply::Bulk(channel),
            Reply::Bulk(payload),
        ]),
        PushMsg::Monitor(line) => Reply::Simple(line),
    }
}

/// How a batch ended.
enum BatchEnd {
    /// The read buffer holds no further complete request.
    NeedInput,
    /// The next request must wait for CLIENT PAUSE to end.
    Paused,
    /// The client asked to close (QUIT, CLIENT KILL of itself, SHUTDOWN).
    Close,
    /// A malformed request: reply this text and close.
    ProtocolError(String),
    /// A blocking command is waiting (`client.blocked`).
    Blocked,
}

/// One connection's view while it runs the requests it has buffered.
struct Batch<'a> {
    shared: &'a Shared,
    client: &'a mut Client,
    config: &'a mut Arc<Config>,
    config_gen: &'a mut u64,
}

impl Batch<'_> {
    /// Runs every complete request in `rbuf`, encoding replies into `wbuf`. Synchronous:
    /// the store gate is held (shared) across the whole batch, so a pipeline of N
    /// commands pays for the gate once, and it is released before returning, so no
    /// lock is ever held across an `.await` (the guard is not even `Send`).
    fn run(
        &mut self,
        parser: &mut RequestParser,
        rbuf: &mut BytesMut,
        wbuf: &mut BytesMut,
        pending: &mut Option<Args>,
    ) -> BatchEnd {
        let shared = self.shared;
        let mut gate = GateHold::new(shared);
        // The wall clock is read once per batch; each command's "now" adds the
        // monotonic time elapsed since, so a command costs one clock read, not two.
        let batch_start = std::time::Instant::now();
        let batch_ms = unix_ms();
        let end = loop {
            let args = match pending.take() {
                Some(args) => args,
                None => {
                    let limits = Limits {
                        max_bulk_len: self.config.proto_max_bulk_len,
                        unauthenticated: !self.client.authenticated && self.config.requirepass.is_some(),
                    };
                    match parser.next(rbuf, limits) {
                        Ok(Some(args)) => args,
                        Ok(None) => break BatchEnd::NeedInput,
                        Err(e) => break BatchEnd::ProtocolError(e.0),
                    }
                }
            };
            if must_pause(shared, &args) {
                *pending = Some(args);
                break BatchEnd::Paused;
            }
            let start = std::time::Instant::now();
            let now = batch_ms + start.duration_since(batch_start).as_millis() as u64;
            let mut ctx = Ctx {
                shared,
                client: self.client,
                config: self.config,
                now,
                changes: Default::default(),
                touched: Default::default(),
            };
            let reply = commands::dispatch(&mut ctx, &args, &mut gate, start);
            let client = &mut *self.client;
            if client.blocked.is_some() {
                // The command waits; later pipelined requests wait behind it.
                break BatchEnd::Blocked;
            }
            match client.reply_mode {
                ReplyMode::On => encode(&reply, client.resp, wbuf),
                ReplyMode::Off => {}
                ReplyMode::Skip => client.reply_mode = ReplyMode::On,
                ReplyMode::SkipNext => client.reply_mode = ReplyMode::Skip,
            }
            if client.close_after_reply || shared.shutting_down() {
                break BatchEnd::Close;
            }
            if *self.config_gen != shared.config_generation() {
                *self.config = shared.config();
                *self.config_gen = shared.config_generation();
            }
        };
        drop(gate);
        commands::flush_stats(shared, self.client);
        end
    }
}

/// Must this request wait for CLIENT PAUSE? Every command under ALL; under WRITE, the
/// commands that may write (as Redis 7.0 decides from the command's flags).
fn must_pause(shared: &Shared, args: &[bytes::Bytes]) -> bool {
    let until = shared.pause.until.load(Relaxed);
    if until == 0 || until <= unix_ms() {
        return false;
    }
    !shared.pause.writes_only.load(Relaxed) || may_write(shared, args)
}

/// Sleeps while the pending request must wait for CLIENT PAUSE.
async fn wait_if_paused(shared: &Shared, args: Option<&[bytes::Bytes]>) {
    let Some(args) = args else { return };
    while must_pause(shared, args) {
        let until = shared.pause.until.load(Relaxed);
        let left = until.saturating_sub(unix_ms()).clamp(1, 20);
        tokio::time::sleep(std::time::Duration::from_millis(left)).await;
    }
}

/// Does this request name a command flagged `write` or `may_replicate`?
fn may_write(shared: &Shared, args: &[bytes::Bytes]) -> bool {
    use crate::commands::flags::{MAY_REPLICATE, WRITE};
    let table = &*commands::TABLE;
    let Some(idx) = args.first().and_then(|n| shared.renames.lookup(n)) else { return false };
    let mut cmd = table.get(idx);
    if let Some(sub) = args.get(1).and_then(|s| table.lookup_sub(idx, s)) {
        cmd = table.get(sub);
    }
    cmd.cmd.flags & (WRITE | MAY_REPLICATE) != 0
}
