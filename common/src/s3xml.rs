//! S3's `<Error>` document: writing one (the edge's own errors, the
//! origin's answers outside s3s) and reading one (what the edge and the
//! heal CLI got back from the origin). Reading goes through quick-xml, so
//! entities, CDATA and attribute noise are handled as XML says, not by
//! string search. Pure: no IO.

use quick_xml::Reader;
use quick_xml::events::Event;

/// The fields of an S3 error document a client acts on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct S3ErrorDoc {
    /// `<Code>`, e.g. `NoSuchKey`.
    pub code: String,
    /// `<Message>`.
    pub message: String,
    /// `<RequestId>`, when sent.
    pub request_id: Option<String>,
}

impl S3ErrorDoc {
    /// Reads an `<Error>` document; None when `body` is not one (not XML,
    /// another root element, or no `<Code>`).
    pub fn parse(body: &[u8]) -> Option<S3ErrorDoc> {
        // Text is not trimmed per event: entity references split it into
        // pieces, and trimming those would eat the spaces between them.
        let mut reader = Reader::from_reader(body);
        let mut doc = S3ErrorDoc::default();
        // Element path below the root: only direct children of <Error> count.
        let mut depth = 0usize;
        let mut root_seen = false;
        // A truncated body is not an error document we can trust.
        let mut root_closed = false;
        let mut field: Option<&'static str> = None;
        let mut buf = Vec::new();
        loop {
            match reader.read_event_into(&mut buf).ok()? {
                Event::Start(e) => {
                    depth += 1;
                    let name = e.local_name();
                    if depth == 1 {
                        if name.as_ref() != b"Error" {
                            return None;
                        }
                        root_seen = true;
                    } else if depth == 2 {
                        field = match name.as_ref() {
                            b"Code" => Some("code"),
                            b"Message" => Some("message"),
                            b"RequestId" => Some("request_id"),
                            _ => None,
                        };
                    }
                }
                Event::End(_) => {
                    depth = depth.saturating_sub(1);
                    field = None;
                    if depth == 0 && root_seen {
                        root_closed = true;
                    }
                }
                Event::Text(t) if depth == 2 => {
                    let text = t.decode().ok()?;
                    let text = quick_xml::escape::unescape(&text).ok()?.into_owned();
                    push(&mut doc, field, &text);
                }
                Event::CData(t) if depth == 2 => {
                    let text = String::from_utf8_lossy(&t.into_inner()).into_owned();
                    push(&mut doc, field, &text);
                }
                Event::GeneralRef(r) if depth == 2 => {
                    // quick-xml reports entity references on their own.
                    let text = match r.as_ref() {
                        b"lt" => "<",
                        b"gt" => ">",
                        b"amp" => "&",
                        b"quot" => "\"",
                        b"apos" => "'",
                        _ => "",
                    };
                    push(&mut doc, field, text);
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        doc.code = doc.code.trim().to_string();
        doc.message = doc.message.trim().to_string();
        if let Some(id) = &mut doc.request_id {
            *id = id.trim().to_string();
        }
        (root_closed && !doc.code.is_empty()).then_some(doc)
    }
}

fn push(doc: &mut S3ErrorDoc, field: Option<&str>, text: &str) {
    match field {
        Some("code") => doc.code.push_str(text),
        Some("message") => doc.message.push_str(text),
        Some("request_id") => doc
            .request_id
            .get_or_insert_with(String::new)
            .push_str(text),
        _ => {}
    }
}

/// An S3-style `<Error>` document with `code`, `message` and, when given,
/// `resource` and `request_id`.
pub fn error_xml(
    code: &str,
    message: &str,
    resource: Option<&str>,
    request_id: Option<&str>,
) -> String {
    let mut out = String::with_capacity(128 + message.len());
    out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>");
    out.push_str(&xml_escape(code));
    out.push_str("</Code><Message>");
    out.push_str(&xml_escape(message));
    out.push_str("</Message>");
    if let Some(r) = resource {
        out.push_str("<Resource>");
        out.push_str(&xml_escape(r));
        out.push_str("</Resource>");
    }
    if let Some(id) = request_id {
        out.push_str("<RequestId>");
        out.push_str(&xml_escape(id));
        out.push_str("</RequestId>");
    }
    out.push_str("</Error>");
    out
}

/// Escapes text for an XML element body or attribute.
pub fn xml_escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_s3_sends() {
        let cases: &[(&str, Option<(&str, &str)>)] = &[
            (
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><RequestId>1</RequestId></Error>",
                Some(("NoSuchKey", "The specified key does not exist.")),
            ),
            (
                "<Error>\n  <Code>AccessDenied</Code>\n  <Message>a &lt;b&gt; &amp; c</Message>\n</Error>",
                Some(("AccessDenied", "a <b> & c")),
            ),
            (
                "<Error><Message><![CDATA[x<y]]></Message><Code>SlowDown</Code></Error>",
                Some(("SlowDown", "x<y")),
            ),
            // A nested Code is not the error's code.
            (
                "<Error><Detail><Code>Inner</Code></Detail><Code>Outer</Code></Error>",
                Some(("Outer", "")),
            ),
            ("<ListBucketResult><Code>x</Code></ListBucketResult>", None),
            ("<Error><Message>no code</Message></Error>", None),
            ("not xml at all", None),
            ("", None),
            ("<Error><Code>Broken", None),
        ];
        for (body, want) in cases {
            let got = S3ErrorDoc::parse(body.as_bytes());
            assert_eq!(
                got.as_ref().map(|d| (d.code.as_str(), d.message.as_str())),
                *want,
                "{body}"
            );
        }
        let doc =
            S3ErrorDoc::parse(error_xml("NoSuchKey", "k<&>", Some("/b/k"), Some("r1")).as_bytes())
                .expect("round trip");
        assert_eq!(doc.code, "NoSuchKey");
        assert_eq!(doc.message, "k<&>");
        assert_eq!(doc.request_id.as_deref(), Some("r1"));
    }

    #[test]
    fn writes_escaped() {
        let x = error_xml("NoSuchKey", "a<b", Some("/b/k&"), None);
        assert!(x.contains("a&lt;b") && x.contains("/b/k&amp;"));
        assert!(!x.contains("RequestId"));
    }
}
