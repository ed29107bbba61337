//! The AOF directory: loading it at start-up, creating it, upgrading a legacy single
//! file, and the rewrite that replaces the base (BGREWRITEAOF).
//!
//! Layout (as Redis 7): `<dir>/<appenddirname>/` holds `<appendfilename>.<n>.base.rdb`,
//! `<appendfilename>.<n>.incr.aof` files and `<appendfilename>.manifest`, which says
//! which files are live. Every manifest change is written to a temporary file, fsynced,
//! renamed, and the directory fsynced.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::Instant;

use super::manifest::{self, AofFile, FileKind, Manifest};
use super::replay;
use crate::persist::io_error_text;
use crate::server::log::Level;
use crate::server::shared::{unix_ms, Shared};

/// Where the AOF lives and what its manifest says.
#[derive(Debug)]
pub struct Layout {
    /// `<dir>/<appenddirname>`.
    pub dir: PathBuf,
    /// `appendfilename`.
    pub name: String,
    /// The live manifest.
    pub manifest: Manifest,
}

impl Layout {
    fn from_config(config: &crate::config::Config) -> Layout {
        Layout {
            dir: config.resolve_path(&config.appenddirname),
            name: config.appendfilename.clone(),
            manifest: Manifest::default(),
        }
    }

    fn manifest_path(&self) -> PathBuf {
        self.dir.join(manifest::manifest_file_name(&self.name))
    }

    /// Writes the manifest atomically: temp file, fsync, rename, directory fsync.
    pub fn persist_manifest(&self) -> io::Result<()> {
        let temp = self.dir.join(manifest::temp_manifest_name(&self.name));
        let mut f = File::create(&temp)?;
        f.write_all(&self.manifest.to_bytes())?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&temp, self.manifest_path())?;
        File::open(&self.dir)?.sync_all()
    }

    /// Creates the next incr file, adds it to the manifest (not yet persisted) and
    /// returns it opened for appending.
    fn new_incr(&mut self) -> io::Result<File> {
        let seq = self.manifest.incrs.last().map_or(0, |f| f.seq) + 1;
        let name = manifest::incr_file_name(&self.name, seq);
        let file = OpenOptions::new().create(true).append(true).open(self.dir.join(&name))?;
        self.manifest.incrs.push(AofFile { name, seq, kind: FileKind::Incr });
        Ok(file)
    }

    /// Bytes of the base and incr files.
    fn size(&self) -> u64 {
        let len = |f: &AofFile| std::fs::metadata(self.dir.join(&f.name)).map_or(0, |m| m.len());
        self.manifest.base.iter().chain(self.manifest.incrs.iter()).map(len).sum()
    }
}

/// At start-up with `appendonly yes`: loads the AOF directory (upgrading a legacy
/// single file first), or creates it with an empty base, then starts logging into the
/// last incr file. `dump.rdb` is never read in this mode, as in Redis.
pub fn startup(shared: &Arc<Shared>) -> Result<(), String> {
    let config = shared.config();
    if !config.appendonly {
        return Ok(());
    }
    let mut layout = Layout::from_config(&config);
    let manifest_path = layout.manifest_path();
    let legacy = config.resolve_path(&config.appendfilename);
    let start = Instant::now();
    if manifest_path.exists() {
        let text = std::fs::read(&manifest_path)
            .map_err(|e| format!("Can't open the AOF manifest file {}: {}", layout.name, io_error_text(&e)))?;
        layout.manifest = Manifest::parse(&text).map_err(|e| format!("*** FATAL AOF MANIFEST FILE ERROR *** {e}"))?;
        load_files(shared, &layout)?;
        shared.log(
            Level::Notice,
            &format!("DB loaded from append only file: {:.3} seconds", start.elapsed().as_secs_f64()),
        );
    } else if legacy.is_file() {
        upgrade_legacy(shared, &mut layout, &legacy)?;
        load_files(shared, &layout)?;
        shared.log(
            Level::Notice,
            &format!("DB loaded from append only file: {:.3} seconds", start.elapsed().as_secs_f64()),
        );
    } else {
        std::fs::create_dir_all(&layout.dir)
            .map_err(|e| format!("Can't create AOF directory {}: {}", layout.dir.display(), io_error_text(&e)))?;
        write_base(shared, &mut layout, 1)
            .map_err(|e| format!("Can't create the AOF base file: {}", io_error_text(&e)))?;
    }
    let file = match layout.manifest.incrs.last() {
        Some(last) => {
            shared.log(Level::Notice, &format!("Opening AOF incr file {} on server start", last.name));
            OpenOptions::new()
                .create(true)
                .append(true)
                .open(layout.dir.join(&last.name))
                .map_err(|e| format!("Can't open the append-only file {}: {}", last.name, io_error_text(&e)))?
        }
        None => {
            let f = layout.new_incr().map_err(|e| format!("Can't create the AOF incr file: {}", io_error_text(&e)))?;
            layout.persist_manifest().map_err(|e| format!("Can't persist the AOF manifest: {}", io_error_text(&e)))?;
            f
        }
    };
    let aof = &shared.aof;
    aof.current_size.store(layout.size(), Relaxed);
    let base =
        layout.manifest.base.as_ref().map_or(0, |b| std::fs::metadata(layout.dir.join(&b.name)).map_or(0, |m| m.len()));
    aof.base_size.store(base, Relaxed);
    aof.timestamps.store(config.aof_timestamp_enabled, Relaxed);
    aof.start(file, super::append::Fsync::from_config(&config.appendfsync));
    *shared.aof_layout.lock() = Some(layout);
    Ok(())
}

/// Loads the base and then every incr file, in manifest order.
fn load_files(shared: &Arc<Shared>, layout: &Layout) -> Result<(), String> {
    let config = shared.config();
    let files: Vec<&AofFile> = layout.manifest.base.iter().chain(layout.manifest.incrs.iter()).collect();
    for (i, f) in files.iter().enumerate() {
        let last = i + 1 == files.len();
        let path = layout.dir.join(&f.name);
        let data = match std::fs::read(&path) {
            Ok(d) => d,
            // A missing incr file that is the last one is created later; Redis too.
            Err(e) if e.kind() == io::ErrorKind::NotFound && last && f.kind == FileKind::Incr => continue,
            Err(e) => return Err(format!("Can't open the append-only file {}: {}", f.name, io_error_text(&e))),
        };
        let start = Instant::now();
        replay::load_file(shared, &path, &f.name, &data, last, config.aof_load_truncated)?;
        let what = if f.kind == FileKind::Base { "base" } else { "incr" };
        shared.log(
            Level::Notice,
            &format!("DB loaded from {what} file {}: {:.3} seconds", f.name, start.elapsed().as_secs_f64()),
        );
    }
    Ok(())
}

/// Moves a Redis ≤ 6 single-file AOF into the directory as its base, as Redis 7 does.
fn upgrade_legacy(shared: &Shared, layout: &mut Layout, legacy: &Path) -> Result<(), String> {
    std::fs::create_dir_all(&layout.dir)
        .map_err(|e| format!("Can't create AOF directory {}: {}", layout.dir.display(), io_error_text(&e)))?;
    layout.manifest = Manifest::default();
    layout.manifest.base = Some(AofFile { name: layout.name.clone(), seq: 1, kind: FileKind::Base });
    layout.persist_manifest().map_err(|e| format!("Can't persist the AOF manifest: {}", io_error_text(&e)))?;
    std::fs::rename(legacy, layout.dir.join(&layout.name))
        .map_err(|e| format!("Error moving the old AOF file into the AOF directory: {}", io_error_text(&e)))?;
    shared.log(
        Level::Notice,
        &format!(
            "Successfully migrated an old-style AOF file ({}) into the AOF directory ({}).",
            layout.name,
            layout.dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
        ),
    );
    Ok(())
}

/// Writes the dataset as it is now into a new base `<name>.<seq>.base.rdb`, creates
/// the first incr file and persists the manifest (start-up with no AOF yet).
fn write_base(shared: &Shared, layout: &mut Layout, seq: u64) -> io::Result<()> {
    let config = shared.config();
    let name = manifest::base_file_name(&layout.name, seq, config.aof_use_rdb_preamble);
    let temp = layout.dir.join(format!("temp-rewriteaof-{}.aof", std::process::id()));
    let header = crate::persist::save::header(true, &config);
    let snap =
        crate::persist::snapshot::Snapshot::begin(&shared.store, temp, &header, unix_ms(), config.rdbcompression)?;
    snap.finish(&shared.store, &layout.dir.join(&name))?;
    layout.manifest.base = Some(AofFile { name, seq, kind: FileKind::Base });
    layout.new_incr()?;
    layout.persist_manifest()
}

/// BGREWRITEAOF's start, with the server gate held exclusively: switches logging to a
/// new incr file and starts a snapshot that becomes the new base. The instant of the
/// switch is the snapshot's instant, so base + new incr hold exactly the dataset.
/// Returns false if no AOF layout is active.
pub fn start_rewrite(shared: &Arc<Shared>) -> Result<(), String> {
    // One snapshot at a time: a BGSAVE in progress finishes first (it needs no gate).
    shared.persist.wait_idle();
    let config = shared.config();
    let mut guard = shared.aof_layout.lock();
    let enabling = guard.is_none();
    if enabling {
        // CONFIG SET appendonly yes: the directory may hold an older AOF, whose files
        // become history once the new base is written.
        let mut layout = Layout::from_config(&config);
        std::fs::create_dir_all(&layout.dir).map_err(|e| io_error_text(&e))?;
        if let Ok(text) = std::fs::read(layout.manifest_path()) {
            layout.manifest = Manifest::parse(&text).unwrap_or_default();
        }
        *guard = Some(layout);
    }
    let Some(layout) = guard.as_mut() else {
        return Err("no AOF".into());
    };
    let file = layout.new_incr().map_err(|e| io_error_text(&e))?;
    layout.persist_manifest().map_err(|e| io_error_text(&e))?;
    if enabling {
        shared.aof.start(file, super::append::Fsync::from_config(&config.appendfsync));
    } else {
        shared.aof.switch_file(file);
    }
    let new_incr = layout.manifest.incrs.last().map(|f| f.seq).unwrap_or(1);
    let base_seq = layout.manifest.base.as_ref().map_or(0, |b| b.seq) + 1;
    let (dir, name) = (layout.dir.clone(), layout.name.clone());
    drop(guard);
    write_base_in_background(shared, &config, &dir, &name, base_seq, move |shared, base_name| {
        let mut guard = shared.aof_layout.lock();
        let Some(layout) = guard.as_mut() else { return false };
        install_base(shared, layout, base_name, base_seq, new_incr)
    })
}

/// Writes the base file number `base_seq` of the AOF named `name` in `dir` from a
/// point-in-time snapshot, in the background; `install` makes it the base once it is on
/// disk (given its file name).
fn write_base_in_background(
    shared: &Arc<Shared>,
    config: &crate::config::Config,
    dir: &Path,
    name: &str,
    base_seq: u64,
    install: impl FnOnce(&Shared, String) -> bool + Send + 'static,
) -> Result<(), String> {
    let base_name = manifest::base_file_name(name, base_seq, config.aof_use_rdb_preamble);
    let temp = dir.join(format!("temp-rewriteaof-bg-{}.aof", std::process::id()));
    let target = dir.join(&base_name);
    let header = crate::persist::save::header(true, config);
    let snap =
        crate::persist::snapshot::Snapshot::begin(&shared.store, temp, &header, unix_ms(), config.rdbcompression)
            .map_err(|e| io_error_text(&e))?;
    shared.log(Level::Notice, &format!("Background append only file rewriting started by pid {}", std::process::id()));
    let worker = shared.clone();
    crate::persist::save::run_in_background(shared, snap.clone(), crate::persist::save::Kind::AofRewrite, move || {
        if let Err(e) = snap.finish(&worker.store, &target) {
            worker.log(Level::Warning, &format!("Error writing the AOF base file: {}", io_error_text(&e)));
            worker.log(Level::Warning, "Background AOF rewrite failed");
            return false;
        }
        install(&worker, base_name)
    });
    Ok(())
}

/// BGREWRITEAOF while `appendonly` is off, as Redis 7 allows: a new base in the AOF
/// directory from a point-in-time snapshot, and a manifest that names only it; the
/// directory's older AOF files become history and are removed.
pub fn start_offline_rewrite(shared: &Arc<Shared>) -> Result<(), String> {
    shared.persist.wait_idle();
    let config = shared.config();
    let mut layout = Layout::from_config(&config);
    std::fs::create_dir_all(&layout.dir).map_err(|e| io_error_text(&e))?;
    if let Ok(text) = std::fs::read(layout.manifest_path()) {
        layout.manifest = Manifest::parse(&text).unwrap_or_default();
    }
    let base_seq = layout.manifest.base.as_ref().map_or(0, |b| b.seq) + 1;
    let (dir, name) = (layout.dir.clone(), layout.name.clone());
    // Every incr file is older than the new base.
    write_base_in_background(shared, &config, &dir, &name, base_seq, move |shared, base_name| {
        install_base(shared, &mut layout, base_name, base_seq, u64::MAX)
    })
}

/// Makes the base file just written the layout's base: the old base and the incr files
/// numbered below `new_incr` become history, the manifest is persisted, history removed.
fn install_base(shared: &Shared, layout: &mut Layout, base_name: String, base_seq: u64, new_incr: u64) -> bool {
    let mut history = Vec::new();
    if let Some(mut old) = layout.manifest.base.take() {
        old.kind = FileKind::History;
        history.push(old);
    }
    let (old_incrs, keep): (Vec<AofFile>, Vec<AofFile>) =
        std::mem::take(&mut layout.manifest.incrs).into_iter().partition(|f| f.seq < new_incr);
    layout.manifest.incrs = keep;
    history.extend(old_incrs.into_iter().map(|mut f| {
        f.kind = FileKind::History;
        f
    }));
    layout.manifest.base = Some(AofFile { name: base_name, seq: base_seq, kind: FileKind::Base });
    layout.manifest.history = history;
    if let Err(e) = layout.persist_manifest() {
        shared.log(Level::Warning, &format!("Can't persist the AOF manifest: {}", io_error_text(&e)));
        return false;
    }
    shared.log(Level::Notice, "Successfully renamed the temporary AOF base file into the AOF base file");
    for f in std::mem::take(&mut layout.manifest.history) {
        shared.log(Level::Notice, &format!("Removing the history file {} in the background", f.name));
        let _ = std::fs::remove_file(layout.dir.join(&f.name));
    }
    if let Err(e) = layout.persist_manifest() {
        shared.log(Level::Warning, &format!("Can't persist the AOF manifest: {}", io_error_text(&e)));
    }
    let base =
        layout.manifest.base.as_ref().map_or(0, |b| std::fs::metadata(layout.dir.join(&b.name)).map_or(0, |m| m.len()));
    shared.aof.base_size.store(base, Relaxed);
    shared.aof.current_size.store(layout.size(), Relaxed);
    shared.log(Level::Notice, "Background AOF rewrite terminated with success");
    shared.log(Level::Notice, "Background AOF rewrite finished successfully");
    true
}

/// CONFIG SET appendonly no: stops logging (what is pending is written and fsynced).
pub fn disable(shared: &Shared) {
    shared.aof.stop_logging();
    *shared.aof_layout.lock() = None;
}
