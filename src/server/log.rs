//! Log lines in Redis's format: `<pid>:M 30 Nov 2026 10:57:45.371 * message`.
//!
//! Level marks as Redis: `.` debug, `-` verbose, `*` notice, `#` warning. Lines go to
//! stdout, or appended to `logfile` when set (opened per line, as Redis does, so log
//! rotation by renaming works).

use std::io::Write;

use parking_lot::RwLock;

/// Log levels, most verbose first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Verbose,
    Notice,
    Warning,
}

impl Level {
    fn mark(self) -> char {
        match self {
            Level::Debug => '.',
            Level::Verbose => '-',
            Level::Notice => '*',
            Level::Warning => '#',
        }
    }
}

/// Where and how much to log; changed by CONFIG SET loglevel/logfile.
#[derive(Debug)]
pub struct Logger {
    settings: RwLock<(Option<Level>, String)>,
}

impl Logger {
    /// A logger at `min` level (None = log nothing) writing to `file` ("" = stdout).
    pub fn new(min: Option<Level>, file: String) -> Logger {
        Logger { settings: RwLock::new((min, file)) }
    }

    /// Changes level and destination.
    pub fn configure(&self, min: Option<Level>, file: String) {
        *self.settings.write() = (min, file);
    }

    /// Writes one line if `level` is enabled, as the main process (`M`).
    pub fn log(&self, level: Level, msg: &str) {
        self.log_as('M', level, msg);
    }

    /// Writes one line with Redis's role letter: `C` while reading the configuration,
    /// `M` once the server runs.
    pub fn log_as(&self, role: char, level: Level, msg: &str) {
        self.write(level, &format!("{}:{role} {} {} {}\n", std::process::id(), timestamp(), level.mark(), msg));
    }

    /// Writes a line as Redis's signal handler does: `pid:signal-handler (unix time) msg`.
    pub fn log_from_signal(&self, level: Level, msg: &str) {
        let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
        self.write(level, &format!("{}:signal-handler ({}) {msg}\n", std::process::id(), now.as_secs()));
    }

    fn write(&self, level: Level, line: &str) {
        let (min, file) = self.settings.read().clone();
        match min {
            Some(min) if level >= min => {}
            _ => return,
        }
        if file.is_empty() {
            let mut out = std::io::stdout().lock();
            let _ = out.write_all(line.as_bytes());
            let _ = out.flush();
        } else if let Ok(mut f) = std::fs::OpenOptions::new().create(true).append(true).open(&file) {
            let _ = f.write_all(line.as_bytes());
        }
    }
}

/// `30 Nov 2026 10:57:45.371` in local time, as Redis prints it.
pub fn timestamp() -> String {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let secs = now.as_secs() as libc::time_t;
    // SAFETY: `tm` is a plain C struct fully written by localtime_r, which only reads `secs`.
    let tm = unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&secs, &mut tm);
        tm
    };
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let month = MONTHS.get(tm.tm_mon as usize).copied().unwrap_or("Jan");
    format!(
        "{:02} {} {} {:02}:{:02}:{:02}.{:03}",
        tm.tm_mday,
        month,
        tm.tm_year + 1900,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        now.subsec_millis()
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn timestamp_shape() {
        let t = super::timestamp();
        // "30 Nov 2026 10:57:45.371"
        assert_eq!(t.len(), 24, "{t}");
        assert_eq!(&t[2..3], " ");
        assert_eq!(&t[20..21], ".");
    }
}
