//! Connection commands and connection-level limits through raw bytes: AUTH, HELLO,
//! PING, ECHO, QUIT, RESET, SELECT, which commands run before AUTH, the `timeout`
//! directive, `maxclients`, and protected mode.
//!
//! Every expected byte string is what redis-server 7.0.15 sent for the same
//! requests, recorded by starting a real `redis-server --port <free port> --save ''
//! --appendonly no` with the test's configuration (`--requirepass pw`,
//! `--timeout 1`, `--maxclients 2`, `--protected-mode yes|no`), sending the bytes
//! with a plain socket (bound to 127.0.0.2 for the protected-mode cases) and
//! keeping the reply and whether the server then closed the connection. HELLO's
//! `id` is the only part that differs between runs; it is compared with the id
//! CLIENT ID reports on the same connection.

mod common;
#[path = "common/raw.rs"]
mod raw;

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::thread;
use std::time::Duration;

use common::{RawConnection, TestServer};
use raw::{cmd, Wire};

const SILENCE: Duration = Duration::from_millis(150);

const NOAUTH: &[u8] = b"-NOAUTH Authentication required.\r\n";
const WRONGPASS: &[u8] = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n";
const HELLO_NOAUTH: &[u8] = b"-NOAUTH HELLO must be called with the client already \
    authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to \
    authenticate the client and select the RESP protocol version at the same time\r\n";

/// A server with `requirepass pw`.
fn server_with_password() -> TestServer {
    TestServer::start_with(|cfg| cfg.requirepass = Some(b"pw".to_vec()))
}

fn connect(server: &TestServer) -> RawConnection {
    RawConnection::connect(server.addr()).unwrap()
}

/// HELLO's reply as 7.0.15 sends it: a map in RESP3, a flat array in RESP2.
fn hello_reply(proto: u8, id: u64) -> Vec<u8> {
    let header = if proto == 3 { "%7" } else { "*14" };
    format!(
        "{header}\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n\
         $5\r\nproto\r\n:{proto}\r\n$2\r\nid\r\n:{id}\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n\
         $4\r\nrole\r\n$6\r\nmaster\r\n$7\r\nmodules\r\n*0\r\n"
    )
    .into_bytes()
}

/// The connection's id, from CLIENT ID (an integer reply in both protocols).
fn client_id(c: &mut RawConnection) -> u64 {
    let reply = c.call(&["CLIENT", "ID"]).unwrap();
    assert_eq!(reply[0], b':', "{}", common::escape(&reply));
    std::str::from_utf8(&reply[1..reply.len() - 2]).unwrap().parse().unwrap()
}

#[test]
fn auth_without_a_password() {
    let server = TestServer::start();
    let mut c = connect(&server);
    let cases: &[(&[&str], &[u8])] = &[
        (
            &["AUTH", "x"],
            b"-ERR AUTH <password> called without any password configured for the default \
              user. Are you sure your configuration is correct?\r\n",
        ),
        // The default user has `nopass`: any password is right for it.
        (&["AUTH", "default", "x"], b"+OK\r\n"),
        (&["AUTH", "foo", "x"], WRONGPASS),
        (&["AUTH", "a", "b", "c"], b"-ERR syntax error\r\n"),
        (&["AUTH"], b"-ERR wrong number of arguments for 'auth' command\r\n"),
        (&["HELLO", "3", "AUTH", "foo", "x"], WRONGPASS),
    ];
    for (args, reply) in cases {
        assert_eq!(c.call(args).unwrap(), *reply, "{args:?}");
    }
    let id = client_id(&mut c);
    assert_eq!(c.call(&["HELLO", "3", "AUTH", "default", "x"]).unwrap(), hello_reply(3, id));
}

#[test]
fn auth_with_a_password() {
    let server = server_with_password();
    let mut c = connect(&server);
    assert_eq!(c.call(&["GET", "a"]).unwrap(), NOAUTH);
    c.send_raw(b"GET a\r\n").unwrap();
    assert_eq!(c.read_reply().unwrap(), NOAUTH);
    let cases: &[(&[&str], &[u8])] = &[
        (&["AUTH", "x"], WRONGPASS),
        (&["AUTH", "default", "x"], WRONGPASS),
        (&["AUTH", "foo", "pw"], WRONGPASS),
        (&["AUTH", "a", "b", "c"], b"-ERR syntax error\r\n"),
        (&["GET", "a"], NOAUTH),
        (&["AUTH", "pw"], b"+OK\r\n"),
        (&["GET", "a"], b"$-1\r\n"),
        // A wrong password later does not undo the earlier AUTH.
        (&["AUTH", "x"], WRONGPASS),
        (&["GET", "a"], b"$-1\r\n"),
    ];
    for (args, reply) in cases {
        assert_eq!(c.call(args).unwrap(), *reply, "{args:?}");
    }
    let mut c = connect(&server);
    assert_eq!(c.call(&["AUTH", "default", "pw"]).unwrap(), b"+OK\r\n");
    assert_eq!(c.call(&["GET", "a"]).unwrap(), b"$-1\r\n");
}

#[test]
fn hello_with_a_password() {
    let server = server_with_password();
    let mut c = connect(&server);
    assert_eq!(c.call(&["HELLO", "3"]).unwrap(), HELLO_NOAUTH);
    assert_eq!(c.call(&["HELLO"]).unwrap(), HELLO_NOAUTH);
    assert_eq!(c.call(&["HELLO", "3", "SETNAME", "x"]).unwrap(), HELLO_NOAUTH);
    assert_eq!(c.call(&["HELLO", "3", "AUTH", "default", "x"]).unwrap(), WRONGPASS);
    // HELLO AUTH authenticates and switches protocol in one step.
    let reply = c.call(&["HELLO", "3", "AUTH", "default", "pw"]).unwrap();
    let id = client_id(&mut c);
    assert_eq!(reply, hello_reply(3, id));
    assert_eq!(c.call(&["GET", "a"]).unwrap(), b"_\r\n");

    let mut c = connect(&server);
    let reply = c.call(&["HELLO", "2", "AUTH", "default", "pw"]).unwrap();
    let id = client_id(&mut c);
    assert_eq!(reply, hello_reply(2, id));

    // The name is checked before the credentials when it comes first.
    let mut c = connect(&server);
    assert_eq!(
        c.call(&["HELLO", "3", "SETNAME", "bad name", "AUTH", "default", "pw"]).unwrap(),
        b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
    );
    assert_eq!(c.call(&["GET", "a"]).unwrap(), NOAUTH);
}

#[test]
fn hello_options_are_applied_in_order() {
    let server = server_with_password();
    let mut c = connect(&server);
    assert_eq!(
        c.call(&["HELLO", "3", "AUTH", "default", "pw", "SETNAME", "bad name"]).unwrap(),
        b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n"
    );
    // Redis 7.0.15 authenticates when it reaches AUTH, before it looks at SETNAME,
    // so the failed HELLO above has already logged the client in.
    assert_eq!(c.call(&["GET", "a"]).unwrap(), b"$-1\r\n");

    let mut c = connect(&server);
    assert_eq!(
        c.call(&["HELLO", "3", "AUTH", "default", "pw", "FOO"]).unwrap(),
        b"-ERR Syntax error in HELLO option 'FOO'\r\n"
    );
    // Redis 7.0.15 sends `$-1\r\n` here, for the same reason.
    assert_eq!(c.call(&["GET", "a"]).unwrap(), b"$-1\r\n");
}

#[test]
fn hello_errors_and_options() {
    let server = TestServer::start();
    let mut c = connect(&server);
    let cases: &[(&[&str], &[u8])] = &[
        (&["HELLO", "4"], b"-NOPROTO unsupported protocol version\r\n"),
        (&["HELLO", "1"], b"-NOPROTO unsupported protocol version\r\n"),
        (&["HELLO", "abc"], b"-ERR Protocol version is not an integer or out of range\r\n"),
        (
            &["HELLO", "3", "SETNAME", "bad name"],
            b"-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
        ),
        (&["HELLO", "3", "FOO"], b"-ERR Syntax error in HELLO option 'FOO'\r\n"),
        (&["HELLO", "3", "AUTH", "x"], b"-ERR Syntax error in HELLO option 'AUTH'\r\n"),
        (&["HELLO", "3", "SETNAME"], b"-ERR Syntax error in HELLO option 'SETNAME'\r\n"),
        // None of the failed HELLOs changed the protocol or the name.
        (&["GET", "a"], b"$-1\r\n"),
        (&["CLIENT", "GETNAME"], b"$-1\r\n"),
    ];
    for (args, reply) in cases {
        assert_eq!(c.call(args).unwrap(), *reply, "{args:?}");
    }
    let id = client_id(&mut c);
    assert_eq!(c.call(&["HELLO"]).unwrap(), hello_reply(2, id));
    assert_eq!(c.call(&["HELLO", "3", "SETNAME", "good"]).unwrap(), hello_reply(3, id));
    assert_eq!(c.call(&["CLIENT", "GETNAME"]).unwrap(), b"$4\r\ngood\r\n");
    // HELLO without a version keeps the current protocol.
    assert_eq!(c.call(&["HELLO"]).unwrap(), hello_reply(3, id));
    assert_eq!(c.call(&["HELLO", "2"]).unwrap(), hello_reply(2, id));
}

#[test]
fn commands_allowed_before_auth() {
    let server = server_with_password();
    let mut c = connect(&server);
    let cases: &[(&[&str], &[u8])] = &[
        (&["PING"], NOAUTH),
        (&["PING", "x"], NOAUTH),
        (&["ECHO", "x"], NOAUTH),
        (&["SELECT", "0"], NOAUTH),
        (&["COMMAND"], NOAUTH),
        (&["INFO"], NOAUTH),
        (&["DBSIZE"], NOAUTH),
        (&["FLUSHALL"], NOAUTH),
        (&["SHUTDOWN"], NOAUTH),
        (&["CLIENT", "SETNAME", "x"], NOAUTH),
        (&["CLIENT", "ID"], NOAUTH),
        // Unknown commands and wrong arities are answered before authentication
        // is checked.
        (&["UNKNOWNCMD"], b"-ERR unknown command 'UNKNOWNCMD', with args beginning with: \r\n"),
        (&["GET"], b"-ERR wrong number of arguments for 'get' command\r\n"),
        (&["ECHO"], b"-ERR wrong number of arguments for 'echo' command\r\n"),
        (&["CLIENT"], b"-ERR wrong number of arguments for 'client' command\r\n"),
        (&["CONFIG"], b"-ERR wrong number of arguments for 'config' command\r\n"),
        // AUTH, HELLO (above), RESET and QUIT run.
        (&["RESET"], b"+RESET\r\n"),
    ];
    for (args, reply) in cases {
        assert_eq!(c.call(args).unwrap(), *reply, "{args:?}");
    }
    let mut wire = Wire::connect(server.addr());
    wire.send(&cmd(&[b"QUIT"]));
    wire.expect_then_closed(b"+OK\r\n");
}

#[test]
fn ping_and_echo() {
    let server = TestServer::start();
    let mut c = connect(&server);
    let cases: &[(&[&str], &[u8])] = &[
        (&["PING"], b"+PONG\r\n"),
        (&["PING", "hello"], b"$5\r\nhello\r\n"),
        (&["PING", "a", "b"], b"-ERR wrong number of arguments for 'ping' command\r\n"),
        (&["ECHO", "hi"], b"$2\r\nhi\r\n"),
        (&["ECHO", ""], b"$0\r\n\r\n"),
        (&["ECHO"], b"-ERR wrong number of arguments for 'echo' command\r\n"),
        (&["ECHO", "a", "b"], b"-ERR wrong number of arguments for 'echo' command\r\n"),
    ];
    for (args, reply) in cases {
        assert_eq!(c.call(args).unwrap(), *reply, "{args:?}");
    }
    c.call(&["HELLO", "3"]).unwrap();
    assert_eq!(c.call(&["PING"]).unwrap(), b"+PONG\r\n");
    assert_eq!(c.call(&["ECHO", "x"]).unwrap(), b"$1\r\nx\r\n");
}

#[test]
fn quit_replies_ok_then_closes() {
    let server = TestServer::start();
    // The PING after QUIT in the same write is never answered.
    let mut wire = Wire::connect(server.addr());
    let mut request = cmd(&[b"QUIT"]);
    request.extend(cmd(&[b"PING"]));
    wire.send(&request);
    wire.expect_then_closed(b"+OK\r\n");

    let mut wire = Wire::connect(server.addr());
    wire.send(&cmd(&[b"QUIT", b"x"]));
    wire.expect_then_closed(b"+OK\r\n");

    let mut wire = Wire::connect(server.addr());
    wire.send(b"PING\r\nQUIT\r\nPING\r\n");
    wire.expect_then_closed(b"+PONG\r\n+OK\r\n");
}

#[test]
fn reset_restores_a_fresh_connection() {
    let server = TestServer::start();
    let mut c = connect(&server);
    let cases: &[(&[&str], &[u8])] = &[
        (&["SELECT", "5"], b"+OK\r\n"),
        (&["SET", "rk", "1"], b"+OK\r\n"),
        (&["CLIENT", "SETNAME", "nm"], b"+OK\r\n"),
        (&["RESET", "x"], b"-ERR wrong number of arguments for 'reset' command\r\n"),
    ];
    for (args, reply) in cases {
        assert_eq!(c.call(args).unwrap(), *reply, "{args:?}");
    }
    c.call(&["HELLO", "3"]).unwrap();
    let cases: &[(&[&str], &[u8])] = &[
        (&["GET", "missing"], b"_\r\n"),
        (&["RESET"], b"+RESET\r\n"),
        // Back in db 0, RESP2, without a name.
        (&["GET", "rk"], b"$-1\r\n"),
        (&["CLIENT", "GETNAME"], b"$-1\r\n"),
        (&["SELECT", "5"], b"+OK\r\n"),
        (&["GET", "rk"], b"$1\r\n1\r\n"),
    ];
    for (args, reply) in cases {
        assert_eq!(c.call(args).unwrap(), *reply, "{args:?}");
    }
}

#[test]
fn reset_logs_out_when_a_password_is_set() {
    let server = server_with_password();
    let mut c = connect(&server);
    let cases: &[(&[&str], &[u8])] = &[
        (&["AUTH", "pw"], b"+OK\r\n"),
        (&["SET", "a", "1"], b"+OK\r\n"),
        (&["RESET"], b"+RESET\r\n"),
        (&["GET", "a"], NOAUTH),
        (&["AUTH", "pw"], b"+OK\r\n"),
        (&["GET", "a"], b"$1\r\n1\r\n"),
    ];
    for (args, reply) in cases {
        assert_eq!(c.call(args).unwrap(), *reply, "{args:?}");
    }
}

#[test]
fn select_out_of_range() {
    let server = TestServer::start();
    let mut c = connect(&server);
    let cases: &[(&[&str], &[u8])] = &[
        (&["SELECT", "16"], b"-ERR DB index is out of range\r\n"),
        (&["SELECT", "-1"], b"-ERR DB index is out of range\r\n"),
        (&["SELECT", "abc"], b"-ERR value is not an integer or out of range\r\n"),
        (&["SELECT", "99999999999999999999"], b"-ERR value is not an integer or out of range\r\n"),
        (&["SELECT", "15"], b"+OK\r\n"),
    ];
    for (args, reply) in cases {
        assert_eq!(c.call(args).unwrap(), *reply, "{args:?}");
    }
}

#[test]
fn timeout_closes_idle_clients() {
    let server = TestServer::start_with(|cfg| cfg.timeout = 1);
    let mut wire = Wire::connect(server.addr());
    wire.send(&cmd(&[b"PING"]));
    wire.expect(b"+PONG\r\n");
    // 7.0.15 with timeout 1 closed an idle client after 1.58 s: a client is
    // dropped once idle for more than `timeout` seconds, checked a few times a
    // second.
    let waited = wire.time_until_closed(Duration::from_secs(4));
    assert!(waited >= Duration::from_millis(900) && waited <= Duration::from_secs(3), "closed after {waited:?}");
    // A busy client is not idle.
    let mut c = connect(&server);
    for _ in 0..6 {
        thread::sleep(Duration::from_millis(300));
        assert_eq!(c.call(&["PING"]).unwrap(), b"+PONG\r\n");
    }
}

#[test]
fn timeout_zero_never_closes_idle_clients() {
    let server = TestServer::start_with(|cfg| cfg.timeout = 0);
    let mut c = connect(&server);
    assert_eq!(c.call(&["PING"]).unwrap(), b"+PONG\r\n");
    thread::sleep(Duration::from_secs(3));
    assert_eq!(c.call(&["PING"]).unwrap(), b"+PONG\r\n");
}

#[test]
fn maxclients_refuses_the_extra_connection() {
    let server = TestServer::start_with(|cfg| cfg.maxclients = 2);
    let mut first = connect(&server);
    let mut second = connect(&server);
    // Both are registered once they have been answered.
    assert_eq!(first.call(&["PING"]).unwrap(), b"+PONG\r\n");
    assert_eq!(second.call(&["PING"]).unwrap(), b"+PONG\r\n");
    let mut third = Wire::connect(server.addr());
    third.expect_then_closed(b"-ERR max number of clients reached\r\n");
    assert_eq!(first.call(&["PING"]).unwrap(), b"+PONG\r\n");
    // A freed slot can be taken again.
    drop(second);
    let mut retry = Wire::connect(server.addr());
    for _ in 0..100 {
        retry.send(&cmd(&[b"PING"]));
        let head = retry.read_exact(1);
        if head == b"+" {
            retry.expect(b"PONG\r\n");
            return;
        }
        retry.expect(b"ERR max number of clients reached\r\n");
        retry.expect_closed();
        thread::sleep(Duration::from_millis(20));
        retry = Wire::connect(server.addr());
    }
    panic!("the slot of a closed connection was never freed");
}

/// 127.0.0.2 is on the loopback interface but is not 127.0.0.1, which is all
/// protected mode lets through.
const OTHER_LOOPBACK: IpAddr = IpAddr::V4(Ipv4Addr::new(127, 0, 0, 2));

#[test]
fn protected_mode_refuses_other_addresses_without_a_password() {
    let server = TestServer::start_with(|cfg| cfg.protected_mode = true);
    let mut outside = Wire::connect_from(server.addr(), OTHER_LOOPBACK);
    assert_eq!(outside.local_addr().ip(), OTHER_LOOPBACK);
    outside.send(&cmd(&[b"PING"]));
    // Redis 7.0.15's text, typo ("Setup a an") included.
    outside.expect_then_closed(
        b"-DENIED Redis is running in protected mode because protected mode is enabled and \
          no password is set for the default user. In this mode connections are only \
          accepted from the loopback interface. If you want to connect from external \
          computers to Redis you may adopt one of the following solutions: 1) Just disable \
          protected mode sending the command 'CONFIG SET protected-mode no' from the \
          loopback interface by connecting to Redis from the same host the server is \
          running, however MAKE SURE Redis is not publicly accessible from internet if you \
          do so. Use CONFIG REWRITE to make this change permanent. 2) Alternatively you can \
          just disable the protected mode by editing the Redis configuration file, and \
          setting the protected mode option to 'no', and then restarting the server. 3) If \
          you started the server manually just for testing, restart it with the \
          '--protected-mode no' option. 4) Setup a an authentication password for the \
          default user. NOTE: You only need to do one of the above things in order for the \
          server to start accepting connections from the outside.\r\n",
    );
    let mut inside = Wire::connect_from(server.addr(), IpAddr::V4(Ipv4Addr::LOCALHOST));
    inside.send(&cmd(&[b"PING"]));
    inside.expect(b"+PONG\r\n");
}

#[test]
fn protected_mode_lets_other_addresses_in_with_a_password_or_when_off() {
    let server = TestServer::start_with(|cfg| {
        cfg.protected_mode = true;
        cfg.requirepass = Some(b"pw".to_vec());
    });
    let mut outside = Wire::connect_from(server.addr(), OTHER_LOOPBACK);
    outside.send(&cmd(&[b"PING"]));
    outside.expect(NOAUTH);
    let mut request = cmd(&[b"AUTH", b"pw"]);
    request.extend(cmd(&[b"PING"]));
    outside.send(&request);
    outside.expect(b"+OK\r\n+PONG\r\n");

    let server = TestServer::start_with(|cfg| cfg.protected_mode = false);
    let mut outside = Wire::connect_from(server.addr(), OTHER_LOOPBACK);
    outside.send(&cmd(&[b"PING"]));
    outside.expect(b"+PONG\r\n");
    outside.expect_silence(SILENCE);
}

/// Runs the binary with `args` until its log says it is ready (or it exits), then
/// stops it; returns its exit status (None if it was stopped) and its log.
fn binary_log(args: &[&str]) -> (Option<std::process::ExitStatus>, String) {
    use std::io::{BufRead, BufReader};
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_ferrokv-server"))
        .args(args)
        .args(["--save", ""])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("start ferrokv-server");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let ready = line.contains("Ready to accept connections");
            let _ = tx.send(line);
            if ready {
                break;
            }
        }
    });
    let mut log = String::new();
    while let Ok(line) = rx.recv_timeout(Duration::from_secs(10)) {
        log.push_str(&line);
        log.push('\n');
        if line.contains("Ready to accept connections") {
            break;
        }
    }
    let status = child.try_wait().unwrap().or_else(|| {
        thread::sleep(Duration::from_millis(100));
        child.try_wait().unwrap()
    });
    if status.is_none() {
        let _ = child.kill();
        let _ = child.wait();
    }
    (status, log)
}

fn free_port() -> String {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port().to_string()
}

/// `bind` with several addresses: one that cannot be bound is a warning when marked
/// optional (`-`) and stops start-up otherwise, in Redis 7.0.15's words.
#[test]
fn bind_failures_are_logged_as_redis_does() {
    let port = free_port();
    let (status, log) = binary_log(&["--port", &port, "--bind", "127.0.0.1", "-10.9.9.9"]);
    assert!(status.is_none(), "an optional address stopped start-up: {log}");
    assert!(
        log.contains(&format!(
            "# Warning: Could not create server TCP listening socket 10.9.9.9:{port}: bind: Cannot assign requested address"
        )),
        "{log}"
    );
    assert!(log.contains("* Ready to accept connections\n"), "{log}");

    let (status, log) = binary_log(&["--port", &port, "--bind", "127.0.0.1", "10.9.9.9"]);
    assert_eq!(status.and_then(|s| s.code()), Some(1), "{log}");
    assert!(log.contains(&format!("# Failed listening on port {port} (TCP), aborting.")), "{log}");
}

/// Beyond Redis: a warning when no password is set and clients from other machines can
/// connect; none on loopback or with a password.
#[test]
fn no_password_on_an_open_address_is_a_warning() {
    let port = free_port();
    let (_, log) = binary_log(&["--port", &port, "--bind", "0.0.0.0", "--protected-mode", "no"]);
    assert!(log.contains("WARNING: no password is set (requirepass) and the server listens on 0.0.0.0:"), "{log}");
    assert!(log.contains("protected mode is off"), "{log}");
    let (_, log) = binary_log(&["--port", &port, "--bind", "0.0.0.0", "--requirepass", "pw"]);
    assert!(!log.contains("no password is set"), "{log}");
    let (_, log) = binary_log(&["--port", &port, "--bind", "127.0.0.1"]);
    assert!(!log.contains("no password is set"), "{log}");
}

/// `client-output-buffer-limit normal`: a reply past the hard limit closes the
/// connection without sending it (as Redis 7.0.15 does); past the soft limit, a client
/// that does not read for longer than its seconds is closed.
#[test]
fn output_buffer_limits_close_normal_clients() {
    let server = TestServer::start();
    let mut setup = server.connect();
    let big = "x".repeat(8 << 20);
    setup.call(&["SET", "big", big.as_str()]).unwrap();
    setup.call(&["SET", "small", "1"]).unwrap();
    setup.call(&["CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0"]).unwrap();
    let mut c = server.connect();
    assert_eq!(c.call(&["GET", "small"]).unwrap(), b"$1\r\n1\r\n");
    c.send(&["GET", "big"]).unwrap();
    assert!(c.read_reply().is_err(), "the connection should be closed without the reply");

    setup.call(&["CONFIG", "SET", "client-output-buffer-limit", "normal 0 1mb 0"]).unwrap();
    let slow = std::net::TcpStream::connect(server.addr()).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    (&slow).write_all(&common::encode_command(&["GET", "big"])).unwrap();
    // Not reading: the write stalls once the socket buffers are full.
    thread::sleep(Duration::from_millis(2500));
    let mut got = Vec::new();
    let _ = (&slow).read_to_end(&mut got);
    assert!(got.len() < big.len(), "the whole reply arrived ({} bytes)", got.len());
}
