//! Debian's Chromium, headless, driven through chromedriver with fantoccini: starting
//! the driver and the browser, and the few steps every browser test takes.
//!
//! Chromium and chromedriver are required: without them a browser test fails and says
//! what to install; it never passes by skipping.

use fantoccini::{Client, ClientBuilder, Locator};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

pub const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long any one page may take to show what the test waits for.
pub const PAGE_WAIT: Duration = Duration::from_secs(20);

/// A running chromedriver, killed when the test ends, whether it passed or panicked.
pub struct Chromedriver {
    child: Child,
    pub port: u16,
}

impl Chromedriver {
    /// Starts chromedriver on a port of its choosing and waits for the line saying it is
    /// ready (and which port it took); no sleeping and hoping.
    pub fn start() -> Chromedriver {
        for (path, package) in [(CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")] {
            assert!(
                Path::new(path).exists(),
                "the browser test needs {path}: install Debian's {package} \
                 (apt-get install chromium chromium-driver)"
            );
        }
        let mut child = Command::new(CHROMEDRIVER)
            .arg("--port=0")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {CHROMEDRIVER}: {e}"));
        let (lines, rx) = mpsc::channel();
        // Both streams are read to the end, so chromedriver never blocks on a full pipe.
        if let Some(out) = child.stdout.take() {
            forward_lines(out, lines.clone());
        }
        if let Some(err) = child.stderr.take() {
            forward_lines(err, lines);
        }
        let mut driver = Chromedriver { child, port: 0 };
        let deadline = Instant::now() + Duration::from_secs(30);
        let mut seen = Vec::new();
        while driver.port == 0 {
            let left = deadline.saturating_duration_since(Instant::now());
            match rx.recv_timeout(left) {
                Ok(line) => {
                    if let Some(port) = ready_port(&line) {
                        driver.port = port;
                    }
                    seen.push(line);
                }
                Err(mpsc::RecvTimeoutError::Timeout) => panic!(
                    "chromedriver did not report \"started successfully\" within 30 s:\n{}",
                    seen.join("\n")
                ),
                Err(mpsc::RecvTimeoutError::Disconnected) => panic!(
                    "chromedriver exited before it was ready:\n{}",
                    seen.join("\n")
                ),
            }
        }
        driver
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        // Already gone is fine; anything else would leave a process behind, worth a word.
        if let Err(e) = self.child.kill() {
            eprintln!("stopping chromedriver: {e}");
        }
        let _ = self.child.wait();
    }
}

fn forward_lines(stream: impl Read + Send + 'static, to: mpsc::Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            // After startup nobody listens; keep draining regardless.
            let _ = to.send(line);
        }
    });
}

/// `ChromeDriver was started successfully on port 41623.` -> 41623
fn ready_port(line: &str) -> Option<u16> {
    let rest = line.split("started successfully on port ").nth(1)?;
    rest.trim_end_matches('.').trim().parse().ok()
}

/// A headless Chromium session at 1366x768 asking for Chinese pages, with a throwaway
/// profile (kept alive by the returned directory).
pub async fn browser(driver: &Chromedriver) -> (Client, tempfile::TempDir) {
    // fantoccini's HTTPS support and reqwest's bring different rustls crypto providers
    // into the build, so rustls cannot pick one by itself. The WebDriver connection is
    // plain HTTP on 127.0.0.1; any provider will do. An error means one is installed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let profile = tempfile::tempdir().expect("browser profile dir");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": CHROMIUM,
            "args": [
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--window-size=1366,768",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
                format!("--user-data-dir={}", profile.path().display()),
            ],
            // A workstation in a Chinese bank asks for Chinese pages.
            "prefs": {"intl.accept_languages": "zh-CN,zh"},
        }),
    );
    let client = ClientBuilder::rustls()
        .expect("TLS roots for the WebDriver client")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .unwrap_or_else(|e| panic!("chromedriver could not start Chromium: {e}"));
    (client, profile)
}

/// Saves what the browser shows as `target/screenshots/<name>`.
pub async fn screenshot(client: &Client, name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).expect("create target/screenshots");
    let png = client.screenshot().await.expect("screenshot");
    std::fs::write(dir.join(name), png).unwrap_or_else(|e| panic!("writing {name}: {e}"));
}

pub async fn wait_for(client: &Client, css: &str) -> fantoccini::elements::Element {
    client
        .wait()
        .at_most(PAGE_WAIT)
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("waiting for {css}: {e}"))
}

pub async fn click(client: &Client, css: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("finding {css}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {css}: {e}"));
}

pub async fn type_into(client: &Client, css: &str, text: &str) {
    client
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("finding {css}: {e}"))
        .send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("typing into {css}: {e}"));
}
