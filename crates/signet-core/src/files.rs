//! Small JSON files in the data folder, written atomically and kept aside when damaged.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};

use signet_protocol::clock::{Clock as _, SystemClock};

/// Writes `bytes` to `folder/name` atomically: a temporary file beside it (owner-only on
/// Unix), fsync, rename over the real file, fsync of the folder. A crash at any point leaves
/// the old file or the new one.
pub(crate) fn write_atomically(folder: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    fs::create_dir_all(folder)?;
    // 1. Write temp.
    let temp = folder.join(format!(".{name}.{}.tmp", crate::random_hex::<6>()));
    let result = write_synced(&temp, bytes)
        // 2. Rename over the real file.
        .and_then(|()| fs::rename(&temp, folder.join(name)));
    if let Err(error) = result {
        let _ = fs::remove_file(&temp);
        return Err(error);
    }
    // 3. Make the rename durable.
    sync_folder(folder)
}

/// Moves a damaged `folder/name` aside to `name.corrupt-<unix time>[-n]` and returns where.
pub(crate) fn move_aside(folder: &Path, name: &str) -> io::Result<PathBuf> {
    let stamp = SystemClock.now_seconds();
    let mut kept_at = folder.join(format!("{name}.corrupt-{stamp}"));
    let mut n = 1;
    while kept_at.exists() {
        kept_at = folder.join(format!("{name}.corrupt-{stamp}-{n}"));
        n += 1;
    }
    fs::rename(folder.join(name), &kept_at)?;
    Ok(kept_at)
}

/// Creates `path` (owner-only on Unix), writes `bytes` and fsyncs.
fn write_synced(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Fsyncs a folder so a rename inside it survives a crash (a no-op where unsupported).
fn sync_folder(folder: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        fs::File::open(folder)?.sync_all()
    }
    #[cfg(not(unix))]
    {
        let _ = folder;
        Ok(())
    }
}

/// Reads `folder/name` as JSON. No file: `Ok(None)`. A file that does not parse is moved
/// aside (kept) and `Ok(None)` returned after a warning; only OS read errors are errors.
pub(crate) fn read_json_or_set_aside<T: serde::de::DeserializeOwned>(
    folder: &Path,
    name: &str,
) -> io::Result<Option<T>> {
    let bytes = match fs::read(folder.join(name)) {
        Ok(bytes) => bytes,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    match serde_json::from_slice(&bytes) {
        Ok(value) => Ok(Some(value)),
        Err(error) => {
            let kept_at = move_aside(folder, name)?;
            tracing::warn!(file = name, kept_at = %kept_at.display(), %error, "damaged file moved aside");
            Ok(None)
        }
    }
}
