//! The published vocabularies on the endpoint: `/af`, `/ns/...` answered with the same content
//! negotiation as the static site (W3C recipes), so a term IRI `https://w3id.org/flowkg/X` can
//! be dereferenced at `http://HOST:PORT/X`.

use super::{error, respond};
use crate::publish::Site;
use crate::publish::conneg::{Body as SiteBody, negotiate};
use crate::{Error, Result};
use oxhttp::model::header::HeaderValue;
use oxhttp::model::{Body, Request, Response, StatusCode};
use std::path::PathBuf;

/// The site, written once into a folder of its own, and where.
#[derive(Debug)]
pub struct PublishedSite {
    site: Site,
    dir: PathBuf,
}

impl PublishedSite {
    /// Writes the built-in site (served from `/`) into a fresh folder under the system's
    /// temporary directory.
    pub fn write_temporary() -> Result<Self> {
        let site = Site::built_in()?.with_root("/");
        let dir = std::env::temp_dir().join(format!("flowkg-site-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir).map_err(|source| Error::Io {
                path: dir.clone(),
                source,
            })?;
        }
        site.write(&dir, None)?;
        Ok(Self { site, dir })
    }

    /// Whether a request path is the site's (the vocabulary and the shared namespaces).
    #[must_use]
    pub fn serves(path: &str) -> bool {
        path == "/af" || path.starts_with("/af/") || path == "/ns" || path.starts_with("/ns/")
    }

    /// Answers a request for a term, namespace or published file.
    pub fn respond(&self, request: &Request<Body>) -> Response<Body> {
        let accept = request
            .headers()
            .get("accept")
            .and_then(|v| v.to_str().ok());
        let answer = negotiate(&self.site, request.uri().path(), accept);
        let status =
            StatusCode::from_u16(answer.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut response = match &answer.body {
            SiteBody::Empty => respond(status, "text/plain; charset=utf-8", ""),
            SiteBody::Text(text) => respond(status, "text/plain; charset=utf-8", text.clone()),
            SiteBody::File(path) => match std::fs::read(self.dir.join(path)) {
                Ok(bytes) => respond(status, "application/octet-stream", bytes),
                Err(e) => return error(StatusCode::INTERNAL_SERVER_ERROR, &format!("{path}: {e}")),
            },
        };
        for (name, value) in &answer.headers {
            if let (Ok(name), Ok(value)) = (
                oxhttp::model::header::HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_str(value),
            ) {
                response.headers_mut().insert(name, value);
            }
        }
        response
    }
}
