//! The client's two bulk modes: `--scan` (list keys with SCAN) and `--pipe` (mass
//! insertion of raw protocol from stdin).
//!
//! Owns SCAN's cursor loop and the `--pipe` protocol: stdin is copied to the socket by
//! a writer thread while the main thread counts replies; at the end of stdin an
//! `ECHO` of 20 random bytes goes out (after an empty inline line, as redis-cli
//! sends it), and its echo marks the last reply. Must not: parse what stdin holds.

use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::protocol::Reply;
use crate::sds::quote_arg;

use super::conn::ReadFailure;
use super::format::{text_of, Output};
use super::Session;

/// Raised by the `--pipe` watchdog when no reply came for `--pipe-timeout` seconds.
static PIPE_GIVE_UP: AtomicBool = AtomicBool::new(false);

/// `--scan [--pattern p] [--count n]`: prints every key, one per line (quoted on a
/// terminal, raw otherwise). Exits 1 when SCAN fails.
pub fn scan_mode(session: &mut Session) -> i32 {
    if !session.connect() {
        return 1;
    }
    let mut cursor = b"0".to_vec();
    let mut stdout = std::io::stdout();
    loop {
        let mut args = vec![b"SCAN".to_vec(), cursor.clone()];
        if let Some(pattern) = &session.opts.pattern {
            args.extend([b"MATCH".to_vec(), pattern.clone()]);
        }
        if let Some(count) = session.opts.count {
            args.extend([b"COUNT".to_vec(), count.to_string().into_bytes()]);
        }
        let Some(conn) = session.link.as_mut().and_then(|l| l.conn.as_mut()) else {
            return 1;
        };
        let reply = match conn.call(&args) {
            Ok(reply) => reply,
            Err(_) => {
                eprintln!("I/O error");
                return 1;
            }
        };
        let (next, keys) = match reply {
            Reply::Error(e) => {
                eprintln!("SCAN error: {}", String::from_utf8_lossy(&e));
                return 1;
            }
            Reply::Array(mut parts) if parts.len() == 2 => {
                let keys = parts.pop();
                let next = parts.pop();
                match (next.as_ref().and_then(text_of), keys) {
                    (Some(next), Some(Reply::Array(keys) | Reply::Set(keys))) => (next.to_vec(), keys),
                    _ => {
                        eprintln!("SCAN error: unexpected reply");
                        return 1;
                    }
                }
            }
            _ => {
                eprintln!("SCAN error: unexpected reply");
                return 1;
            }
        };
        let mut out = Vec::new();
        for key in &keys {
            let key = text_of(key).unwrap_or_default();
            if session.output == Output::Standard {
                quote_arg(key, &mut out);
            } else {
                out.extend_from_slice(key);
            }
            out.push(b'\n');
        }
        let _ = stdout.write_all(&out);
        let _ = stdout.flush();
        if next == b"0" {
            return 0;
        }
        cursor = next;
        if session.opts.interval > 0.0 {
            std::thread::sleep(Duration::from_secs_f64(session.opts.interval));
        }
    }
}

/// `--pipe`: sends stdin as it is, then waits for the reply to a final ECHO; prints
/// redis-cli's summary. Exits 1 when a reply was an error or the wait timed out.
pub fn pipe_mode(session: &mut Session) -> i32 {
    if !session.connect() {
        return 1;
    }
    let Some(conn) = session.link.as_mut().and_then(|l| l.conn.as_mut()) else {
        return 1;
    };
    let mut writer = match conn.try_clone_writer() {
        Ok(w) => w,
        Err(e) => {
            eprintln!("Error: {}", super::conn::error_text(&e));
            return 1;
        }
    };
    let _ = conn.set_interrupt(&PIPE_GIVE_UP);
    let magic: [u8; 20] = rand::random();
    let all_sent = Arc::new(AtomicBool::new(false));
    let start = Instant::now();
    // Milliseconds since `start` of the last reply (or of the end of stdin).
    let last_progress = Arc::new(AtomicU64::new(0));
    let writer_thread = {
        let all_sent = Arc::clone(&all_sent);
        let last_progress = Arc::clone(&last_progress);
        std::thread::spawn(move || {
            let mut stdin = std::io::stdin().lock();
            let mut buf = vec![0u8; 64 * 1024];
            loop {
                match stdin.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if writer.write_all(&buf[..n]).is_err() {
                            return;
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(_) => break,
                }
            }
            let mut tail = b"\r\n*2\r\n$4\r\nECHO\r\n$20\r\n".to_vec();
            tail.extend_from_slice(&magic);
            tail.extend_from_slice(b"\r\n");
            let _ = writer.write_all(&tail);
            let mut stdout = std::io::stdout();
            let _ = writeln!(stdout, "All data transferred. Waiting for the last reply...");
            let _ = stdout.flush();
            last_progress.store(start.elapsed().as_millis() as u64, Ordering::SeqCst);
            all_sent.store(true, Ordering::SeqCst);
        })
    };
    let timeout_ms = session.opts.pipe_timeout.saturating_mul(1000);
    {
        let all_sent = Arc::clone(&all_sent);
        let last_progress = Arc::clone(&last_progress);
        // The watchdog: once everything is sent, give up after the timeout without a reply.
        std::thread::spawn(move || loop {
            std::thread::sleep(Duration::from_millis(100));
            let idle = (start.elapsed().as_millis() as u64).saturating_sub(last_progress.load(Ordering::SeqCst));
            if timeout_ms > 0 && all_sent.load(Ordering::SeqCst) && idle > timeout_ms {
                PIPE_GIVE_UP.store(true, Ordering::SeqCst);
                return;
            }
        });
    }
    let (mut errors, mut replies) = (0u64, 0u64);
    let mut stderr = std::io::stderr();
    let code = loop {
        match conn.read_reply() {
            Ok(reply) => {
                last_progress.store(start.elapsed().as_millis() as u64, Ordering::SeqCst);
                // The writer may not have flagged the end yet: the echo alone marks it.
                if text_of(&reply) == Some(&magic[..]) && !reply.is_error() {
                    break None;
                }
                replies += 1;
                if let Reply::Error(e) = &reply {
                    errors += 1;
                    let _ = stderr.write_all(e);
                    let _ = stderr.write_all(b"\n");
                }
            }
            Err(ReadFailure::Interrupted) => {
                eprintln!("No replies for {} seconds: exiting.", session.opts.pipe_timeout);
                break Some(1);
            }
            Err(ReadFailure::Closed) => {
                eprintln!("Error reading from the server: Server closed the connection");
                break Some(1);
            }
            Err(ReadFailure::Io(e)) => {
                eprintln!("Error reading from the server: {}", super::conn::error_text(&e));
                break Some(1);
            }
        }
    };
    if let Some(code) = code {
        return code;
    }
    let _ = writer_thread.join();
    let mut stdout = std::io::stdout();
    let _ = write!(stdout, "Last reply received from server.\nerrors: {errors}, replies: {replies}\n");
    let _ = stdout.flush();
    i32::from(errors > 0)
}
