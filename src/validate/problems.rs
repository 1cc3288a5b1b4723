//! The problems a pass finds in one part of a file, by position in the part, before
//! their lines are known: shared by the pass and the row checks.

/// Why a row has a problem.
pub enum Reason {
    Text(String),
    /// A repeated id, first seen on another row (its line is found at the end).
    Duplicate {
        key: &'static str,
        first: u32,
    },
}

/// A problem with a row of the table, by record number.
pub struct RowProblem {
    pub row: u32,
    /// Where the check comes among a row's checks (values and row checks 0, duplicate ids
    /// 1, references 2): a row's problems are listed in that order.
    pub rank: u8,
    pub column: String,
    pub value: String,
    pub reason: Reason,
    pub rejects: bool,
}

/// The problems of one part of the file, by position in the part.
pub struct PartProblems<'a> {
    pub(super) rows: &'a [u32],
    /// The reference checks are running.
    pub(super) references: bool,
    pub(super) out: &'a mut Vec<RowProblem>,
    pub(super) rejected: &'a mut [bool],
}

impl PartProblems<'_> {
    /// Reject the row at `pos` for a reason.
    pub fn reject(&mut self, pos: usize, column: &str, value: &str, reason: &str) {
        self.add(pos, column, value, Reason::Text(reason.into()), true);
    }

    /// Warn about the row at `pos` (it is still used).
    pub fn warn(&mut self, pos: usize, column: &str, value: &str, reason: &str) {
        self.add(pos, column, value, Reason::Text(reason.into()), false);
    }

    /// Whether the row at `pos` is rejected so far.
    pub fn is_rejected(&self, pos: usize) -> bool {
        self.rejected[pos]
    }

    pub(super) fn add(
        &mut self,
        pos: usize,
        column: &str,
        value: &str,
        reason: Reason,
        rejects: bool,
    ) {
        if rejects {
            self.rejected[pos] = true;
        }
        let rank = match reason {
            Reason::Duplicate { .. } => 1,
            Reason::Text(_) if self.references => 2,
            Reason::Text(_) => 0,
        };
        self.out.push(RowProblem {
            row: self.rows[pos],
            rank,
            column: column.into(),
            value: value.into(),
            reason,
            rejects,
        });
    }
}
