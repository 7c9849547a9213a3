//! The page: `index.html` of the built page and its static files, under `/demo`.

use std::path::Path;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

use crate::Demo;
use crate::refusal::Refusal;

/// `GET /`: the built page, read on each request so a rebuild needs no restart.
pub(crate) async fn page(State(demo): State<Arc<Demo>>) -> Response {
    let index = demo.config.dist_dir.join("index.html");
    match tokio::fs::read_to_string(&index).await {
        Ok(html) => ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Html(not_built_page(&demo.config.dist_dir)),
        )
            .into_response(),
    }
}

/// Any other path: a file of the built page (`assets/...`), or the demo's own 404.
///
/// `ServeDir` turns file-system errors other than "not found" into a bare 500 and an error log
/// line (for example ENAMETOOLONG for a path segment over 255 bytes), which anyone could
/// request over and over. Here every path that names no servable file is a section-7 404 and
/// logs nothing above debug; a method other than GET or HEAD is a 405 when the file exists.
pub(crate) async fn asset(State(demo): State<Arc<Demo>>, request: Request) -> Response {
    let mut assets = demo.assets.clone();
    if request.method() == Method::GET || request.method() == Method::HEAD {
        return match assets.try_call(request).await {
            Ok(response) if is_servable(response.status()) => response.map(Body::new),
            Ok(_) => Refusal::not_found().into_response(),
            Err(error) => {
                // The kind only: the path is the caller's text.
                tracing::debug!(kind = ?error.kind(), "demo file not served");
                Refusal::not_found().into_response()
            }
        };
    }
    // Another method: 405 for a file that is there, 404 for one that is not.
    let mut probe = Request::new(Body::empty());
    *probe.method_mut() = Method::HEAD;
    probe.uri_mut().clone_from(request.uri());
    match assets.try_call(probe).await {
        Ok(response) if is_servable(response.status()) => {
            let mut refusal = Refusal::method_not_allowed().into_response();
            refusal
                .headers_mut()
                .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
            refusal
        }
        Ok(_) | Err(_) => Refusal::not_found().into_response(),
    }
}

/// Whether a `ServeDir` status is an answer about a file that is there: a success, a
/// redirect or "not modified", or a refused precondition or range of an existing file.
fn is_servable(status: StatusCode) -> bool {
    status.is_success()
        || status.is_redirection()
        || status == StatusCode::PRECONDITION_FAILED
        || status == StatusCode::RANGE_NOT_SATISFIABLE
}

/// The page shown when the demo has not been built: what to run.
fn not_built_page(dist_dir: &Path) -> String {
    let dist = escape_html(&dist_dir.display().to_string());
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"color-scheme\" content=\"light dark\">\
         <title>Signet demo: not built yet</title></head>\
         <body style=\"font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; \
         padding: 0 1rem; line-height: 1.5\">\
         <h1>The demo page is not built yet</h1>\
         <p>The demo looked for it in <code>{dist}</code> and found no <code>index.html</code>.</p>\
         <p>Build it (Node.js 20 or newer), then reload this page:</p>\
         <pre>cd crates/signet-demo/page\nnpm ci\nnpm run build</pre>\
         <p>Or start the server with <code>--demo-dir</code> pointing at a folder that holds a built page.</p>\
         </body></html>\n"
    )
}

/// Escapes text for HTML.
fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_not_built_page_escapes_the_folder_name() {
        let page = not_built_page(Path::new("/tmp/<dist>"));
        assert!(page.contains("/tmp/&lt;dist&gt;"));
        assert!(page.contains("npm run build"));
    }
}
