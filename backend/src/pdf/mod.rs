//! Official documents as PDFs (printpdf 0.12, no browser): an embedded Times-metric font (Liberation Serif 2,
//! SIL OFL 1.1, `backend/fonts/`) subset per document, NFC text, exact A4/A5 sizes, a QR code to the public
//! lookup, and byte-identical output for identical input (so the SHA-256 identifies a document).
//!
//! [`official`] holds the layout engine (and the blank declaration printed from an e-form), [`forms`] the
//! official forms 01–07 and generated results; [`render`] runs one off the async runtime with a bound
//! on how many render at once (lessons.md §5).

pub mod forms;
pub mod official;

use std::sync::OnceLock;

use tokio::sync::Semaphore;

/// At most this many PDFs render at once per instance; more wait their turn.
const CONCURRENT_RENDERS: usize = 4;

fn permits() -> &'static Semaphore {
    static PERMITS: OnceLock<Semaphore> = OnceLock::new();
    PERMITS.get_or_init(|| Semaphore::new(CONCURRENT_RENDERS))
}

/// Runs `render` on the blocking pool, at most [`CONCURRENT_RENDERS`] at a time.
pub async fn render<F>(render: F) -> anyhow::Result<Vec<u8>>
where
    F: FnOnce() -> Result<Vec<u8>, official::Error> + Send + 'static,
{
    let _permit = permits().acquire().await?;
    let bytes = tokio::task::spawn_blocking(render).await??;
    Ok(bytes)
}
