//! CSV records written into memory and handed out in chunks of about 64 KiB, for the
//! streamed exports: one chunk per row would cost more than the row.

use app::report::csv_cell::neutralise;

pub const CHUNK_BYTES: usize = 64 * 1024;

pub struct CsvChunks(csv::Writer<Vec<u8>>);

impl Default for CsvChunks {
    fn default() -> Self {
        Self(
            csv::WriterBuilder::new()
                .has_headers(false)
                .from_writer(Vec::with_capacity(CHUNK_BYTES * 2)),
        )
    }
}

impl CsvChunks {
    /// One record, quoted as needed, with formula-looking cells made plain text.
    pub fn write(&mut self, cells: impl IntoIterator<Item = String>) {
        let record = cells.into_iter().map(|cell| neutralise(&cell).into_owned());
        self.0
            .write_record(record)
            .expect("writing to memory cannot fail");
    }

    pub fn len(&mut self) -> usize {
        self.0.flush().expect("writing to memory cannot fail");
        self.0.get_ref().len()
    }

    pub fn take(&mut self) -> Vec<u8> {
        let full = std::mem::take(self);
        full.0.into_inner().expect("writing to memory cannot fail")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_neutralises() {
        let mut csv = CsvChunks::default();
        csv.write([
            "=HYPERLINK(\"x\")".to_owned(),
            "a,b".to_owned(),
            "plain".to_owned(),
        ]);
        assert_eq!(
            String::from_utf8(csv.take()).unwrap(),
            "\"'=HYPERLINK(\"\"x\"\")\",\"a,b\",plain\n"
        );
    }
}
