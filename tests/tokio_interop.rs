//! Interop under tokio (a dev-dependency only): a C++ coroutine awaits `tokio::time::sleep`
//! and then a tokio TCP echo over 127.0.0.1, inside a C++ task that a tokio task awaits.

use std::future::IntoFuture;
use std::time::{Duration, Instant};

use corobridge::{RustFuture, RustStream};
use corobridge_testkit::interop_scenarios as i;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

async fn echo_server() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            tokio::spawn(async move {
                let mut buf = [0u8; 1024];
                while let Ok(n) = socket.read(&mut buf).await {
                    if n == 0 || socket.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

fn echo(addr: std::net::SocketAddr, text: &'static str) -> RustFuture<String> {
    RustFuture::fallible(async move {
        let mut stream = TcpStream::connect(addr).await?;
        stream.write_all(text.as_bytes()).await?;
        let mut buf = vec![0u8; text.len()];
        stream.read_exact(&mut buf).await?;
        Ok::<_, std::io::Error>(String::from_utf8_lossy(&buf).into_owned())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cpp_awaits_tokio_sleep_then_a_tcp_echo_inside_a_tokio_task() {
    let addr = echo_server().await;
    let sleep = RustFuture::new(async { tokio::time::sleep(Duration::from_millis(50)).await });
    let start = Instant::now();
    // tokio::spawn needs Send: a C++ task's future is.
    let task = tokio::spawn(i::await_then(sleep, echo(addr, "hello over tcp")).into_future());
    let echoed = task
        .await
        .expect("the tokio task ran")
        .expect("the C++ task succeeded");
    assert_eq!(echoed, "hello over tcp");
    assert!(start.elapsed() >= Duration::from_millis(50));
}

#[tokio::test(flavor = "current_thread")]
async fn a_failing_tcp_connect_is_a_cpp_exception_then_a_rust_error() {
    // Nothing listens on this port (bound, then dropped).
    let addr = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let described = i::describe_i32(RustFuture::fallible(async move {
        TcpStream::connect(addr).await.map(|_| 1)
    }))
    .await
    .unwrap();
    assert!(described.starts_with("rust_error: "), "{described}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_cpp_tasks_on_tokio_workers() {
    let addr = echo_server().await;
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let sleep =
                RustFuture::new(async { tokio::time::sleep(Duration::from_millis(5)).await });
            tokio::spawn(i::await_then(sleep, echo(addr, "ping")).into_future())
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap(), "ping");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn cpp_consumes_a_tokio_driven_stream() {
    let ticks = RustStream::new(futures::stream::unfold(0i64, |k| async move {
        (k < 5).then_some(())?;
        tokio::time::sleep(Duration::from_millis(2)).await;
        Some((k, k + 1))
    }));
    assert_eq!(i::sum_stream(ticks).await, Ok(10));
}
