//! TEMPORARY stub: replaced by the parameter-table module being written separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    Debug,
    Verbose,
    Notice,
    Warning,
    Nothing,
}
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enable {
    No,
    Yes,
    Local,
}
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: Vec<String>,
    pub port: u16,
    pub protected_mode: bool,
    pub requirepass: Option<Vec<u8>>,
    pub databases: usize,
    pub timeout: u64,
    pub tcp_keepalive: u64,
    pub hz: u32,
    pub loglevel: LogLevel,
    pub logfile: String,
    pub maxclients: u64,
    pub io_threads: usize,
    pub proto_max_bulk_len: u64,
    pub client_query_buffer_limit: u64,
    pub enable_debug_command: Enable,
    pub save: Vec<(u64, u64)>,
    pub appendonly: bool,
    pub dir: String,
    pub dbfilename: String,
}
impl Default for Config {
    fn default() -> Self {
        Config {
            bind: vec!["*".into(), "-::*".into()],
            port: 6379,
            protected_mode: true,
            requirepass: None,
            databases: 16,
            timeout: 0,
            tcp_keepalive: 300,
            hz: 10,
            loglevel: LogLevel::Notice,
            logfile: String::new(),
            maxclients: 10000,
            io_threads: 1,
            proto_max_bulk_len: 512 << 20,
            client_query_buffer_limit: 1 << 30,
            enable_debug_command: Enable::No,
            save: vec![(3600, 1), (300, 100), (60, 10000)],
            appendonly: false,
            dir: String::new(),
            dbfilename: "dump.rdb".into(),
        }
    }
}
#[derive(Debug)]
pub struct ConfigError(pub String);
impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
impl Config {
    pub fn worker_threads(&self) -> usize {
        if self.io_threads <= 1 {
            std::thread::available_parallelism().map_or(1, |n| n.get())
        } else {
            self.io_threads
        }
    }
    pub fn from_args(args: &[String]) -> Result<Config, ConfigError> {
        let mut c = Config::default();
        let mut i = 0;
        while i < args.len() {
            match args[i].as_str() {
                "--port" => {
                    c.port =
                        args.get(i + 1).and_then(|p| p.parse().ok()).ok_or_else(|| ConfigError("bad port".into()))?;
                    i += 2;
                }
                "--bind" => {
                    c.bind = vec![args.get(i + 1).cloned().unwrap_or_default()];
                    i += 2;
                }
                "--requirepass" => {
                    c.requirepass = args.get(i + 1).map(|s| s.as_bytes().to_vec()).filter(|v| !v.is_empty());
                    i += 2;
                }
                "--enable-debug-command" => {
                    c.enable_debug_command = Enable::Yes;
                    i += 2;
                }
                "--protected-mode" => {
                    c.protected_mode = args.get(i + 1).map(|s| s == "yes").unwrap_or(true);
                    i += 2;
                }
                _ => {
                    i += 1;
                }
            }
        }
        Ok(c)
    }
    pub fn get(&self, patterns: &[&[u8]]) -> Vec<(String, String)> {
        let all =
            [("hz", self.hz.to_string()), ("port", self.port.to_string()), ("databases", self.databases.to_string())];
        all.iter()
            .filter(|(n, _)| patterns.iter().any(|p| crate::glob::glob_match(p, n.as_bytes(), true)))
            .map(|(a, b)| (a.to_string(), b.clone()))
            .collect()
    }
    pub fn set(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<(), String> {
        for (n, v) in pairs {
            if *n == b"hz" {
                self.hz = std::str::from_utf8(v).ok().and_then(|s| s.parse().ok()).ok_or("ERR bad")?;
            }
        }
        Ok(())
    }
    pub fn get_one(&self, name: &str) -> Option<String> {
        self.get(&[name.as_bytes()]).into_iter().next().map(|x| x.1)
    }
}
