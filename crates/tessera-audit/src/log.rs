//! Where the records go: a file opened for appending (mode 0600), or
//! standard output, written by a thread of its own so that no request
//! waits on the disk unless the trail is required.
//!
//! The writer wakes every [`TICK`] and writes what queued up meanwhile with
//! one flush; a request does not wake it, unless it waits for its record
//! (a required trail) or much is queued. Under load the trail costs a
//! write per tick rather than a write and a thread wake-up per request.

use crate::AuditRecord;
use std::{
    io::{BufWriter, Write},
    path::PathBuf,
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicUsize, Ordering},
        mpsc,
    },
    time::Duration,
};

/// The most bytes of records that may wait to be written; past it, a
/// record is refused (required mode) or dropped and counted.
pub const MAX_PENDING: usize = 1 << 20;
/// How long a request waits for its record to be written, in required mode.
const WRITE_WAIT: Duration = Duration::from_secs(2);

/// Where the trail is written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditTarget {
    /// Standard output (`-`).
    Stdout,
    /// A file, appended to, reopened by [`AuditLog::reopen`].
    File(PathBuf),
}

impl AuditTarget {
    /// `-` for standard output, else a file.
    pub fn parse(text: &str) -> Self {
        if text == "-" {
            Self::Stdout
        } else {
            Self::File(PathBuf::from(text))
        }
    }
}

/// Why a record was not written.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The sink could not be opened.
    #[error("audit log {path}: {source}")]
    Open {
        /// The file.
        path: String,
        /// What failed.
        source: std::io::Error,
    },
    /// More than [`MAX_PENDING`] bytes wait to be written.
    #[error("the audit log is {MAX_PENDING} bytes behind")]
    Full,
    /// Writing failed, or did not finish in time.
    #[error("the audit record could not be written")]
    Unwritten,
}

/// How long the writer sleeps when nothing wakes it.
const TICK: Duration = Duration::from_millis(10);
/// The queued bytes past which a request wakes the writer before its tick.
const WAKE_BYTES: usize = MAX_PENDING / 4;

enum Message {
    /// A record, and who waits to learn whether it was written.
    Line(Vec<u8>, Option<tokio::sync::oneshot::Sender<bool>>),
    /// Everything queued before it is to be written (the sender learns
    /// whether it was).
    Flush(tokio::sync::oneshot::Sender<bool>),
    Reopen,
}

/// The audit trail's writer.
pub struct AuditLog {
    target: AuditTarget,
    required: bool,
    pending: Arc<AtomicUsize>,
    failing: Arc<AtomicBool>,
    dropped: AtomicUsize,
    queue: mpsc::Sender<Message>,
    /// The writer thread, to wake it.
    writer: std::thread::Thread,
}

impl std::fmt::Debug for AuditLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditLog")
            .field("target", &self.target)
            .field("required", &self.required)
            .finish_non_exhaustive()
    }
}

fn open(target: &AuditTarget) -> Result<Box<dyn Write + Send>, AuditError> {
    match target {
        AuditTarget::Stdout => Ok(Box::new(std::io::stdout())),
        AuditTarget::File(path) => {
            let mut options = std::fs::OpenOptions::new();
            options.create(true).append(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let file = options.open(path).map_err(|source| AuditError::Open {
                path: path.display().to_string(),
                source,
            })?;
            Ok(Box::new(file))
        }
    }
}

/// The most bytes of records written with one flush.
const BATCH_BYTES: usize = 64 * 1024;

/// The writer thread's side: the sink, and what it reports.
struct Writer {
    sink: BufWriter<Box<dyn Write + Send>>,
    target: AuditTarget,
    pending: Arc<AtomicUsize>,
    failing: Arc<AtomicBool>,
}

impl Writer {
    /// Writes the lines of `batch` in order and flushes them, reopening
    /// the sink where a [`Message::Reopen`] is; tells each waiting request
    /// whether its line was written (flushed without an error).
    fn write(&mut self, batch: Vec<Message>) {
        let mut waiting = Vec::new();
        let mut bytes = 0;
        let mut written = Ok(());
        for message in batch {
            match message {
                Message::Reopen => {
                    let flushed =
                        std::mem::replace(&mut written, Ok(())).and_then(|()| self.sink.flush());
                    self.settle(flushed, bytes, &mut waiting);
                    bytes = 0;
                    match open(&self.target) {
                        Ok(reopened) => {
                            self.sink = BufWriter::with_capacity(BATCH_BYTES, reopened);
                        }
                        Err(error) => {
                            tracing::error!(%error, "the audit log could not be reopened; writing on to the open one");
                        }
                    }
                }
                Message::Flush(done) => waiting.push(done),
                Message::Line(line, done) => {
                    bytes += line.len();
                    if written.is_ok() {
                        written = self.sink.write_all(&line);
                    }
                    waiting.extend(done);
                }
            }
        }
        let flushed = written.and_then(|()| self.sink.flush());
        self.settle(flushed, bytes, &mut waiting);
    }

    /// Reports the outcome of writing `bytes` of records to those
    /// `waiting` for them. A failed write drops what is still buffered:
    /// those records were reported unwritten, and are not written later.
    fn settle(
        &mut self,
        outcome: std::io::Result<()>,
        bytes: usize,
        waiting: &mut Vec<tokio::sync::oneshot::Sender<bool>>,
    ) {
        self.pending.fetch_sub(bytes, Ordering::AcqRel);
        let ok = outcome.is_ok();
        if let Err(error) = outcome {
            let sink = std::mem::replace(&mut self.sink, BufWriter::new(Box::new(std::io::sink())));
            self.sink = BufWriter::with_capacity(BATCH_BYTES, sink.into_parts().0);
            if !self.failing.swap(true, Ordering::AcqRel) {
                tracing::error!(%error, "the audit log cannot be written");
            }
        }
        if ok && self.failing.swap(false, Ordering::AcqRel) {
            tracing::info!("the audit log is written again");
        }
        for done in waiting.drain(..) {
            let _ = done.send(ok);
        }
    }
}

impl AuditLog {
    /// Opens the sink now (a sink that cannot be opened is an error at
    /// start) and starts its writer. `required`: a request whose record
    /// cannot be written is to be refused ([`AuditLog::record`] says so).
    pub fn open(target: AuditTarget, required: bool) -> Result<Self, AuditError> {
        let sink = open(&target)?;
        let (sender, receiver) = mpsc::channel::<Message>();
        let pending = Arc::new(AtomicUsize::new(0));
        let failing = Arc::new(AtomicBool::new(false));
        let (writer_pending, writer_failing, writer_target) =
            (Arc::clone(&pending), Arc::clone(&failing), target.clone());
        let writer = std::thread::Builder::new()
            .name("tessera-audit".into())
            .spawn(move || {
                let mut writer = Writer {
                    sink: BufWriter::with_capacity(BATCH_BYTES, sink),
                    target: writer_target,
                    pending: writer_pending,
                    failing: writer_failing,
                };
                loop {
                    let mut batch = Vec::new();
                    let mut bytes = 0;
                    let mut closed = false;
                    while bytes < BATCH_BYTES {
                        match receiver.try_recv() {
                            Ok(message) => {
                                if let Message::Line(line, _) = &message {
                                    bytes += line.len();
                                }
                                batch.push(message);
                            }
                            Err(mpsc::TryRecvError::Empty) => break,
                            Err(mpsc::TryRecvError::Disconnected) => {
                                closed = true;
                                break;
                            }
                        }
                    }
                    if !batch.is_empty() {
                        writer.write(batch);
                        continue;
                    }
                    if closed {
                        break;
                    }
                    std::thread::park_timeout(TICK);
                }
            })
            .map_err(|source| AuditError::Open {
                path: "audit writer".into(),
                source,
            })?
            .thread()
            .clone();
        Ok(Self {
            target,
            required,
            pending,
            failing,
            dropped: AtomicUsize::new(0),
            queue: sender,
            writer,
        })
    }

    /// Whether a request whose record cannot be written is refused.
    pub fn required(&self) -> bool {
        self.required
    }

    /// How many records were dropped because the writer was behind (only
    /// when the trail is not required).
    pub fn dropped(&self) -> usize {
        self.dropped.load(Ordering::Relaxed)
    }

    /// Writes `record`. Not required: queued, or dropped and counted when
    /// [`MAX_PENDING`] bytes wait already; never an error. Required: waits
    /// (at most 2 s) until it is written, and fails when it is not, or when
    /// too much waits already.
    pub async fn record(&self, record: &AuditRecord) -> Result<(), AuditError> {
        let line = record.to_line();
        let len = line.len();
        let queued = self.pending.fetch_add(len, Ordering::AcqRel) + len;
        if queued > MAX_PENDING {
            self.pending.fetch_sub(len, Ordering::AcqRel);
            return self.refuse(AuditError::Full);
        }
        if !self.required {
            self.send(Message::Line(line, None));
            if queued > WAKE_BYTES {
                self.writer.unpark();
            }
            return Ok(());
        }
        let (done, written) = tokio::sync::oneshot::channel();
        self.send(Message::Line(line, Some(done)));
        self.writer.unpark();
        match tokio::time::timeout(WRITE_WAIT, written).await {
            Ok(Ok(true)) => Ok(()),
            _ => Err(AuditError::Unwritten),
        }
    }

    /// Waits (at most 2 s) until every record queued so far is written;
    /// whether they were. For a server that stops: what it recorded is in
    /// the trail before it exits.
    pub async fn flush(&self) -> bool {
        let (done, written) = tokio::sync::oneshot::channel();
        self.send(Message::Flush(done));
        self.writer.unpark();
        matches!(
            tokio::time::timeout(WRITE_WAIT, written).await,
            Ok(Ok(true))
        )
    }

    fn refuse(&self, error: AuditError) -> Result<(), AuditError> {
        if self.required {
            Err(error)
        } else {
            if self.dropped.fetch_add(1, Ordering::Relaxed) == 0 {
                tracing::warn!("the audit log is behind; records are dropped");
            }
            Ok(())
        }
    }

    fn send(&self, message: Message) {
        let _ = self.queue.send(message);
    }

    /// Reopens the file (after logrotate moved it); standard output stays.
    pub fn reopen(&self) {
        self.send(Message::Reopen);
        self.writer.unpark();
    }

    /// Whether the last write failed.
    pub fn failing(&self) -> bool {
        self.failing.load(Ordering::Acquire)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::UserIdentity;

    fn record(name: &str) -> AuditRecord {
        AuditRecord {
            event_version: "1.08",
            user_identity: UserIdentity {
                kind: "Unknown".into(),
                ..UserIdentity::default()
            },
            event_time: "2026-01-01T00:00:00Z".into(),
            event_source: "sts.amazonaws.com".into(),
            event_name: name.into(),
            aws_region: "us-east-1".into(),
            source_ip_address: "127.0.0.1".into(),
            user_agent: None,
            error_code: None,
            error_message: None,
            request_parameters: None,
            response_elements: None,
            request_id: "r".into(),
            event_id: "e".into(),
            read_only: true,
            event_type: "AwsApiCall",
            recipient_account_id: None,
        }
    }

    #[tokio::test]
    async fn records_are_lines_of_json_and_the_file_is_reopened() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("audit.log");
        let log = AuditLog::open(AuditTarget::File(path.clone()), true).expect("open");
        log.record(&record("First")).await.expect("written");
        std::fs::rename(&path, dir.path().join("audit.log.1")).expect("rotate");
        log.reopen();
        log.record(&record("Second")).await.expect("written");
        let old = std::fs::read_to_string(dir.path().join("audit.log.1")).expect("old");
        let new = std::fs::read_to_string(&path).expect("new");
        let name = |text: &str| -> String {
            let value: serde_json::Value = serde_json::from_str(text.trim()).expect("json");
            value["eventName"].as_str().expect("name").to_string()
        };
        assert_eq!(name(&old), "First");
        assert_eq!(name(&new), "Second");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }

    #[tokio::test]
    async fn records_queued_together_are_all_written_whole_and_in_order() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("audit.log");
        let log = AuditLog::open(AuditTarget::File(path.clone()), false).expect("open");
        for n in 0..1_000 {
            log.record(&record(&format!("Call{n}")))
                .await
                .expect("queued");
        }
        assert!(log.flush().await, "flushed");
        assert_eq!(log.dropped(), 0);
        let flushed = std::fs::read_to_string(&path).expect("trail");
        assert_eq!(flushed.lines().count(), 1_000);
        let required = AuditLog {
            required: true,
            ..log
        };
        required.record(&record("Last")).await.expect("written");
        let text = std::fs::read_to_string(&path).expect("trail");
        let names: Vec<String> = text
            .lines()
            .map(|line| {
                let value: serde_json::Value = serde_json::from_str(line).expect("a whole line");
                value["eventName"].as_str().expect("name").to_string()
            })
            .collect();
        let expected: Vec<String> = (0..1_000)
            .map(|n| format!("Call{n}"))
            .chain(["Last".to_string()])
            .collect();
        assert_eq!(names, expected);
    }

    #[tokio::test]
    async fn a_required_trail_that_cannot_be_written_refuses() {
        let full = std::path::Path::new("/dev/full");
        if !full.exists() {
            return;
        }
        let log = AuditLog::open(AuditTarget::File(full.into()), true).expect("open");
        assert!(matches!(
            log.record(&record("Lost")).await,
            Err(AuditError::Unwritten)
        ));
        assert!(log.failing());
        // Not required: the request goes on.
        let lenient = AuditLog::open(AuditTarget::File(full.into()), false).expect("open");
        lenient.record(&record("Lost")).await.expect("not required");
    }

    #[test]
    fn a_sink_that_cannot_be_opened_is_an_error_at_start() {
        let error = AuditLog::open(AuditTarget::File("/nonexistent/dir/audit.log".into()), true)
            .expect_err("no such directory");
        assert!(error.to_string().contains("/nonexistent/dir/audit.log"));
    }
}
