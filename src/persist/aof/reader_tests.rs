//! The command reader on hand-made inputs: framing, annotations, every truncation point,
//! format errors, and the MULTI rollback point.

use super::*;

fn all(data: &[u8]) -> Result<Vec<Vec<Vec<u8>>>, ReadError> {
    let mut r = CommandReader::new(data, 0);
    let mut out = Vec::new();
    while let Some(c) = r.next_command()? {
        out.push(c.args.iter().map(|a| a.to_vec()).collect());
    }
    Ok(out)
}

fn resp(args: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", args.len()).into_bytes();
    for a in args {
        out.extend_from_slice(format!("${}\r\n", a.len()).as_bytes());
        out.extend_from_slice(a);
        out.extend_from_slice(b"\r\n");
    }
    out
}

#[test]
fn reads_commands_with_positions() {
    let mut data = resp(&[b"SELECT", b"0"]);
    let second = data.len();
    data.extend(resp(&[b"SET", b"", b"a\r\nb\x00"]));
    let mut r = CommandReader::new(&data, 0);
    let c = r.next_command().unwrap().unwrap();
    assert_eq!((c.args, c.start, c.end), (vec![&b"SELECT"[..], b"0"], 0, second));
    let c = r.next_command().unwrap().unwrap();
    assert_eq!(c.args, vec![&b"SET"[..], b"", b"a\r\nb\x00"]);
    assert_eq!((c.start, c.end), (second, data.len()));
    assert!(c.is("set"));
    assert_eq!(r.next_command(), Ok(None));
    assert_eq!(r.position(), data.len());
}

#[test]
fn starts_after_a_preamble_and_skips_annotations() {
    let mut data = b"REDIS-ish".to_vec();
    let start = data.len();
    data.extend_from_slice(b"#TS:1700000000\r\n");
    data.extend(resp(&[b"PING"]));
    data.extend_from_slice(b"# anything\n#TS:1700000005\r\n");
    data.extend(resp(&[b"ECHO", b"x"]));
    let mut r = CommandReader::new(&data, start);
    assert!(r.next_command().unwrap().unwrap().is("ping"));
    assert_eq!(r.last_timestamp().map(|t| t.0), Some(1_700_000_000));
    assert!(r.next_command().unwrap().unwrap().is("echo"));
    assert_eq!(r.last_timestamp().map(|t| t.0), Some(1_700_000_005));
    assert_eq!(r.next_command(), Ok(None));
}

#[test]
fn big_bulk_and_lenient_framing_like_the_loader() {
    let big = vec![b'x'; 1 << 20];
    assert_eq!(all(&resp(&[b"SET", b"k", &big])).unwrap()[0][2].len(), 1 << 20);
    // The loader ignores junk after the numbers and does not check the bulk's CRLF.
    assert_eq!(all(b"*1junk\r\n$4 \r\nPINGxx").unwrap(), vec![vec![b"PING".to_vec()]]);
}

#[test]
fn format_errors() {
    for bad in [&b"X\r\n"[..], b"*0\r\n", b"*-1\r\n", b"*1\r\n:4\r\nPING\r\n", b"*1\r\n$-2\r\nPING\r\n", b"\r\n"] {
        assert!(
            matches!(all(bad), Err(ReadError::Format { offset: _, ref message }) if message.starts_with(BAD_FORMAT)),
            "{bad:?}"
        );
    }
    let mut data = resp(&[b"PING"]);
    let at = data.len();
    data.extend_from_slice(b"*1\r\n?");
    assert_eq!(
        all(&data).unwrap_err(),
        ReadError::Format { offset: at + 4, message: format!("{BAD_FORMAT} (expected '$')") }
    );
}

#[test]
fn every_truncation_point_is_a_short_read_at_the_last_command_end() {
    let cmds = [resp(&[b"SELECT", b"0"]), resp(&[b"SET", b"key", b"value"]), resp(&[b"DEL", b"key"])];
    let data: Vec<u8> = cmds.concat();
    let ends: Vec<usize> = cmds
        .iter()
        .scan(0, |acc, c| {
            *acc += c.len();
            Some(*acc)
        })
        .collect();
    for cut in 0..data.len() {
        let valid = ends.iter().copied().filter(|&e| e <= cut).max().unwrap_or(0);
        let result = all(&data[..cut]);
        if ends.contains(&cut) || cut == 0 {
            assert!(result.is_ok(), "cut {cut}");
        } else {
            assert_eq!(result.unwrap_err(), ReadError::Truncated { valid_up_to: valid }, "cut {cut}");
        }
    }
}

#[test]
fn multi_rollback_point() {
    let mut data = resp(&[b"SET", b"a", b"1"]);
    let before_multi = data.len();
    data.extend(resp(&[b"multi"]));
    data.extend(resp(&[b"SET", b"b", b"2"]));
    let mut r = CommandReader::new(&data, 0);
    while r.next_command().unwrap().is_some() {}
    assert!(r.in_multi());
    assert_eq!(r.last_safe_end(), before_multi, "an unterminated MULTI is rolled back");
    assert_eq!(r.valid_up_to(), data.len());
    data.extend(resp(&[b"EXEC"]));
    let mut r = CommandReader::new(&data, 0);
    while r.next_command().unwrap().is_some() {}
    assert!(!r.in_multi());
    assert_eq!(r.last_safe_end(), data.len());
    // Cut inside the transaction: still rolled back to before MULTI.
    let mut r = CommandReader::new(&data[..data.len() - 3], 0);
    let mut result = Ok(None);
    for _ in 0..10 {
        result = r.next_command();
        if !matches!(result, Ok(Some(_))) {
            break;
        }
    }
    assert!(matches!(result, Err(ReadError::Truncated { .. })));
    assert_eq!(r.last_safe_end(), before_multi);
}

#[test]
fn strtol_like_c() {
    assert_eq!(c_strtol(b"  -12x"), (-12, 5, false));
    assert_eq!(c_strtol(b"+7"), (7, 2, false));
    assert_eq!(c_strtol(b"x"), (0, 0, false));
    assert_eq!(c_strtol(b"-"), (0, 0, false));
    assert_eq!(c_strtol(b"99999999999999999999"), (i64::MAX, 20, true));
    assert_eq!(c_atoi(b"4294967297"), 1);
}
