//! The encoding of a CSV file: UTF-8 as it is, anything else transcoded once in a streaming
//! pass into a temporary UTF-8 file (removed when the table is done).

use super::*;

/// A temporary file deleted when dropped.
pub(super) struct TempFile(pub(super) PathBuf);

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// The first lines of a file as text (at least `want` bytes, whole lines), for the header,
/// the delimiter and a check of the encoding.
pub(super) fn head(path: &Path, want: usize) -> Result<Vec<u8>> {
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, "cannot read", e))?;
    let mut r = BufReader::with_capacity(1 << 16, f);
    let mut out = Vec::with_capacity(want + 4096);
    while out.len() < want {
        let n = r
            .read_until(b'\n', &mut out)
            .map_err(|e| Error::io(path, "cannot read", e))?;
        if n == 0 {
            break;
        }
    }
    Ok(out)
}

/// Whether the bytes are UTF-8 (a character cut at the end does not count against it).
pub(super) fn utf8_prefix(bytes: &[u8]) -> bool {
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

/// The encoding to read a CSV file with, and whether it has bytes that are not of it
/// (read as U+FFFD, the rows that hold them rejected): forced by the config; else a BOM
/// means UTF-8 (whatever bytes follow); valid UTF-8 is UTF-8; a file whose first lines
/// are UTF-8 with letters beyond ASCII is UTF-8 with a few bad bytes; anything else is
/// Windows-1251 (older Russian exports). The whole file is checked in a streaming pass
/// only when its beginning is UTF-8.
pub(super) fn choose_encoding(
    path: &Path,
    first: &[u8],
    config: &Config,
) -> Result<(&'static Encoding, bool)> {
    if let Some(e) = encoding_by_name(&config.input.encoding) {
        return Ok((e, false));
    }
    let bom = first.starts_with(b"\xEF\xBB\xBF");
    if !bom && !utf8_prefix(first) {
        return Ok((WINDOWS_1251, false));
    }
    if whole_file_is_utf8(path)? {
        return Ok((UTF_8, false));
    }
    if bom || !first.is_ascii() {
        return Ok((UTF_8, true));
    }
    Ok((WINDOWS_1251, false))
}

pub(super) fn whole_file_is_utf8(path: &Path) -> Result<bool> {
    let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, "cannot read", e))?;
    let mut buf = vec![0u8; 1 << 20];
    let mut carry = 0usize;
    loop {
        let n = f
            .read(&mut buf[carry..])
            .map_err(|e| Error::io(path, "cannot read", e))?;
        if n == 0 {
            return Ok(carry == 0);
        }
        let end = carry + n;
        match std::str::from_utf8(&buf[..end]) {
            Ok(_) => carry = 0,
            Err(e) if e.error_len().is_none() => {
                // A character cut at the end of the buffer: keep its bytes.
                let valid = e.valid_up_to();
                buf.copy_within(valid..end, 0);
                carry = end - valid;
            }
            Err(_) => return Ok(false),
        }
    }
}

/// Write the file as UTF-8 to a temporary file (streaming): decoded from `encoding`
/// (bytes not of it become U+FFFD), and with every CR a line break when the file ends its
/// lines with a bare CR (old Mac and Excel exports).
pub(super) fn transcode(
    path: &Path,
    encoding: &'static Encoding,
    cr_lines: bool,
) -> Result<TempFile> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static N: AtomicUsize = AtomicUsize::new(0);
    let name = format!(
        "crmstat-{}-{}-{}.utf8.csv",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        crate::input::file_label(path)
    );
    let tmp = TempFile(std::env::temp_dir().join(name));
    let f = std::fs::File::open(path).map_err(|e| Error::io(path, "cannot read", e))?;
    let mut reader = encoding_rs_io::DecodeReaderBytesBuilder::new()
        .encoding(Some(encoding))
        .bom_override(true)
        .utf8_passthru(false)
        .build(f);
    let out = std::fs::File::create(&tmp.0).map_err(|e| Error::io(&tmp.0, "cannot create", e))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, out);
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| Error::io(path, "cannot decode", e))?;
        if n == 0 {
            break;
        }
        if cr_lines {
            for b in &mut buf[..n] {
                if *b == b'\r' {
                    *b = b'\n';
                }
            }
        }
        out.write_all(&buf[..n])
            .map_err(|e| Error::io(&tmp.0, "cannot write", e))?;
    }
    out.flush()
        .map_err(|e| Error::io(&tmp.0, "cannot write", e))?;
    Ok(tmp)
}
