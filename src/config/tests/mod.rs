//! Unit tests of the configuration module, one file per concern. Every expected text was
//! recorded from a running redis-server 7.0.15 (the oracle) unless a comment says
//! otherwise.

mod args;
mod conf_file;
mod defaults;
mod get;
mod robustness;
mod set;
mod startup_errors;

use super::Config;

/// `Config::from_args` over string literals.
fn from_args(args: &[&str]) -> Result<Config, super::ConfigError> {
    let owned: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    Config::from_args(&owned)
}

/// A fresh empty directory for file-based tests, removed by the caller's guard.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = std::env::temp_dir().join(format!("ferrokv-config-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(std::fs::canonicalize(&path).expect("canonical temp dir"))
    }

    fn write(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("write temp file");
        path.to_string_lossy().into_owned()
    }

    fn path(&self) -> String {
        self.0.to_string_lossy().into_owned()
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
