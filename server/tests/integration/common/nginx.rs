//! A real nginx for the tests that put Tessera behind one, configured from the ```nginx
//! block of a document under docs/, as a reader would copy it.

use axum::serve::ListenerExt;
use axum::Router;
use serde_json::Value;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tempfile::TempDir;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const NGINX: &str = "/usr/sbin/nginx";

/// Serves `router` on a free port of 127.0.0.1 for the rest of the test, with the peer's
/// address available as in production (`ConnectInfo`).
pub async fn serve(router: Router) -> SocketAddr {
    serve_counting(router).await.0
}

/// `serve`, and the number of connections accepted so far.
pub async fn serve_counting(router: Router) -> (SocketAddr, Arc<AtomicUsize>) {
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let listener = listener.tap_io(move |_| {
        counter.fetch_add(1, Ordering::SeqCst);
    });
    let service = router.into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
    (addr, accepted)
}

/// The one ```nginx block of `docs/<doc>`.
pub fn documented_block(doc: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../docs")
        .join(doc);
    let doc = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let blocks: Vec<&str> = doc.split("```nginx\n").skip(1).collect();
    assert_eq!(
        blocks.len(),
        1,
        "docs/{doc} must have exactly one ```nginx block"
    );
    let (block, _) = blocks[0]
        .split_once("\n```")
        .expect("the ```nginx block is closed");
    block.to_owned()
}

/// Replaces what the docs say with what a test uses, insisting the docs still say it.
pub fn substitute(block: &str, documented: &str, actual: &str) -> String {
    assert!(
        block.contains(documented),
        "the documented ```nginx block no longer contains `{documented}`, which the test \
         replaces; update the test's DOC_* constants"
    );
    block.replace(documented, actual)
}

/// A foreground nginx, killed when the test ends. Everything it writes stays in its
/// temporary folder, so it needs no root and leaves no trace.
pub struct Nginx {
    child: Child,
    pub port: u16,
    dir: TempDir,
}

impl Nginx {
    /// Runs `block` with its `listen` line (as the docs write it, `documented_listen`) on a
    /// free port of 127.0.0.1.
    pub async fn start(block: &str, documented_listen: &str) -> Self {
        let binary = PathBuf::from(NGINX);
        assert!(
            binary.exists(),
            "{NGINX} is missing: run `make nginx` (or `apt-get install nginx`) to run this test"
        );
        // The free port is found by binding and releasing it, so another process may take it
        // in between; try again with a new one if nginx cannot listen.
        for _ in 0..3 {
            let port = free_port();
            let dir = tempfile::tempdir().unwrap();
            let block = substitute(
                block,
                documented_listen,
                &format!("listen 127.0.0.1:{port};"),
            );
            let conf = dir.path().join("nginx.conf");
            std::fs::write(&conf, wrap(dir.path(), &block)).unwrap();
            let child = Command::new(&binary)
                .arg("-p")
                .arg(dir.path())
                .arg("-e")
                .arg(dir.path().join("error.log"))
                .arg("-c")
                .arg(&conf)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("cannot start {NGINX}: {e}"));
            let mut nginx = Self { child, port, dir };
            if nginx.ready().await {
                return nginx;
            }
            let log = nginx.error_log();
            assert!(
                log.contains("Address already in use"),
                "nginx did not start:\n{log}"
            );
        }
        panic!("nginx found no free port in three tries");
    }

    /// Waits until nginx accepts connections; false if it exited instead.
    async fn ready(&mut self) -> bool {
        for _ in 0..250 {
            if self.child.try_wait().unwrap().is_some() {
                return false;
            }
            if TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!(
            "nginx did not listen on port {} within 5 s:\n{}",
            self.port,
            self.error_log()
        );
    }

    fn error_log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("error.log")).unwrap_or_default()
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        // What nginx thought of a failing test's requests.
        if std::thread::panicking() {
            eprintln!("nginx error log:\n{}", self.error_log());
        }
    }
}

/// A complete nginx.conf around the documented `http`-level block. One process without a
/// master (which as root would hand requests to a `nobody` worker that cannot write here),
/// in the foreground, with every file in `dir`.
fn wrap(dir: &Path, block: &str) -> String {
    let dir = dir.display();
    format!(
        "daemon off;
master_process off;
pid {dir}/nginx.pid;
error_log {dir}/error.log info;
events {{}}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;

{block}
}}
"
    )
}

pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// An HTTP answer as nginx sent it.
pub struct Reply {
    pub status: u16,
    /// Names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn parse(raw: &[u8]) -> Self {
        let text = String::from_utf8_lossy(raw);
        let (head, body) = text
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("not an HTTP answer: {text:?}"));
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|line| line.split(' ').nth(1))
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("no status line: {head:?}"));
        let headers = lines
            .filter_map(|line| line.split_once(':'))
            .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
            .collect();
        Self {
            status,
            headers,
            body: body.to_owned(),
        }
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A 200 answer's JSON body.
    pub fn json(&self) -> Value {
        assert_eq!(self.status, 200, "{}", self.body);
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

impl Nginx {
    /// Sends `request` (a whole HTTP/1.0 request, so that nginx neither chunks the answer nor
    /// keeps the connection) and reads the answer until nginx closes the connection.
    pub async fn exchange(&self, request: &str) -> Reply {
        let exchange = async {
            let mut stream = TcpStream::connect(("127.0.0.1", self.port)).await?;
            stream.write_all(request.as_bytes()).await?;
            let mut raw = Vec::new();
            stream.read_to_end(&mut raw).await?;
            Ok::<_, std::io::Error>(raw)
        };
        let first_line = request.lines().next().unwrap_or_default();
        let raw = tokio::time::timeout(Duration::from_secs(10), exchange)
            .await
            .unwrap_or_else(|_| panic!("nginx did not answer {first_line} within 10 s"))
            .unwrap();
        Reply::parse(&raw)
    }
}
