//! Signature fields, their /ByteRange coverage, what changed after each, and the DSS.

use std::collections::{BTreeSet, HashSet};
use std::ops::Range;

use serde::Serialize;

use super::document::{Document, Entry};
use super::syntax::{Dict, Object, Span};
use super::{MAX_CHANGED_OBJECTS, MAX_DSS_ITEMS, MAX_FIELDS, PdfError};

/// A PDF read far enough to find and check its signatures.
pub struct SignedPdf<'a> {
    pub(crate) document: Document<'a>,
}

/// What a signature dictionary is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureKind {
    /// A signature (/Type /Sig, or no /Type).
    Signature,
    /// A document time-stamp (/Type /DocTimeStamp, PAdES).
    DocumentTimestamp,
}

/// One signature field's value, as found in the file.
#[derive(Clone, Debug)]
pub struct PdfSignature {
    /// The field's fully qualified name (/T of it and its parents, joined by dots).
    pub field_name: String,
    /// Signature or document time-stamp.
    pub kind: SignatureKind,
    /// /SubFilter (`adbe.pkcs7.detached`, `ETSI.CAdES.detached`, `ETSI.RFC3161`, …).
    pub sub_filter: String,
    /// /ByteRange as written (four integers when well-formed).
    pub byte_range: Vec<i64>,
    /// /Contents, decoded (a DER CMS or time-stamp token, then zero padding).
    pub contents: Vec<u8>,
    /// Where the /Contents string lies in the file, delimiters included (`None` when the
    /// signature dictionary is not written directly in the file, e.g. in an object stream).
    pub contents_span: Option<Range<usize>>,
    /// The claimed signing time (/M), as written.
    pub claimed_time: Option<String>,
    /// The object number of the signature dictionary (`None` when it is direct).
    pub object: Option<u32>,
}

/// What one object added or redefined after a signature's signed bytes is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ChangeKind {
    /// A new signature dictionary.
    Signature,
    /// A new document time-stamp dictionary.
    DocumentTimestamp,
    /// A signature field (new, or an empty one filled).
    SignatureField,
    /// The DSS or its validation material (PAdES-LT).
    Dss,
    /// The lists that adding a field rewrites: the catalog's /AcroForm or /DSS entries (with
    /// its /Version, /Extensions, /Metadata), the form's /Fields, a page's /Annots — and
    /// nothing else of them.
    FormStructure,
    /// The document information dictionary, XMP metadata, or the catalog's /Version,
    /// /Extensions and /Metadata entries alone.
    Metadata,
    /// Any other new object (an appearance stream, a content stream): it can show only
    /// through an object that refers to it, and that one is classified on its own.
    NewObject,
    /// An annotation that is not a signature field (a comment, a stamp, a filled field's
    /// widget).
    Annotation,
    /// A form field that is not a signature field.
    FormField,
    /// Anything else redefined: page content, resources, fonts, the page tree…
    Content,
    /// An object of the signed revision deleted.
    Removed,
}

impl ChangeKind {
    /// What the change does to the signature's verdict: content changed or removed makes it
    /// invalid, annotations and form fields indeterminate, the rest nothing.
    pub fn status(self) -> Option<crate::pki::Status> {
        match self {
            Self::Content | Self::Removed => Some(crate::pki::Status::Invalid),
            Self::Annotation | Self::FormField => Some(crate::pki::Status::Indeterminate),
            _ => None,
        }
    }

    /// The kind in words.
    pub fn name(self) -> &'static str {
        match self {
            Self::Signature => "new signature",
            Self::DocumentTimestamp => "new document time-stamp",
            Self::SignatureField => "signature field",
            Self::Dss => "DSS (validation material)",
            Self::FormStructure => "form/annotation lists",
            Self::Metadata => "metadata",
            Self::NewObject => "new object",
            Self::Annotation => "annotation",
            Self::FormField => "form field",
            Self::Content => "content",
            Self::Removed => "object removed",
        }
    }
}

/// One object added or redefined after a signature.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// The object number.
    pub object: u32,
    /// What it is.
    pub kind: ChangeKind,
}

/// How a signature's /ByteRange covers the file.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Coverage {
    /// The byte range is four integers, starts at 0, lies in the file and leaves out exactly
    /// this signature's /Contents string.
    pub byte_range_valid: bool,
    /// Why not, when it is not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub byte_range_problem: Option<String>,
    /// Where the signed bytes end (the end of the signed revision).
    pub signed_end: u64,
    /// The signed bytes end at the end of the file: nothing was appended.
    pub covers_whole_document: bool,
    /// Bytes after the signed ones.
    pub appended_bytes: u64,
    /// Cross-reference sections (incremental updates) after the signed ones.
    pub appended_revisions: usize,
    /// What those updates added or redefined, object by object.
    pub changes: Vec<Change>,
}

/// The document security store (PAdES-LT, ETSI EN 319 142-1 §5.4.2), raw.
#[derive(Clone, Debug, Default)]
pub struct Dss {
    /// DER certificates (/Certs and the VRI dictionaries' /Cert).
    pub certificates: Vec<Vec<u8>>,
    /// DER CRLs (/CRLs, VRI /CRL).
    pub crls: Vec<Vec<u8>>,
    /// DER OCSP responses (/OCSPs, VRI /OCSP).
    pub ocsp_responses: Vec<Vec<u8>>,
    /// Entries of /VRI.
    pub vri_entries: usize,
    /// Streams that could not be read (their object numbers).
    pub unreadable: Vec<u32>,
}

fn text(bytes: &[u8]) -> String {
    if let Some(utf16) = bytes.strip_prefix(&[0xfe, 0xff]) {
        let units: Vec<u16> = utf16
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        return String::from_utf16_lossy(&units);
    }
    if let Some(utf8) = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        return String::from_utf8_lossy(utf8).into_owned();
    }
    // PDFDocEncoding agrees with Latin-1 where field names live.
    bytes.iter().map(|&b| char::from(b)).collect()
}

impl<'a> SignedPdf<'a> {
    /// Reads `data`'s cross-reference sections (every revision).
    ///
    /// # Errors
    /// [`PdfError`] for a file that is not a PDF, is broken, or breaks a limit.
    pub fn parse(data: &'a [u8]) -> Result<Self, PdfError> {
        Ok(Self {
            document: Document::parse(data)?,
        })
    }

    /// The file's bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.document.data
    }

    /// How many cross-reference sections (the original and each incremental update) the
    /// file has.
    pub fn revisions(&self) -> usize {
        self.document.sections.len()
    }

    fn catalog(&self) -> Result<Option<Dict>, PdfError> {
        let Some(root) = self.document.trailer(b"Root", 0) else {
            return Ok(None);
        };
        Ok(self.document.resolve(root, 0)?.as_dict().cloned())
    }

    /// Every signature field with a value, in /Fields order.
    ///
    /// # Errors
    /// [`PdfError`] when an object on the way is broken or a limit is reached.
    pub fn signatures(&self) -> Result<Vec<PdfSignature>, PdfError> {
        let mut found = Vec::new();
        let Some(catalog) = self.catalog()? else {
            return Ok(found);
        };
        let Some(form) = catalog.get(b"AcroForm") else {
            return Ok(found);
        };
        let form = self.document.resolve(form, 0)?;
        let Some(Object::Array(fields)) = form
            .as_dict()
            .and_then(|d| d.get(b"Fields"))
            .map(|f| self.document.resolve(f, 0))
            .transpose()?
        else {
            return Ok(found);
        };
        let mut visited = HashSet::new();
        let mut stack: Vec<(Object, String, Option<Vec<u8>>, usize)> = fields
            .into_iter()
            .rev()
            .map(|f| (f, String::new(), None, 0))
            .collect();
        let mut seen_values = HashSet::new();
        while let Some((field, parent_name, parent_type, depth)) = stack.pop() {
            if visited.len() >= MAX_FIELDS || depth > super::MAX_NESTING {
                return Err(PdfError::TooMany {
                    what: "form fields",
                    max: MAX_FIELDS,
                });
            }
            if let Object::Ref(n, _) = field
                && !visited.insert(n)
            {
                continue;
            }
            let resolved = self.document.resolve(&field, 0)?;
            let Some(dict) = resolved.as_dict() else {
                continue;
            };
            let name = match dict.get(b"T") {
                Some(Object::Str { bytes, .. }) if parent_name.is_empty() => text(bytes),
                Some(Object::Str { bytes, .. }) => format!("{parent_name}.{}", text(bytes)),
                _ => parent_name.clone(),
            };
            let field_type = dict.name(b"FT").map(<[u8]>::to_vec).or(parent_type);
            if let Some(Object::Array(kids)) = dict
                .get(b"Kids")
                .map(|k| self.document.resolve(k, 0))
                .transpose()?
            {
                for kid in kids.into_iter().rev() {
                    stack.push((kid, name.clone(), field_type.clone(), depth + 1));
                }
            }
            if field_type.as_deref() != Some(b"Sig") {
                continue;
            }
            let Some(value) = dict.get(b"V") else {
                continue;
            };
            if let Object::Ref(n, _) = value
                && !seen_values.insert(*n)
            {
                continue;
            }
            if let Some(signature) = self.signature(value, name)? {
                found.push(signature);
            }
        }
        Ok(found)
    }

    fn signature(
        &self,
        value: &Object,
        field_name: String,
    ) -> Result<Option<PdfSignature>, PdfError> {
        let object = match value {
            Object::Ref(n, _) => Some(*n),
            _ => None,
        };
        let resolved = self.document.resolve(value, 0)?;
        let Some(dict) = resolved.as_dict() else {
            return Ok(None);
        };
        let kind = match dict.name(b"Type") {
            Some(b"DocTimeStamp") => SignatureKind::DocumentTimestamp,
            _ => SignatureKind::Signature,
        };
        let sub_filter = dict
            .name(b"SubFilter")
            .map(|n| String::from_utf8_lossy(n).into_owned())
            .unwrap_or_default();
        let byte_range = match dict.get(b"ByteRange") {
            Some(Object::Array(items)) => items
                .iter()
                .map(|o| match o {
                    Object::Int(i) => *i,
                    _ => -1,
                })
                .take(64)
                .collect(),
            _ => Vec::new(),
        };
        let (contents, contents_span) = match dict.get(b"Contents") {
            Some(Object::Str {
                bytes,
                hex: true,
                span: Span(span),
            }) => (bytes.clone(), span.clone()),
            Some(Object::Str { bytes, .. }) => (bytes.clone(), None),
            _ => (Vec::new(), None),
        };
        let claimed_time = match dict.get(b"M") {
            Some(Object::Str { bytes, .. }) => Some(text(bytes)),
            _ => None,
        };
        Ok(Some(PdfSignature {
            field_name,
            kind,
            sub_filter,
            byte_range,
            contents,
            contents_span,
            claimed_time,
            object,
        }))
    }

    /// How `signature`'s /ByteRange covers the file, and what the updates after it changed.
    ///
    /// # Errors
    /// [`PdfError`] when an object changed after the signature cannot be read.
    pub fn coverage(&self, signature: &PdfSignature) -> Result<Coverage, PdfError> {
        let len = self.document.data.len() as u64;
        let mut coverage = Coverage::default();
        let problem = match signature.byte_range.as_slice() {
            &[a, b, c, d] if a >= 0 && b >= 0 && c >= 0 && d >= 0 => {
                #[allow(clippy::cast_sign_loss)]
                let (a, b, c, d) = (a as u64, b as u64, c as u64, d as u64);
                let end = c.checked_add(d);
                coverage.signed_end = end.unwrap_or(u64::MAX);
                if a != 0 {
                    Some("the first range does not start at byte 0".to_owned())
                } else if end.is_none_or(|e| e > len) || b > c {
                    Some("the ranges lie outside the file or overlap".to_owned())
                } else {
                    match &signature.contents_span {
                        None => Some(
                            "the signature's /Contents is not written directly in the file"
                                .to_owned(),
                        ),
                        Some(span) if span.start as u64 == b && span.end as u64 == c => None,
                        Some(span) => Some(format!(
                            "the gap {b}..{c} is not the /Contents string at {}..{}",
                            span.start, span.end
                        )),
                    }
                }
            }
            _ => Some("/ByteRange is not four non-negative integers".to_owned()),
        };
        coverage.byte_range_valid = problem.is_none();
        coverage.byte_range_problem = problem;
        if coverage.signed_end > len {
            return Ok(coverage);
        }
        coverage.appended_bytes = len - coverage.signed_end;
        coverage.covers_whole_document = coverage.byte_range_valid && coverage.appended_bytes == 0;
        let end = usize::try_from(coverage.signed_end).unwrap_or(usize::MAX);
        let later = self
            .document
            .sections
            .iter()
            .take_while(|s| s.offset >= end)
            .count();
        coverage.appended_revisions = later;
        coverage.changes = self.changes(later)?;
        Ok(coverage)
    }

    /// What sections `..later` (those after a signature) added or redefined relative to the
    /// file as of section `later`.
    fn changes(&self, later: usize) -> Result<Vec<Change>, PdfError> {
        let doc = &self.document;
        let mut numbers = BTreeSet::new();
        for section in &doc.sections[..later] {
            numbers.extend(section.entries.keys().copied().filter(|&n| n != 0));
            if numbers.len() > MAX_CHANGED_OBJECTS {
                return Err(PdfError::TooMany {
                    what: "objects changed after a signature",
                    max: MAX_CHANGED_OBJECTS,
                });
            }
        }
        if numbers.is_empty() {
            return Ok(Vec::new());
        }
        let dss_objects = self.dss_object_numbers()?;
        let info = match doc.trailer(b"Info", 0) {
            Some(Object::Ref(n, _)) => Some(*n),
            _ => None,
        };
        let mut changes = Vec::new();
        for number in numbers {
            let newest = doc.entry(number, 0);
            let old = doc.entry(number, later);
            let kind = match (newest, old) {
                (Some((_, Entry::Free)) | None, Some((_, Entry::Free)) | None) => continue,
                (Some((_, Entry::Free)) | None, Some(_)) => ChangeKind::Removed,
                (Some(_), old) => {
                    let new_object = doc.object(number, 0)?.unwrap_or(Object::Null);
                    let old_object = match old {
                        Some((_, Entry::Free)) | None => None,
                        Some(_) => doc.object(number, later)?,
                    };
                    if Some(number) == info || is_type(&new_object, b"Metadata") {
                        ChangeKind::Metadata
                    } else if dss_objects.contains(&number) {
                        ChangeKind::Dss
                    } else {
                        match old_object {
                            None => classify_new(&new_object),
                            Some(old_object) if old_object == new_object => continue,
                            Some(old_object) => classify_redefined(&old_object, &new_object),
                        }
                    }
                }
            };
            // Cross-reference and object streams are the update's own machinery.
            if kind == ChangeKind::NewObject {
                let new_object = doc.object(number, 0)?;
                if new_object
                    .as_ref()
                    .is_some_and(|o| is_type(o, b"XRef") || is_type(o, b"ObjStm"))
                {
                    continue;
                }
            }
            changes.push(Change {
                object: number,
                kind,
            });
        }
        Ok(changes)
    }

    /// The DSS dictionary's object, its VRI's and every stream they list.
    fn dss_object_numbers(&self) -> Result<HashSet<u32>, PdfError> {
        let mut numbers = HashSet::new();
        let Some(catalog) = self.catalog()? else {
            return Ok(numbers);
        };
        let Some(dss_ref) = catalog.get(b"DSS") else {
            return Ok(numbers);
        };
        let mut collect = |o: &Object| {
            if let Object::Ref(n, _) = o {
                numbers.insert(*n);
            }
        };
        collect(dss_ref);
        let dss = self.document.resolve(dss_ref, 0)?;
        let Some(dss) = dss.as_dict() else {
            return Ok(numbers);
        };
        for (_, value) in &dss.0 {
            collect(value);
            if let Object::Array(items) = self.document.resolve(value, 0)? {
                items.iter().for_each(&mut collect);
            }
        }
        if let Some(Object::Dict(vri)) = dss
            .get(b"VRI")
            .map(|v| self.document.resolve(v, 0))
            .transpose()?
        {
            for (_, entry) in vri.0.iter().take(MAX_DSS_ITEMS) {
                collect(entry);
                if let Some(entry) = self.document.resolve(entry, 0)?.as_dict() {
                    for (_, value) in &entry.0 {
                        collect(value);
                        if let Object::Array(items) = self.document.resolve(value, 0)? {
                            items.iter().for_each(&mut collect);
                        }
                    }
                }
            }
        }
        Ok(numbers)
    }

    /// The DSS of the newest revision, if there is one.
    ///
    /// # Errors
    /// [`PdfError`] when the catalog or the DSS dictionary cannot be read.
    pub fn dss(&self) -> Result<Option<Dss>, PdfError> {
        let Some(catalog) = self.catalog()? else {
            return Ok(None);
        };
        let Some(dss) = catalog.get(b"DSS") else {
            return Ok(None);
        };
        let dss = self.document.resolve(dss, 0)?;
        let Some(dss) = dss.as_dict() else {
            return Ok(None);
        };
        let mut out = Dss::default();
        let mut seen = HashSet::new();
        let mut lists: Vec<(u8, Object)> = Vec::new();
        for (key, kind) in [(&b"Certs"[..], 0u8), (b"CRLs", 1), (b"OCSPs", 2)] {
            if let Some(list) = dss.get(key) {
                lists.push((kind, self.document.resolve(list, 0)?));
            }
        }
        if let Some(Object::Dict(vri)) = dss
            .get(b"VRI")
            .map(|v| self.document.resolve(v, 0))
            .transpose()?
        {
            out.vri_entries = vri.0.len();
            for (_, entry) in vri.0.iter().take(MAX_DSS_ITEMS) {
                if let Some(entry) = self.document.resolve(entry, 0)?.as_dict() {
                    for (key, kind) in [(&b"Cert"[..], 0u8), (b"CRL", 1), (b"OCSP", 2)] {
                        if let Some(list) = entry.get(key) {
                            lists.push((kind, self.document.resolve(list, 0)?));
                        }
                    }
                }
            }
        }
        for (kind, list) in lists {
            let Object::Array(items) = list else { continue };
            for item in items {
                if seen.len() >= MAX_DSS_ITEMS {
                    return Err(PdfError::TooMany {
                        what: "DSS entries",
                        max: MAX_DSS_ITEMS,
                    });
                }
                let Object::Ref(number, _) = item else {
                    continue;
                };
                if !seen.insert(number) {
                    continue;
                }
                let data = match self.document.object(number, 0) {
                    Ok(Some(Object::Stream(dict, range))) => {
                        self.document.decode(&dict, &self.document.data[range])
                    }
                    Ok(_) => Err(PdfError::Malformed {
                        offset: 0,
                        reason: "not a stream".into(),
                    }),
                    Err(e) => Err(e),
                };
                match (data, kind) {
                    (Ok(d), 0) => out.certificates.push(d),
                    (Ok(d), 1) => out.crls.push(d),
                    (Ok(d), _) => out.ocsp_responses.push(d),
                    (Err(_), _) => out.unreadable.push(number),
                }
            }
        }
        Ok(Some(out))
    }
}

fn is_type(object: &Object, name: &[u8]) -> bool {
    object.as_dict().and_then(|d| d.name(b"Type")) == Some(name)
}

fn classify_new(object: &Object) -> ChangeKind {
    let Some(dict) = object.as_dict() else {
        return ChangeKind::NewObject;
    };
    match dict.name(b"Type") {
        Some(b"Sig") => return ChangeKind::Signature,
        Some(b"DocTimeStamp") => return ChangeKind::DocumentTimestamp,
        Some(b"DSS" | b"VRI") => return ChangeKind::Dss,
        _ => {}
    }
    if dict.name(b"FT") == Some(b"Sig") {
        return ChangeKind::SignatureField;
    }
    if dict.get(b"FT").is_some() {
        return ChangeKind::FormField;
    }
    if dict.name(b"Type") == Some(b"Annot")
        || (dict.get(b"Subtype").is_some() && dict.get(b"Rect").is_some())
    {
        // A widget with a parent field: that field says what it is; count it an annotation
        // unless the parent is a signature field (checked by the caller's classification of
        // the parent, which is a field object of its own).
        return ChangeKind::Annotation;
    }
    ChangeKind::NewObject
}

/// Keys in which two dictionaries differ.
fn differing_keys<'o>(old: &'o Dict, new: &'o Dict) -> BTreeSet<&'o [u8]> {
    let mut keys = BTreeSet::new();
    for (k, v) in &new.0 {
        if old.get(k) != Some(v) {
            keys.insert(k.as_slice());
        }
    }
    for (k, _) in &old.0 {
        if new.get(k).is_none() {
            keys.insert(k.as_slice());
        }
    }
    keys
}

fn classify_redefined(old: &Object, new: &Object) -> ChangeKind {
    match (old, new) {
        (Object::Dict(old), Object::Dict(new)) => {
            let diff = differing_keys(old, new);
            let only = |allowed: &[&[u8]]| diff.iter().all(|k| allowed.contains(k));
            if new.name(b"Type") == Some(b"Catalog") {
                if only(&[b"DSS"]) {
                    return ChangeKind::Dss;
                }
                // pyHanko's second signature also declares PDF 2.0 (/Version, /Extensions)
                // and adds XMP (/Metadata): neither changes what is shown.
                if only(&[b"Extensions", b"Version", b"Metadata"]) {
                    return ChangeKind::Metadata;
                }
                if only(&[b"AcroForm", b"DSS", b"Extensions", b"Version", b"Metadata"]) {
                    return ChangeKind::FormStructure;
                }
                return ChangeKind::Content;
            }
            if new.name(b"FT") == Some(b"Sig") && old.name(b"FT") == Some(b"Sig") {
                return ChangeKind::SignatureField;
            }
            if new.name(b"Type") == Some(b"Page") {
                return if only(&[b"Annots"]) {
                    ChangeKind::FormStructure
                } else {
                    ChangeKind::Content
                };
            }
            if old.get(b"Fields").is_some() {
                // The AcroForm dictionary.
                return if only(&[b"Fields", b"SigFlags"]) {
                    ChangeKind::FormStructure
                } else {
                    ChangeKind::FormField
                };
            }
            if new.get(b"FT").is_some() {
                return ChangeKind::FormField;
            }
            if new.name(b"Type") == Some(b"Annot") {
                return ChangeKind::Annotation;
            }
            ChangeKind::Content
        }
        // An indirect /Annots or /Fields array that only grew.
        (Object::Array(old), Object::Array(new))
            if new.len() > old.len()
                && new.iter().all(|o| matches!(o, Object::Ref(..)))
                && old.iter().all(|o| new.contains(o)) =>
        {
            ChangeKind::FormStructure
        }
        _ => ChangeKind::Content,
    }
}
