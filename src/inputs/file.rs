//! Reading an input file the user named (values, secrets, saved facts, rules) with a bound:
//! a regular file of at most [`MAX_INPUT_BYTES`], checked before it is read whole.

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::error::InputError;

/// The largest input file read: far above any real values, secrets or facts file.
pub const MAX_INPUT_BYTES: u64 = 16 * 1024 * 1024;

/// The text of the input file at `path`: a regular file (not `/dev/zero`, a FIFO or a
/// directory) of at most [`MAX_INPUT_BYTES`], in UTF-8. Anything else is an [`InputError`]
/// naming the file (exit 2), found before the file is read whole.
pub fn read_capped(path: &Path) -> Result<String, InputError> {
    let io = |source| InputError::Unreadable {
        path: path.to_path_buf(),
        source,
    };
    // `metadata` follows symlinks and does not open: opening a FIFO would wait for a writer.
    let meta = std::fs::metadata(path).map_err(io)?;
    if !meta.is_file() {
        return Err(InputError::NotAFile {
            path: path.to_path_buf(),
            found: if meta.is_dir() {
                "directory"
            } else {
                "device, FIFO or socket"
            },
        });
    }
    let too_large = || InputError::TooLarge {
        path: path.to_path_buf(),
        limit: MAX_INPUT_BYTES,
    };
    if meta.len() > MAX_INPUT_BYTES {
        return Err(too_large());
    }
    // The file may grow between the check and the read: read one byte past the limit at most.
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .map_err(io)?
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes).map_err(|e| InputError::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// The text of an input named on the command line: `-` is standard input (a pipe from
/// `helm get values … -o yaml`), read up to [`MAX_INPUT_BYTES`] as files are; anything else
/// is a file, read by [`read_capped`].
pub fn read_input(path: &Path) -> Result<String, InputError> {
    if path.as_os_str() != "-" {
        return read_capped(path);
    }
    let io = |source| InputError::Unreadable {
        path: PathBuf::from("stdin"),
        source,
    };
    let mut bytes = Vec::new();
    std::io::stdin()
        .lock()
        .take(MAX_INPUT_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Err(InputError::TooLarge {
            path: PathBuf::from("stdin"),
            limit: MAX_INPUT_BYTES,
        });
    }
    String::from_utf8(bytes).map_err(|e| InputError::NotUtf8 {
        path: PathBuf::from("stdin"),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// How an input is named in messages: `-` is `stdin`.
pub fn input_name(path: &Path) -> String {
    if path.as_os_str() == "-" {
        "stdin".to_string()
    } else {
        path.display().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_directories_and_missing_files_are_refused_by_name() {
        for (path, why) in [
            ("/dev/zero", "not a regular file"),
            ("/", "not a regular file (a directory)"),
            ("/nonexistent/values.yaml", "No such file"),
        ] {
            let err = crate::error::one_line(&read_capped(Path::new(path)).unwrap_err());
            assert!(err.starts_with(&format!("{path}: cannot read: ")), "{err}");
            assert!(err.contains(why), "{err}");
        }
    }
}
