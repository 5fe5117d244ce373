//! The listener's bounds over raw TCP: a request head sent too slowly, a
//! silent connection and an idle keep-alive connection are closed after the
//! header read timeout; connections beyond the limit wait; shutdown still
//! drains. Short test-only limits keep the tests fast.

use std::{
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};
use tessera_server::{AppState, DataDir, Limits};
use tessera_token::{Clock, ManualClock};
use time::macros::datetime;
use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::TcpStream,
    sync::oneshot,
    task::JoinHandle,
};

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: tessera\r\n\r\n";
/// Longer than any bound under test: a test fails rather than hangs.
const PATIENCE: Duration = Duration::from_secs(10);

struct Served {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

async fn serve(limits: Limits) -> Served {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = DataDir::new(dir.path().join("data"));
    let clock = ManualClock::new(datetime!(2026-03-01 12:00 UTC));
    data.create().expect("data directory");
    let store = tessera_store::SqlStore::open_sqlite(&data.database_path())
        .await
        .expect("store");
    let (keys, _) = data
        .open_or_bootstrap(Arc::new(store.clone()), clock.now())
        .await
        .expect("bootstrap");
    let state = AppState::new(Arc::new(store), Arc::new(keys), Arc::new(clock));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = oneshot::channel();
    let task = tokio::spawn(tessera_server::serve_with_limits(
        listener,
        state,
        limits,
        async {
            let _ = rx.await;
        },
    ));
    Served {
        addr,
        shutdown: Some(tx),
        task,
        _dir: dir,
    }
}

fn limits(header_read_timeout: Duration, max_connections: usize) -> Limits {
    Limits {
        header_read_timeout,
        max_connections,
    }
}

/// Reads one response to `GET /healthz` (its body is `ok`).
async fn read_response(stream: &mut TcpStream) -> String {
    let mut response = Vec::new();
    let mut buf = [0u8; 1024];
    while !response.ends_with(b"\r\n\r\nok") {
        let n = tokio::time::timeout(PATIENCE, stream.read(&mut buf))
            .await
            .expect("a response in time")
            .expect("read");
        assert!(
            n > 0,
            "closed mid-response: {}",
            String::from_utf8_lossy(&response)
        );
        response.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&response).into_owned()
}

/// Waits until the server closes `stream`; returns how long that took.
async fn closed_after(stream: &mut TcpStream) -> Duration {
    let start = Instant::now();
    let mut buf = [0u8; 256];
    match tokio::time::timeout(PATIENCE, stream.read(&mut buf)).await {
        Err(_) => panic!("the connection is still open after {PATIENCE:?}"),
        Ok(Ok(0) | Err(_)) => start.elapsed(),
        Ok(Ok(n)) => panic!("unexpected bytes: {}", String::from_utf8_lossy(&buf[..n])),
    }
}

fn assert_about(elapsed: Duration, bound: Duration) {
    assert!(
        elapsed >= bound - Duration::from_millis(100) && elapsed < bound * 4,
        "closed after {elapsed:?}, the bound is {bound:?}"
    );
}

#[tokio::test]
async fn a_request_head_sent_too_slowly_is_closed() {
    let bound = Duration::from_millis(400);
    let server = serve(limits(bound, 16)).await;
    let mut slow = TcpStream::connect(server.addr).await.expect("connect");
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: tessera\r\n")
        .await
        .expect("write");
    // A byte now and then does not reset the bound.
    tokio::time::sleep(bound / 2).await;
    slow.write_all(b"X-Slow: 1\r\n").await.expect("write");
    assert_about(closed_after(&mut slow).await + bound / 2, bound);

    // A whole head in time is answered.
    let mut quick = TcpStream::connect(server.addr).await.expect("connect");
    quick.write_all(HEALTHZ).await.expect("write");
    assert!(read_response(&mut quick).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn a_silent_connection_is_closed() {
    let bound = Duration::from_millis(400);
    let server = serve(limits(bound, 16)).await;
    let mut silent = TcpStream::connect(server.addr).await.expect("connect");
    assert_about(closed_after(&mut silent).await, bound);
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let bound = Duration::from_millis(400);
    let server = serve(limits(bound, 16)).await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    // Kept alive while it is used …
    for _ in 0..3 {
        stream.write_all(HEALTHZ).await.expect("write");
        let response = read_response(&mut stream).await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        assert!(!response.to_ascii_lowercase().contains("connection: close"));
        tokio::time::sleep(bound / 4).await;
    }
    // … and closed once idle for the bound.
    assert_about(closed_after(&mut stream).await + bound / 4, bound);
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_for_a_free_slot() {
    let server = serve(limits(Duration::from_secs(5), 2)).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut stream = TcpStream::connect(server.addr).await.expect("connect");
        stream.write_all(HEALTHZ).await.expect("write");
        read_response(&mut stream).await;
        held.push(stream);
    }
    // The third connection waits in the backlog: no answer yet.
    let mut third = TcpStream::connect(server.addr).await.expect("connect");
    third.write_all(HEALTHZ).await.expect("write");
    let mut buf = [0u8; 64];
    assert!(
        tokio::time::timeout(Duration::from_millis(300), third.read(&mut buf))
            .await
            .is_err(),
        "a third connection was served beyond the limit of two"
    );
    // Closing one of the two frees a slot for it.
    drop(held.pop());
    assert!(read_response(&mut third).await.starts_with("HTTP/1.1 200"));
}

#[tokio::test]
async fn shutdown_closes_idle_connections_and_returns() {
    let mut server = serve(limits(Duration::from_secs(30), 16)).await;
    let mut idle = TcpStream::connect(server.addr).await.expect("connect");
    idle.write_all(HEALTHZ).await.expect("write");
    read_response(&mut idle).await;
    if let Some(tx) = server.shutdown.take() {
        let _ = tx.send(());
    }
    let result = tokio::time::timeout(PATIENCE, &mut server.task)
        .await
        .expect("serve returns after shutdown")
        .expect("serve task");
    assert!(result.is_ok(), "{result:?}");
    assert!(closed_after(&mut idle).await < PATIENCE);
    assert!(TcpStream::connect(server.addr).await.is_err());
}
