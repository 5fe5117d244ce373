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
    let state = AppState::new(Arc::new(store), Arc::new(keys), Arc::new(clock)).with_limits(limits);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = oneshot::channel();
    let task = tokio::spawn(tessera_server::serve(listener, state, async {
        let _ = rx.await;
    }));
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
        ..Limits::default()
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

/// Sends `request` on a new connection and reads until the server closes
/// it; returns all it answered.
async fn exchange(addr: SocketAddr, request: &[u8]) -> String {
    let mut stream = TcpStream::connect(addr).await.expect("connect");
    stream.write_all(request).await.expect("write");
    let mut response = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut response))
        .await
        .expect("closed in time")
        .expect("read");
    String::from_utf8_lossy(&response).into_owned()
}

#[tokio::test]
async fn a_head_over_the_size_or_count_bound_is_answered_431_and_closed() {
    let server = serve(Limits {
        max_header_bytes: Limits::MIN_HEADER_BYTES,
        max_headers: 8,
        ..Limits::default()
    })
    .await;
    let big = format!(
        "GET /healthz HTTP/1.1\r\nHost: tessera\r\nX-Big: {}\r\n\r\n",
        "a".repeat(Limits::MIN_HEADER_BYTES)
    );
    let answer = exchange(server.addr, big.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    let many = format!(
        "GET /healthz HTTP/1.1\r\nHost: tessera\r\n{}Connection: close\r\n\r\n",
        (0..12)
            .map(|i| format!("X-{i}: {i}\r\n"))
            .collect::<String>()
    );
    let answer = exchange(server.addr, many.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer}");
    let few = "GET /healthz HTTP/1.1\r\nHost: tessera\r\nConnection: close\r\n\r\n";
    let answer = exchange(server.addr, few.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}

#[tokio::test]
async fn a_body_over_the_bound_is_request_entity_too_large() {
    let server = serve(Limits {
        max_body_bytes: 64,
        ..Limits::default()
    })
    .await;
    let body = format!(
        "Action=GetCallerIdentity&Version=2011-06-15&X={}",
        "a".repeat(64)
    );
    let request = format!(
        "POST / HTTP/1.1\r\nHost: tessera\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let answer = exchange(server.addr, request.as_bytes()).await;
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("<Code>RequestEntityTooLarge</Code>"),
        "{answer}"
    );
    assert!(answer.contains("at most 64 bytes"), "{answer}");
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_answered_408() {
    let server = serve(Limits {
        request_timeout: Duration::from_millis(300),
        ..Limits::default()
    })
    .await;
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    stream
        .write_all(
            b"POST / HTTP/1.1\r\nHost: tessera\r\nContent-Type: application/x-www-form-urlencoded\r\n\
              Content-Length: 100\r\n\r\nAction=",
        )
        .await
        .expect("write");
    let mut response = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut response))
        .await
        .expect("answered and closed in time")
        .expect("read");
    let answer = String::from_utf8_lossy(&response);
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

/// An unsigned STS call on a connection of its own.
fn unsigned_call() -> &'static [u8] {
    b"POST / HTTP/1.1\r\nHost: tessera\r\nContent-Type: application/x-www-form-urlencoded\r\n\
      Content-Length: 43\r\nConnection: close\r\n\r\nAction=GetCallerIdentity&Version=2011-06-15"
}

#[tokio::test]
async fn callers_over_the_rate_are_throttled_and_health_never_is() {
    let server = serve(Limits {
        rate_limit: std::num::NonZeroU32::new(2),
        ..Limits::default()
    })
    .await;
    let mut answers = Vec::new();
    for _ in 0..8 {
        answers.push(exchange(server.addr, unsigned_call()).await);
    }
    // A burst of twice the rate is answered (here: unsigned, so refused for
    // want of a signature); the rest is throttled.
    let refused = answers
        .iter()
        .filter(|a| a.contains("<Code>MissingAuthenticationToken</Code>"))
        .count();
    let throttled: Vec<_> = answers
        .iter()
        .filter(|a| a.contains("<Code>Throttling</Code>"))
        .collect();
    assert!((4..=5).contains(&refused), "{answers:#?}");
    assert_eq!(refused + throttled.len(), 8, "{answers:#?}");
    for answer in throttled {
        assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
        assert!(
            answer.contains("<Message>Rate exceeded</Message>"),
            "{answer}"
        );
        assert!(answer.contains("<Type>Sender</Type>"), "{answer}");
        assert!(answer.contains("<RequestId>"), "{answer}");
    }
    for path in ["/healthz", "/readyz"] {
        for _ in 0..10 {
            let request =
                format!("GET {path} HTTP/1.1\r\nHost: tessera\r\nConnection: close\r\n\r\n");
            let answer = exchange(server.addr, request.as_bytes()).await;
            assert!(answer.starts_with("HTTP/1.1 200"), "{path}: {answer}");
        }
    }
}

#[tokio::test]
async fn shutdown_lets_a_request_whose_body_is_arriving_finish() {
    let mut server = serve(Limits {
        shutdown_grace: Duration::from_secs(5),
        ..Limits::default()
    })
    .await;
    let (head, body) = unsigned_call().split_at(unsigned_call().len() - 10);
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    stream.write_all(head).await.expect("write");
    tokio::time::sleep(Duration::from_millis(200)).await;
    if let Some(tx) = server.shutdown.take() {
        let _ = tx.send(());
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    // New connections are refused while the request in flight finishes.
    assert!(TcpStream::connect(server.addr).await.is_err());
    stream.write_all(body).await.expect("write the rest");
    let mut response = Vec::new();
    tokio::time::timeout(PATIENCE, stream.read_to_end(&mut response))
        .await
        .expect("answered in time")
        .expect("read");
    let answer = String::from_utf8_lossy(&response);
    assert!(
        answer.contains("<Code>MissingAuthenticationToken</Code>"),
        "{answer}"
    );
    let result = tokio::time::timeout(PATIENCE, &mut server.task)
        .await
        .expect("serve returns after shutdown")
        .expect("serve task");
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test]
async fn shutdown_waits_no_longer_than_the_grace() {
    let grace = Duration::from_millis(500);
    let mut server = serve(Limits {
        shutdown_grace: grace,
        ..Limits::default()
    })
    .await;
    let (head, _) = unsigned_call().split_at(unsigned_call().len() - 10);
    let mut stream = TcpStream::connect(server.addr).await.expect("connect");
    stream.write_all(head).await.expect("write");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let asked = Instant::now();
    if let Some(tx) = server.shutdown.take() {
        let _ = tx.send(());
    }
    // The rest of the body never comes: serve returns after the grace.
    let result = tokio::time::timeout(PATIENCE, &mut server.task)
        .await
        .expect("serve returns after the grace")
        .expect("serve task");
    assert!(result.is_ok(), "{result:?}");
    assert_about(asked.elapsed(), grace);
}
