//! CSV at the level of lines, for what polars does not say: short and ragged rows, stray
//! quotes, and the line number of a rejected record (found by reading the file again, only
//! when there is something to report).

use super::*;

/// A reader of a CSV file's records as the line lookup counts them: no header, any number
/// of fields.
///
/// Records end at a line feed only, as polars ends them (the scanned file always ends its
/// lines with one: a CR-only file is rewritten first): a bare CR inside a value is part of
/// the value, not a line break that would shift every later line number. A CRLF line's CR
/// stays at the end of its last field (see [`blank_record`]).
pub(super) fn records(delimiter: u8, f: std::fs::File) -> csv::Reader<BufReader<std::fs::File>> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_reader(BufReader::with_capacity(1 << 20, f))
}

/// A record that is not a row: every field empty (a blank line, delimiters only, `""`), the
/// last one possibly just the CR of a CRLF line.
pub(super) fn blank_record(record: &csv::ByteRecord) -> bool {
    let n = record.len();
    record
        .iter()
        .enumerate()
        .all(|(i, f)| f.is_empty() || (i + 1 == n && f == b"\r"))
}

/// Short CSV rows as a reader thread finds them (see [`TableSource::short_rows`]).
pub struct ShortRows {
    /// The header's width.
    pub width: usize,
    receive: std::sync::mpsc::Receiver<(Vec<(u32, usize)>, u32)>,
    found: std::collections::VecDeque<(u32, usize)>,
    /// Rows below this one have been read.
    upto: u32,
}

impl ShortRows {
    /// The number of fields of `row` when it is short. Rows must be asked in increasing
    /// order; this waits until the reader has come past `row`.
    pub fn fields(&mut self, row: u32) -> Option<usize> {
        while self.upto <= row {
            match self.receive.recv() {
                Ok((rows, upto)) => {
                    self.found.extend(rows);
                    self.upto = upto;
                }
                Err(_) => {
                    self.upto = u32::MAX;
                }
            }
        }
        while self.found.front().is_some_and(|(r, _)| *r < row) {
            self.found.pop_front();
        }
        match self.found.front() {
            Some(&(r, fields)) if r == row => Some(fields),
            _ => None,
        }
    }
}

impl TableSource {
    /// The first CSV line with more or fewer fields than the header, as (line, fields,
    /// header fields): why polars could not read the file.
    pub fn first_ragged(&self) -> Option<(u64, usize, usize)> {
        let Origin::Csv {
            path,
            delimiter,
            names,
        } = &self.origin
        else {
            return None;
        };
        let f = std::fs::File::open(path).ok()?;
        let mut reader = records(*delimiter, f);
        let mut record = csv::ByteRecord::new();
        let mut index: u32 = 0;
        while let Ok(true) = reader.read_byte_record(&mut record) {
            if blank_record(&record) {
                continue;
            }
            if record.len() != names.len() && index > 0 {
                let line = csv_record_lines(path, *delimiter, &[index - 1])
                    .first()
                    .copied()
                    .unwrap_or(0);
                return Some((line, record.len(), names.len()));
            }
            index += 1;
        }
        None
    }

    /// The first line with a stray quote — a `"` inside a value that does not start with
    /// one (`Зв"онок`), or a lone `"` inside a quoted value followed by more text — which
    /// polars cannot read: a diagnostic for its error, which names no line.
    pub fn first_stray_quote(&self) -> Option<u64> {
        let Origin::Csv {
            path, delimiter, ..
        } = &self.origin
        else {
            return None;
        };
        let f = std::fs::File::open(path).ok()?;
        stray_quote_line(std::io::BufReader::new(f), *delimiter)
    }

    /// The CSV rows with fewer fields than the header, found by a reader thread that runs
    /// beside the scan (polars reads the missing fields of a short row as empty, so a
    /// truncated line — a cut-off export — would pass as a row; these are rejected
    /// instead). A row that lacks only the trailing delimiter of a file that ends its
    /// lines with one is whole. `None` for sources that are not CSV files.
    pub fn short_rows(&self) -> Option<ShortRows> {
        let Origin::Csv {
            path,
            delimiter,
            names,
        } = &self.origin
        else {
            return None;
        };
        let width = names.len() - usize::from(self.trailing);
        let (send, receive) = std::sync::mpsc::sync_channel(64);
        let (path, delimiter) = (path.clone(), *delimiter);
        std::thread::spawn(move || {
            let Ok(f) = std::fs::File::open(&path) else {
                let _ = send.send((Vec::new(), u32::MAX));
                return;
            };
            let mut reader = records(delimiter, f);
            let mut record = csv::ByteRecord::new();
            let mut index: u32 = 0;
            let mut short = Vec::new();
            while let Ok(true) = reader.read_byte_record(&mut record) {
                let blank = blank_record(&record);
                if blank {
                    continue;
                }
                if record.len() < width && index > 0 {
                    short.push((index - 1, record.len()));
                }
                index += 1;
                if index % (1 << 16) == 0
                    && send.send((std::mem::take(&mut short), index - 1)).is_err()
                {
                    return;
                }
            }
            let _ = send.send((short, u32::MAX));
        });
        Some(ShortRows {
            width,
            receive,
            found: std::collections::VecDeque::new(),
            upto: 0,
        })
    }
}

/// Line numbers of records, by reading the file again (only when there is something to
/// report). `rows` are record numbers among the non-blank records (record 0 is the
/// header); the result is in the same order, 0 where a record was not found.
///
/// Kept whole (it runs over 80 lines): one pass of a small state machine over the bytes
/// (quotes, escaped quotes, line ends inside quotes, blank lines), whose state is shared
/// by every branch.
pub fn csv_record_lines(path: &Path, delimiter: u8, rows: &[u32]) -> Vec<u64> {
    if rows.is_empty() {
        return Vec::new();
    }
    let mut wanted: Vec<u32> = rows.iter().map(|r| r + 1).collect();
    wanted.sort_unstable();
    wanted.dedup();
    // Pass 1: the byte where each wanted record starts.
    let Ok(f) = std::fs::File::open(path) else {
        return vec![0; rows.len()];
    };
    let mut reader = records(delimiter, f);
    let mut record = csv::ByteRecord::new();
    let mut starts: Vec<(u32, u64)> = Vec::with_capacity(wanted.len());
    let mut index: u32 = 0;
    let mut next = 0usize;
    while next < wanted.len() {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            _ => break,
        }
        if blank_record(&record) {
            continue; // a blank record is not a row (see `TableSource::scan`)
        }
        if index == wanted[next] {
            starts.push((index, record.position().map_or(0, |p| p.byte())));
            next += 1;
        }
        index += 1;
    }
    // Pass 2: count line breaks before each start (moved past the line break the csv
    // crate reports a record to start at).
    let mut lines: std::collections::HashMap<u32, u64> = std::collections::HashMap::new();
    if let Ok(f) = std::fs::File::open(path) {
        let mut r = BufReader::with_capacity(1 << 20, f);
        let (mut pos, mut line) = (0u64, 1u64);
        let mut k = 0usize;
        let mut pending_skip = false;
        let mut target = starts.first().map(|s| s.1);
        loop {
            let buf = match r.fill_buf() {
                Ok(b) if !b.is_empty() => b,
                _ => break,
            };
            let mut i = 0usize;
            while i < buf.len() {
                let Some(t) = target else { break };
                let here = pos + i as u64;
                if !pending_skip && here < t {
                    // Count line breaks up to the target in one go.
                    let upto = ((t - pos) as usize).min(buf.len());
                    line += buf[i..upto].iter().filter(|b| **b == b'\n').count() as u64;
                    i = upto;
                    continue;
                }
                pending_skip = true;
                if matches!(buf[i], b'\r' | b'\n') {
                    if buf[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                    continue;
                }
                // The record starts here.
                while let Some(&(row, s)) = starts.get(k) {
                    if s != t {
                        break;
                    }
                    lines.insert(row, line);
                    k += 1;
                }
                pending_skip = false;
                target = starts.get(k).map(|s| s.1);
            }
            let n = buf.len();
            pos += n as u64;
            r.consume(n);
            if target.is_none() {
                break;
            }
        }
        // Records whose start is the end of the file.
        while let Some(&(row, _)) = starts.get(k) {
            lines.insert(row, line);
            k += 1;
        }
    }
    rows.iter()
        .map(|r| lines.get(&(r + 1)).copied().unwrap_or(0))
        .collect()
}

/// The physical line (from 1) of the first stray quote in CSV bytes, see
/// [`TableSource::first_stray_quote`].
fn stray_quote_line(reader: impl std::io::BufRead, delimiter: u8) -> Option<u64> {
    let (mut line, mut quoted, mut field_start, mut after_quote) = (1u64, false, true, false);
    for b in reader.bytes() {
        let b = b.ok()?;
        if after_quote {
            // A quote inside a quoted value: doubled, or the value's end.
            after_quote = false;
            if b == b'"' {
                continue;
            }
            quoted = false;
            if b != delimiter && b != b'\n' && b != b'\r' {
                return Some(line);
            }
        }
        match b {
            b'\n' => {
                line += 1;
                if !quoted {
                    field_start = true;
                }
            }
            b'"' if quoted => after_quote = true,
            b'"' if field_start => {
                quoted = true;
                field_start = false;
            }
            b'"' => return Some(line),
            b'\r' if !quoted => field_start = true,
            _ if b == delimiter && !quoted => field_start = true,
            _ => field_start = false,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::stray_quote_line;

    #[test]
    fn stray_quotes_are_found_on_their_line() {
        let find = |t: &str| stray_quote_line(t.as_bytes(), b',');
        assert_eq!(find("a,b\n1,2\n3,Зв\"онок\n"), Some(3));
        assert_eq!(find("a,b\n1,\"x\"y\n"), Some(2));
        // Quoted values with doubled quotes, delimiters and line breaks are fine.
        assert_eq!(
            find("a,b\n1,\"He said \"\"hi\"\", then, left\"\n2,\"two\nlines\"\r\n3,x\n"),
            None
        );
        assert_eq!(find("a,b\n\"1\",\"\"\n"), None);
        assert_eq!(stray_quote_line("a;b\n1;x\"\n".as_bytes(), b';'), Some(2));
    }
}
