//! Client-side platform behaviour over real sockets: the header-read
//! timeout apart from keep-alive idle, and TLS termination.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use consentry::config::{compile, shared};
use consentry::proxy::Proxy;

#[allow(dead_code)]
mod common;

/// An HTTP/1.1 upstream answering `ok` to everything, once it has read the
/// request body.
async fn upstream() -> (SocketAddr, common::Received) {
    common::upstream(|request: Request<Incoming>| async move {
        let _ = request.into_body().collect().await;
        Response::builder()
            .header("content-type", "text/plain")
            .body(common::full("ok"))
            .unwrap()
    })
    .await
}

/// A proxy in front of `upstream` with `timeouts` in `[proxy.timeouts]`.
async fn proxy(upstream: SocketAddr, timeouts: &str) -> SocketAddr {
    let config =
        format!("[proxy]\nupstream = \"http://{upstream}\"\n[proxy.timeouts]\n{timeouts}\n");
    let policy = compile(&config, "test").unwrap();
    let proxy = Proxy::bind("127.0.0.1:0".parse().unwrap(), shared(Arc::new(policy)))
        .await
        .unwrap();
    let addr = proxy.local_addr().unwrap();
    tokio::spawn(proxy.run(std::future::pending()));
    addr
}

/// Reads one whole `Content-Length` response from `stream`.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buf))
            .await
            .expect("a response in time")
            .unwrap();
        assert!(
            n > 0,
            "closed mid-response: {:?}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
        let text = String::from_utf8_lossy(&got).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length: usize = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(|v| v.trim().parse().unwrap())
                })
                .expect("content-length");
            if body.len() >= length {
                return text;
            }
        }
    }
}

/// Waits until the peer closes `stream` (or resets it); how long that took.
async fn closed_after(stream: &mut TcpStream, limit: Duration) -> Duration {
    let start = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(limit, stream.read(&mut buf)).await {
            Err(_) => panic!("still open after {limit:?}"),
            Ok(Ok(0) | Err(_)) => return start.elapsed(),
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn a_slow_client_is_cut_off_at_the_header_timeout_not_the_idle_timeout() {
    let (up, seen) = upstream().await;
    let addr = proxy(up, "client_header = \"1s\"\nidle = \"30s\"").await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: a\r\n")
        .await
        .unwrap();
    // One header byte every 200 ms: always some progress, never the end.
    let trickle = async {
        loop {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if stream.write_all(b"X").await.is_err() {
                return;
            }
        }
    };
    let start = Instant::now();
    let _ = tokio::time::timeout(Duration::from_secs(10), trickle).await;
    let elapsed = start.elapsed();
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(10),
        "cut off after {elapsed:?}"
    );
    assert_eq!(seen.len(), 0, "nothing reached upstream");
}

#[tokio::test]
async fn a_quiet_keep_alive_connection_lasts_beyond_the_header_timeout() {
    let (up, seen) = upstream().await;
    let addr = proxy(up, "client_header = \"500ms\"\nidle = \"30s\"").await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let request = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    stream.write_all(request).await.unwrap();
    assert!(read_response(&mut stream).await.starts_with("HTTP/1.1 200"));
    // Idle between requests for three header timeouts: still open.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    stream.write_all(request).await.unwrap();
    assert!(read_response(&mut stream).await.starts_with("HTTP/1.1 200"));
    // A request body sent slowly after complete headers is not header time.
    stream
        .write_all(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\n")
        .await
        .unwrap();
    for byte in [b"a", b"b", b"c", b"d"] {
        tokio::time::sleep(Duration::from_millis(300)).await;
        stream.write_all(byte).await.unwrap();
    }
    assert!(read_response(&mut stream).await.starts_with("HTTP/1.1 200"));
    assert_eq!(seen.len(), 3);
}

#[tokio::test]
async fn an_idle_connection_is_closed_at_the_idle_timeout() {
    let (up, _) = upstream().await;
    let addr = proxy(up, "client_header = \"5s\"\nidle = \"300ms\"").await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream
        .write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        .await
        .unwrap();
    assert!(read_response(&mut stream).await.starts_with("HTTP/1.1 200"));
    let after = closed_after(&mut stream, Duration::from_secs(4)).await;
    assert!(after >= Duration::from_millis(250), "{after:?}");
}

#[tokio::test]
async fn a_connection_that_never_sends_is_closed_at_the_header_timeout() {
    let (up, _) = upstream().await;
    let addr = proxy(up, "client_header = \"300ms\"\nidle = \"30s\"").await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let after = closed_after(&mut stream, Duration::from_secs(5)).await;
    assert!(after >= Duration::from_millis(250), "{after:?}");
}

mod tls {
    //! TLS termination with certificates made here (rcgen): a CA and
    //! leaves it signs for `localhost`.

    use std::path::PathBuf;

    use hyper_util::rt::TokioExecutor;
    use rustls::pki_types::{CertificateDer, ServerName};
    use rustls::ClientConfig;
    use tokio_rustls::client::TlsStream;
    use tokio_rustls::TlsConnector;

    use super::*;

    struct Ca(rcgen::CertifiedIssuer<'static, rcgen::KeyPair>);

    /// A leaf certificate: (certificate PEM, key PEM, certificate DER).
    type Leaf = (String, String, CertificateDer<'static>);

    impl Ca {
        fn new() -> Ca {
            let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
            params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
            let key = rcgen::KeyPair::generate().unwrap();
            Ca(rcgen::CertifiedIssuer::self_signed(params, key).unwrap())
        }

        /// A leaf for `localhost`.
        fn leaf(&self) -> Leaf {
            let params = rcgen::CertificateParams::new(vec!["localhost".to_string()]).unwrap();
            let key = rcgen::KeyPair::generate().unwrap();
            let cert = params.signed_by(&key, &self.0).unwrap();
            (cert.pem(), key.serialize_pem(), cert.der().clone())
        }

        fn client(
            &self,
            alpn: &[&[u8]],
            versions: &[&'static rustls::SupportedProtocolVersion],
        ) -> TlsConnector {
            let mut roots = rustls::RootCertStore::empty();
            roots.add(self.0.der().clone()).unwrap();
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let mut config = ClientConfig::builder_with_provider(provider)
                .with_protocol_versions(versions)
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth();
            config.alpn_protocols = alpn.iter().map(|p| p.to_vec()).collect();
            TlsConnector::from(Arc::new(config))
        }
    }

    /// Certificate and key files in a scratch directory.
    struct Files {
        dir: PathBuf,
    }

    impl Files {
        fn new(name: &str) -> Files {
            let dir =
                std::env::temp_dir().join(format!("consentry-tls-{}-{name}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            Files { dir }
        }

        fn cert(&self) -> PathBuf {
            self.dir.join("tls.crt")
        }

        fn key(&self) -> PathBuf {
            self.dir.join("tls.key")
        }

        /// Replaces both files the way a Secret update does: write aside, rename.
        fn install(&self, (cert, key, _): &Leaf) {
            for (path, text) in [(self.key(), key), (self.cert(), cert)] {
                let aside = path.with_extension("new");
                std::fs::write(&aside, text).unwrap();
                std::fs::rename(&aside, &path).unwrap();
            }
        }

        fn config(&self, upstream: SocketAddr) -> String {
            format!(
                "[proxy]\nupstream = \"http://{upstream}\"\n[proxy.tls]\ncert = \"{}\"\nkey = \"{}\"\n",
                self.cert().display(),
                self.key().display()
            )
        }
    }

    impl Drop for Files {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    async fn start(config: &str) -> std::io::Result<SocketAddr> {
        let policy = compile(config, "test").unwrap();
        let proxy = Proxy::bind("127.0.0.1:0".parse().unwrap(), shared(Arc::new(policy))).await?;
        let addr = proxy.local_addr().unwrap();
        tokio::spawn(proxy.run(std::future::pending()));
        Ok(addr)
    }

    async fn connect(connector: &TlsConnector, addr: SocketAddr) -> TlsStream<TcpStream> {
        let tcp = TcpStream::connect(addr).await.unwrap();
        connector
            .connect(ServerName::try_from("localhost").unwrap(), tcp)
            .await
            .expect("TLS handshake")
    }

    fn leaf_of(stream: &TlsStream<TcpStream>) -> CertificateDer<'static> {
        stream.get_ref().1.peer_certificates().unwrap()[0]
            .clone()
            .into_owned()
    }

    type H1 = hyper::client::conn::http1::SendRequest<Full<Bytes>>;

    async fn http1(stream: TlsStream<TcpStream>) -> H1 {
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        tokio::spawn(connection);
        sender
    }

    async fn get_ok(sender: &mut H1) {
        let response = sender
            .send_request(
                Request::get("/app.js")
                    .header("host", "localhost")
                    .body(Full::new(Bytes::new()))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let body = response.into_body().collect().await.unwrap().to_bytes();
        assert_eq!(&body[..], b"ok");
    }

    #[tokio::test]
    async fn serves_http1_and_h2_by_alpn_over_tls_1_2_and_1_3() {
        let (up, seen) = upstream().await;
        let ca = Ca::new();
        let files = Files::new("alpn");
        files.install(&ca.leaf());
        let addr = start(&files.config(up)).await.unwrap();

        // ALPN picks h2 when offered.
        let both = ca.client(&[b"h2", b"http/1.1"], &[&rustls::version::TLS13]);
        let stream = connect(&both, addr).await;
        assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
        assert_eq!(
            stream.get_ref().1.protocol_version(),
            Some(rustls::ProtocolVersion::TLSv1_3)
        );
        let (mut h2, connection) =
            hyper::client::conn::http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
                .await
                .unwrap();
        tokio::spawn(connection);
        let response = h2
            .send_request(
                Request::get("https://localhost/app.js")
                    .body(Full::new(Bytes::new()))
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(response.version(), http::Version::HTTP_2);

        // HTTP/1.1 over TLS 1.2.
        let old = ca.client(&[b"http/1.1"], &[&rustls::version::TLS12]);
        let stream = connect(&old, addr).await;
        assert_eq!(stream.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
        assert_eq!(
            stream.get_ref().1.protocol_version(),
            Some(rustls::ProtocolVersion::TLSv1_2)
        );
        get_ok(&mut http1(stream).await).await;
        let forwarded = seen.last_headers();
        assert_eq!(forwarded["x-forwarded-proto"], "https");
        assert!(forwarded["forwarded"]
            .to_str()
            .unwrap()
            .ends_with(";proto=https"));

        // Plain HTTP on the TLS port gets no response.
        let mut plain = TcpStream::connect(addr).await.unwrap();
        plain
            .write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
            .await
            .unwrap();
        let mut buf = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(5), plain.read_to_end(&mut buf)).await;
        assert!(!buf.starts_with(b"HTTP/1.1 200"), "{buf:?}");
    }

    #[tokio::test]
    async fn a_rotated_certificate_reaches_new_connections_and_spares_open_ones() {
        let (up, seen) = upstream().await;
        let ca = Ca::new();
        let files = Files::new("rotate");
        let first = ca.leaf();
        files.install(&first);
        let addr = start(&files.config(up)).await.unwrap();
        let client = ca.client(&[b"http/1.1"], &[&rustls::version::TLS13]);

        let stream = connect(&client, addr).await;
        assert_eq!(leaf_of(&stream), first.2);
        let mut open = http1(stream).await;
        get_ok(&mut open).await;

        // Traffic keeps flowing on the open connection during the rotation.
        let traffic = tokio::spawn(async move {
            for _ in 0..40 {
                get_ok(&mut open).await;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            open
        });
        let second = ca.leaf();
        files.install(&second);
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let stream = connect(&client, addr).await;
            if leaf_of(&stream) == second.2 {
                get_ok(&mut http1(stream).await).await;
                break;
            }
            assert_eq!(leaf_of(&stream), first.2);
            assert!(
                Instant::now() < deadline,
                "the new certificate never arrived"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let mut open = traffic.await.unwrap();
        get_ok(&mut open).await;

        // A broken pair is refused and the running one stays.
        std::fs::write(files.cert(), "-----BEGIN CERTIFICATE-----\nnot base64\n").unwrap();
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let stream = connect(&client, addr).await;
        assert_eq!(leaf_of(&stream), second.2);
        get_ok(&mut http1(stream).await).await;
        assert!(seen.len() >= 44);
    }

    /// `consentry run` (the real binary) with `config`, killed on drop.
    struct Binary(std::process::Child);

    impl Drop for Binary {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn free_port() -> SocketAddr {
        std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .unwrap()
    }

    /// Sets both files' modification times back to `times`, so that only
    /// a SIGHUP (not the change check) can pick up new contents.
    fn restore_times(files: &Files, times: [std::time::SystemTime; 2]) {
        for (path, time) in [files.cert(), files.key()].into_iter().zip(times) {
            std::fs::File::options()
                .write(true)
                .open(path)
                .unwrap()
                .set_modified(time)
                .unwrap();
        }
    }

    async fn admin_metrics(admin: SocketAddr) -> String {
        let mut stream = TcpStream::connect(admin).await.unwrap();
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            .await
            .unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).await.unwrap();
        text
    }

    #[tokio::test]
    async fn the_binary_reloads_its_certificate_on_sighup() {
        let (up, _) = upstream().await;
        let ca = Ca::new();
        let files = Files::new("sighup");
        let first = ca.leaf();
        files.install(&first);
        // A second leaf with files of the same sizes as the first.
        let second = std::iter::repeat_with(|| ca.leaf())
            .find(|l| l.0.len() == first.0.len() && l.1.len() == first.1.len())
            .unwrap();
        let config = files.dir.join("consentry.toml");
        std::fs::write(&config, files.config(up)).unwrap();
        let (listen, admin) = (free_port(), free_port());
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_consentry"))
            .args(["run", "--config", config.to_str().unwrap()])
            .args([
                "--listen",
                &listen.to_string(),
                "--admin-listen",
                &admin.to_string(),
            ])
            .env("RUST_LOG", "warn")
            .env_remove("CONSENTRY_CONFIG")
            .env_remove("CONSENTRY_UPSTREAM")
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let binary = Binary(child);
        let client = ca.client(&[b"http/1.1"], &[&rustls::version::TLS13]);
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(listen).await.is_err() {
            assert!(Instant::now() < deadline, "consentry did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let stream = connect(&client, listen).await;
        assert_eq!(leaf_of(&stream), first.2);
        let mut open = http1(stream).await;
        get_ok(&mut open).await;

        let times =
            [files.cert(), files.key()].map(|p| std::fs::metadata(p).unwrap().modified().unwrap());
        files.install(&second);
        restore_times(&files, times);
        // The change check sees nothing new: still the first certificate.
        tokio::time::sleep(Duration::from_millis(2500)).await;
        assert_eq!(leaf_of(&connect(&client, listen).await), first.2);

        let hup = std::process::Command::new("kill")
            .args(["-HUP", &binary.0.id().to_string()])
            .status()
            .unwrap();
        assert!(hup.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        while leaf_of(&connect(&client, listen).await) != second.2 {
            assert!(
                Instant::now() < deadline,
                "SIGHUP did not reload the certificate"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        get_ok(&mut open).await;
        let metrics = admin_metrics(admin).await;
        assert!(
            metrics.contains("consentry_tls_reloads_total{result=\"ok\"} 1"),
            "{metrics}"
        );
    }

    #[tokio::test]
    async fn unreadable_tls_files_fail_the_start_naming_the_key() {
        let (up, _) = upstream().await;
        let ca = Ca::new();
        let files = Files::new("bad");
        let leaf = ca.leaf();
        files.install(&leaf);
        std::fs::remove_file(files.key()).unwrap();
        let err = start(&files.config(up)).await.unwrap_err();
        assert!(err.to_string().contains("proxy.tls.key"), "{err}");

        // A key that belongs to another certificate.
        let other = ca.leaf();
        files.install(&(leaf.0.clone(), other.1.clone(), leaf.2.clone()));
        let err = start(&files.config(up)).await.unwrap_err();
        assert!(err.to_string().contains("does not match"), "{err}");
    }
}
