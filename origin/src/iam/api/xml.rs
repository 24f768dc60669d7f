//! Writing IAM query-API responses: `<{Action}Response>` with its
//! `<{Action}Result>` and `<ResponseMetadata>`, elements escaped as XML
//! requires. A small builder rather than serde: IAM's member lists
//! (`<Users><member>…`) and optional fields read best written out.

use gureum_common::s3xml::xml_escape;

/// An XML fragment being written.
#[derive(Default)]
pub struct Xml {
    buf: String,
}

impl Xml {
    /// `<tag>text</tag>`.
    pub fn leaf(&mut self, tag: &str, text: &str) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(tag);
        self.buf.push('>');
        self.buf.push_str(&xml_escape(text));
        self.buf.push_str("</");
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    /// Escaped text at the current position (a list member's value).
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.buf.push_str(&xml_escape(text));
        self
    }

    /// `<tag>` … `</tag>` around what `inner` writes.
    pub fn node(&mut self, tag: &str, inner: impl FnOnce(&mut Xml)) -> &mut Self {
        self.buf.push('<');
        self.buf.push_str(tag);
        self.buf.push('>');
        inner(self);
        self.buf.push_str("</");
        self.buf.push_str(tag);
        self.buf.push('>');
        self
    }

    /// `<tag><member>…</member>…</tag>`, one member per item.
    pub fn members<T>(
        &mut self,
        tag: &str,
        items: impl IntoIterator<Item = T>,
        mut each: impl FnMut(&mut Xml, T),
    ) -> &mut Self {
        self.node(tag, |x| {
            for item in items {
                x.node("member", |x| each(x, item));
            }
        })
    }

    /// The text so far.
    pub fn into_string(self) -> String {
        self.buf
    }
}

/// A whole response document for `action`.
pub fn response(action: &str, request_id: &str, result: impl FnOnce(&mut Xml)) -> String {
    let mut x = Xml::default();
    x.buf.push_str(&format!(
        "<{action}Response xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
    ));
    x.node(&format!("{action}Result"), result);
    x.node("ResponseMetadata", |x| {
        x.leaf("RequestId", request_id);
    });
    x.buf.push_str(&format!("</{action}Response>"));
    x.into_string()
}

/// A response with no result element (DeleteUser and the like).
pub fn empty_response(action: &str, request_id: &str) -> String {
    format!(
        "<{action}Response xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></{action}Response>",
        xml_escape(request_id)
    )
}

/// ISO 8601 as IAM writes dates (`2015-08-30T12:36:00Z`).
pub fn iso(unix_secs: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::from_unix_timestamp(unix_secs)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
        .format(&fmt)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documents() {
        let doc = response("ListUsers", "r1", |x| {
            x.members("Users", ["a<b", "c"], |x, n| {
                x.leaf("UserName", n);
            })
            .leaf("IsTruncated", "false");
        });
        assert_eq!(
            doc,
            "<ListUsersResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><ListUsersResult><Users><member><UserName>a&lt;b</UserName></member><member><UserName>c</UserName></member></Users><IsTruncated>false</IsTruncated></ListUsersResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></ListUsersResponse>"
        );
        assert_eq!(iso(1_440_938_160), "2015-08-30T12:36:00Z");
        assert!(empty_response("DeleteUser", "r").contains("<DeleteUserResponse"));
    }
}
