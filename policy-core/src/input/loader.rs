//! Bytes to located objects: decoding, format detection (token CSV, JSON, YAML), documents,
//! shapes (lists, AdmissionReviews, kubeconfigs, embedded manifests) and diagnostics.

use super::lines::{DocLines, LineMap, Seg, newlines};
use super::managed_fields;
use super::progress::Tick;
use super::yaml::{self, Budget, Caps, HARD_MAX_DEPTH, Problem};
use super::{
    Diagnostic, DiagnosticCode, InputFile, Level, Limits, Loaded, Loading, Object, Origin, ParseError, json, token_csv,
};
use crate::data::input_summary::InputSummary;
use crate::data::source::Source;
use crate::value::{Map, Value};
use base64::Engine as _;
use std::borrow::Cow;
use std::sync::Arc;

/// How deep `*List`s may nest inside each other, and manifests inside manifests.
const MAX_NESTING: u8 = 4;

/// Diagnostics kept per input; the rest are counted in one last diagnostic, so a file of a
/// million broken documents cannot make a million messages.
const MAX_DIAGNOSTICS: usize = 1000;

pub(super) fn load(inputs: &[InputFile<'_>], limits: &Limits) -> Loaded {
    load_with(inputs, limits, &mut |_| {})
}

/// [`load`], calling `progress` after each input and, inside a big one, about every
/// [`super::progress::STEP`] of text its reader gets through (for progress bars).
///
/// Inputs are read in one canonical order, by name (then content), whatever order the caller
/// gives: which input fits in the byte budget, which of two same-named objects wins and so every
/// finding, inventory and fingerprint are then the same for the same set of inputs.
pub(super) fn load_with(inputs: &[InputFile<'_>], limits: &Limits, progress: &mut dyn FnMut(Loading)) -> Loaded {
    let mut ordered: Vec<&InputFile<'_>> = inputs.iter().collect();
    ordered.sort_by(|a, b| a.name.cmp(b.name).then_with(|| a.bytes.cmp(b.bytes)));
    let mut loaded = Loaded::default();
    let mut remaining = limits.max_total_bytes;
    let mut done = Loading::default();
    for input in ordered {
        let size = input.bytes.len() as u64;
        if size > remaining {
            // Skipped whole, and its size is not charged: the inputs after it still fit.
            loaded.inputs.push(InputSummary::too_large(input.name, size, true, remaining, limits));
        } else {
            remaining -= size;
            let mut within = |at: usize, objects: usize| {
                let bytes_read = done.bytes_read + (at as u64).min(size);
                progress(Loading { bytes_read, objects: done.objects + objects, ..done });
            };
            let mut file = FileCx::new(input.name, limits, &mut loaded.objects, Tick::new(&mut within));
            file.read(input.bytes);
            let mut summary = file.finish(size);
            summary.settle_status();
            loaded.inputs.push(summary);
        }
        done = Loading {
            files_read: loaded.inputs.len(),
            bytes_read: done.bytes_read + loaded.inputs.last().map_or(0, |i| i.bytes),
            objects: loaded.objects.len(),
        };
        progress(done);
    }
    // The vector grew by doubling: up to half of it would be spare slots for the whole analysis.
    loaded.objects.shrink_to_fit();
    loaded
}

pub(super) fn parse_embedded(text: &str, limits: &Limits) -> Result<Value, ParseError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let json_error = if json::looks_like_json(text) {
        match json::parse_one(text) {
            Ok(value) => return Ok(value),
            Err(e) => Some(e),
        }
    } else {
        None
    };
    let mut budget = Budget::for_input(text.len(), limits.max_expansion);
    for chunk in yaml::split_documents(text) {
        let parsed = yaml::parse_chunk(chunk.text, caps(limits), &mut budget, &mut Tick::silent());
        // A value is read whole or not at all (no list items kept from a broken one).
        let located =
            |e: Problem| ParseError { line: LineMap::Offset(chunk.first_line).apply(e.line), message: e.message };
        if let Some(e) = parsed.errors.into_iter().next().map(|e| json_error.clone().unwrap_or(e)) {
            return Err(located(e));
        }
        if let Some((value, _)) = parsed.docs.into_iter().next() {
            return Ok(value);
        }
        if let Some(e) = json_error.clone() {
            return Err(located(e));
        }
    }
    Ok(Value::Null)
}

fn caps(limits: &Limits) -> Caps {
    Caps { max_depth: limits.max_depth.min(HARD_MAX_DEPTH), max_alias_nodes: limits.max_alias_nodes }
}

/// Where a parsed document's text lives, to find more lines in it when needed.
#[derive(Debug, Clone, Copy)]
struct Src<'t> {
    text: &'t str,
    map: LineMap,
    json: bool,
}

impl Src<'_> {
    fn locate(&self, path: &[Seg<'_>], key_line: bool) -> Option<u32> {
        let line = if self.json { json::locate(self.text, path) } else { yaml::locate(self.text, path, key_line) }?;
        Some(self.map.apply(line))
    }
}

/// Where an object sits in its document.
#[derive(Debug, Clone, Copy)]
struct Place<'t> {
    src: Src<'t>,
    /// File line of the object.
    line: u32,
    /// The object's path in its document: the root, an item of the root's `items` (or of a
    /// root sequence), or nowhere precise (deeper nesting: its own line is used).
    at: At,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum At {
    Root,
    Item(usize, bool),
    Nowhere,
}

impl Place<'_> {
    /// The file line of the value at `rest` below this object (of its key with `key_line`),
    /// or the object's own line.
    fn locate(&self, rest: &[Seg<'_>], key_line: bool) -> u32 {
        let mut path = Vec::with_capacity(rest.len() + 2);
        match self.at {
            At::Root => {}
            At::Item(i, true) => path.extend([Seg::Key("items"), Seg::Index(i)]),
            At::Item(i, false) => path.push(Seg::Index(i)),
            At::Nowhere => return self.line,
        }
        path.extend_from_slice(rest);
        self.src.locate(&path, key_line).unwrap_or(self.line)
    }
}

struct FileCx<'a> {
    name: &'a str,
    /// `name`, shared by the source of every object of this input.
    path: Arc<str>,
    limits: &'a Limits,
    objects: &'a mut Vec<Object>,
    diagnostics: Vec<Diagnostic>,
    documents: u32,
    count: u32,
    /// First line and number of entries skipped as not Kubernetes objects.
    skipped: Option<(u32, u32)>,
    max_line: u32,
    /// Diagnostics not kept past [`MAX_DIAGNOSTICS`].
    unshown: u32,
    /// The memory this input's values may still take.
    budget: Budget,
    /// Documents or items refused for the memory budget.
    over_budget: u32,
    /// Told how far the reader has got in this input's own text.
    tick: Tick<'a>,
    /// Whether a string read from this input's text could hold `{{` ([`may_spell_braces`]).
    braces: bool,
}

impl<'a> FileCx<'a> {
    fn new(name: &'a str, limits: &'a Limits, objects: &'a mut Vec<Object>, tick: Tick<'a>) -> Self {
        Self {
            name,
            path: name.into(),
            limits,
            objects,
            diagnostics: Vec::new(),
            documents: 0,
            count: 0,
            skipped: None,
            max_line: 1,
            unshown: 0,
            budget: Budget::for_input(0, 0),
            over_budget: 0,
            tick,
            braces: true,
        }
    }

    fn finish(mut self, bytes: u64) -> InputSummary {
        if let Some((line, n)) = self.skipped.take() {
            let message = if n == 1 {
                "no `apiVersion`/`kind` here: not a Kubernetes object, skipped (expected a Kubernetes object or list)"
                    .to_string()
            } else {
                format!(
                    "{n} documents or items without `apiVersion`/`kind` (the first here) are not Kubernetes objects and were skipped"
                )
            };
            self.diag(line, DiagnosticCode::NotAKubernetesObject, message);
        }
        if self.count == 0 && !self.diagnostics.iter().any(|d| d.level == Level::Error) {
            // Never a silent pass: an input that gave nothing to check has an error, at least this.
            self.diag(
                1,
                DiagnosticCode::NoObjects,
                "no Kubernetes object could be read from this input; expected at least one object with `apiVersion` and `kind`",
            );
        }
        if self.over_budget > 1 {
            let first =
                self.diagnostics.iter().find(|d| d.code == DiagnosticCode::MemoryLimit).map_or(1, |d| d.source.line);
            let n = self.over_budget - 1;
            self.diag(
                first,
                DiagnosticCode::MemoryLimit,
                format!("{n} later documents or items were skipped for the same limit"),
            );
        }
        if self.unshown > 0 {
            let d = Diagnostic::new(
                self.name,
                self.max_line,
                DiagnosticCode::MoreDiagnostics,
                format!("{} more diagnostics in this input are not shown", self.unshown),
            );
            self.diagnostics.push(d);
        }
        self.diagnostics.sort_by_key(|d| d.source.line);
        InputSummary {
            path: self.name.to_string(),
            bytes,
            documents: self.documents,
            objects: self.count,
            diagnostics: self.diagnostics,
            ..InputSummary::default()
        }
    }

    fn diag(&mut self, line: u32, code: DiagnosticCode, message: impl Into<String>) {
        if self.diagnostics.len() >= MAX_DIAGNOSTICS && code != DiagnosticCode::NoObjects {
            self.unshown = self.unshown.saturating_add(1);
            return;
        }
        let line = line.clamp(1, self.max_line);
        self.diagnostics.push(Diagnostic::new(self.name, line, code, message));
    }

    fn problem(&mut self, p: Problem, map: LineMap, context: &str) {
        if p.code == DiagnosticCode::MemoryLimit {
            // Once the budget is spent every later document fails alike: say it once.
            self.over_budget = self.over_budget.saturating_add(1);
            if self.over_budget > 1 {
                return;
            }
        }
        let message = if context.is_empty() { p.message } else { format!("{context}: {}", p.message) };
        self.diag(map.apply(p.line), p.code, message);
    }

    fn skip(&mut self, line: u32) {
        self.skipped = Some(match self.skipped {
            None => (line, 1),
            Some((first, n)) => (first, n.saturating_add(1)),
        });
    }

    fn push(&mut self, mut value: Value, line: u32, origin: Origin) {
        // The readers leave most of it unbuilt; what came another way is trimmed alike.
        managed_fields::trim(&mut value);
        // The object's own record counts too (its path is shared, not copied).
        let record = size_of::<Object>() as u64;
        self.budget.left = self.budget.left.saturating_sub(record);
        self.count = self.count.saturating_add(1);
        let line = line.clamp(1, self.max_line);
        // An embedded manifest's text was decoded (base64, an escaped string): only what was
        // read straight from this input's text is vouched for by it.
        let braces = self.braces || matches!(origin, Origin::Embedded | Origin::Synthetic);
        let mut object = Object::new(value, Source { path: Arc::clone(&self.path), line }, origin);
        object.may_hold_braces = braces;
        self.objects.push(object);
    }

    fn read(&mut self, bytes: &[u8]) {
        self.budget = Budget::for_input(bytes.len(), self.limits.max_expansion);
        let text = lone_cr_to_lf(self.decode(bytes));
        let breaks = newlines(text.as_bytes());
        let last_open = !text.is_empty() && !text.ends_with('\n');
        self.max_line = breaks.saturating_add(u32::from(last_open)).max(1);
        self.braces = may_spell_braces(&text);
        if token_csv::is_token_file(self.name, &text) {
            self.documents = 1;
            let (object, problems) = token_csv::parse(self.name, &text);
            for p in problems {
                self.problem(p, LineMap::Offset(1), "");
            }
            self.push(object, 1, Origin::Synthetic);
        } else if json::looks_like_json(&text) && !has_extension(self.name, &[".yaml", ".yml"]) {
            self.read_json(&text);
        } else {
            self.read_yaml(&text, LineMap::Offset(1), Origin::Document, 0, "");
        }
    }

    /// UTF-8 (BOM stripped), or UTF-16 with a BOM; invalid bytes are replaced and reported.
    fn decode<'b>(&mut self, bytes: &'b [u8]) -> Cow<'b, str> {
        let utf16 = match bytes {
            [0xFF, 0xFE, rest @ ..] => Some((rest, true)),
            [0xFE, 0xFF, rest @ ..] => Some((rest, false)),
            _ => None,
        };
        if let Some((rest, little)) = utf16 {
            let units = rest.chunks_exact(2).map(|c| match c {
                [a, b] if little => u16::from_le_bytes([*a, *b]),
                [a, b] => u16::from_be_bytes([*a, *b]),
                _ => 0,
            });
            let mut text = String::with_capacity(rest.len() / 2);
            let mut bad_line = None;
            let mut line = 1u32;
            for c in char::decode_utf16(units) {
                let c = c.unwrap_or_else(|_| {
                    bad_line.get_or_insert(line);
                    char::REPLACEMENT_CHARACTER
                });
                if c == '\n' {
                    line = line.saturating_add(1);
                }
                text.push(c);
            }
            if rest.len() % 2 == 1 {
                bad_line.get_or_insert(line);
            }
            if let Some(line) = bad_line {
                self.max_line = u32::MAX;
                self.diag(
                    line,
                    DiagnosticCode::NotUtf8,
                    "invalid UTF-16 (first bad unit on this line); it was replaced and the rest was read",
                );
            }
            return Cow::Owned(text);
        }
        let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
        match std::str::from_utf8(bytes) {
            Ok(text) => Cow::Borrowed(text),
            Err(e) => {
                let line = newlines(bytes.get(..e.valid_up_to()).unwrap_or_default()).saturating_add(1);
                self.max_line = u32::MAX;
                self.diag(
                    line,
                    DiagnosticCode::NotUtf8,
                    "input is not valid UTF-8 (first bad byte on this line); bad bytes were replaced and the rest was read",
                );
                String::from_utf8_lossy(bytes)
            }
        }
    }

    fn read_json(&mut self, text: &str) {
        let max_depth = self.limits.max_depth.min(HARD_MAX_DEPTH);
        let parsed = json::parse(text, max_depth, self.limits.max_documents, &mut self.budget, &mut self.tick);
        let syntax_error = parsed.errors.iter().any(|e| e.code == DiagnosticCode::JsonSyntax);
        let quoted_first_key =
            text.trim_start_matches(|c: char| c.is_ascii_whitespace() || c == '{' || c == '[').starts_with('"');
        if syntax_error && (parsed.yaml_marker || !quoted_first_key) {
            // Flow-style YAML such as `{apiVersion: v1, kind: Pod}` also starts with a brace, and
            // a YAML stream may start with a JSON-style document: both are YAML. A quoted first
            // key and no `---` means JSON, and its error is the one to report.
            drop(parsed);
            self.read_yaml(text, LineMap::Offset(1), Origin::Document, 0, "");
            return;
        }
        for doc in parsed.docs {
            self.documents = self.documents.saturating_add(1);
            let src = Src { text: doc.text, map: LineMap::Offset(doc.line), json: true };
            self.shape(doc.value, src, &doc.lines, Origin::Document, 0);
        }
        for e in parsed.errors {
            self.problem(e, LineMap::Offset(1), "");
        }
    }

    /// Read a YAML stream. `nest` > 0 for text embedded in another document, whose documents
    /// are not counted as the input's own.
    fn read_yaml(&mut self, text: &str, map: LineMap, origin: Origin, nest: u8, context: &str) {
        // The documents lie end to end in the text: each starts where the last one ended.
        let mut offset = 0;
        for chunk in yaml::split_documents(text) {
            let chunk_map = map.nest(chunk.first_line, true);
            let mut silent = Tick::silent();
            let tick = if nest == 0 {
                self.tick.base = offset;
                self.tick.objects = self.count as usize;
                &mut self.tick
            } else {
                &mut silent
            };
            offset += chunk.text.len();
            let parsed = yaml::parse_chunk(chunk.text, caps(self.limits), &mut self.budget, tick);
            for w in parsed.warnings {
                self.problem(w, chunk_map, context);
            }
            for (value, lines) in parsed.docs {
                if nest == 0 {
                    if self.documents >= self.limits.max_documents {
                        let max = self.limits.max_documents;
                        self.diag(
                            chunk_map.apply(lines.root),
                            DiagnosticCode::TooManyDocuments,
                            format!("more than {max} documents in this input; the rest is skipped"),
                        );
                        return;
                    }
                    self.documents = self.documents.saturating_add(1);
                }
                let src = Src { text: chunk.text, map: chunk_map, json: false };
                self.shape(value, src, &lines, origin.clone(), nest);
            }
            if parsed.dropped && nest == 0 {
                // The broken document was read, if not kept.
                self.documents = self.documents.saturating_add(1);
            }
            for e in parsed.errors {
                self.problem(e, chunk_map, context);
            }
        }
    }

    fn shape(&mut self, value: Value, src: Src<'_>, lines: &DocLines, origin: Origin, nest: u8) {
        let line = src.map.apply(lines.root);
        let place = Place { src, line, at: At::Root };
        match value {
            Value::Null => {}
            Value::Array(items) => self.items(items, place, &lines.items, false, None, &origin, nest),
            Value::Object(map) => self.object(map, place, Some(lines), origin, nest),
            _ => self.skip(line),
        }
    }

    /// The items of a `*List` (or a root sequence). `typed` is the item kind of a typed list
    /// (`PodList` → `Pod`) with the list's apiVersion, filled in where items lack them.
    #[expect(clippy::too_many_arguments, reason = "one call site per shape; a struct would only rename them")]
    fn items(
        &mut self,
        items: Box<[Value]>,
        place: Place<'_>,
        lines: &[u32],
        under_items_key: bool,
        typed: Option<(&str, &str)>,
        origin: &Origin,
        nest: u8,
    ) {
        let item_origin = match origin {
            Origin::Document => Origin::ListItem,
            other => other.clone(),
        };
        // One allocation for the whole list, not a doubling vector (up to twice the need).
        self.objects.reserve(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let (line, at) = match (place.at, lines.get(i)) {
                (At::Root, Some(&rel)) => (place.src.map.apply(rel), At::Item(i, under_items_key)),
                _ => (place.line, At::Nowhere),
            };
            let item_place = Place { src: place.src, line, at };
            match item {
                Value::Object(mut map) => {
                    if let Some((kind, api_version)) = typed {
                        fill(&mut map, "kind", kind);
                        fill(&mut map, "apiVersion", api_version);
                    }
                    self.object(map, item_place, None, item_origin.clone(), nest);
                }
                _ => self.skip(line),
            }
        }
    }

    fn object(&mut self, mut map: Map, place: Place<'_>, lines: Option<&DocLines>, origin: Origin, nest: u8) {
        let line = place.line;
        let kind = str_of(&map, "kind").to_string();
        let cut_list = kind.is_empty() && place.at == At::Root && looks_like_cut_list(&map);
        if cut_list {
            let end = self.max_line;
            self.diag(
                end,
                DiagnosticCode::Truncated,
                format!(
                    "the input looks truncated: a list of `items` without `kind: List` (kubectl writes `kind` last) ends at line {end}; its items were read, but objects after them are missing (expected the complete dump)"
                ),
            );
        }
        if cut_list || (kind.ends_with("List") && matches!(map.get("items"), Some(Value::Array(_) | Value::Null))) {
            if nest >= MAX_NESTING && place.at != At::Root {
                self.skip(line);
                return;
            }
            let api_version = str_of(&map, "apiVersion").to_string();
            let typed = kind.strip_suffix("List").filter(|k| !k.is_empty()).map(|k| (k, api_version.as_str()));
            let items = match map.remove("items") {
                Some(Value::Array(items)) => items,
                _ => Box::default(),
            };
            let item_lines =
                if place.at == At::Root { lines.map(|l| l.items.as_slice()).unwrap_or_default() } else { &[] };
            let inner = if place.at == At::Root { place } else { Place { at: At::Nowhere, ..place } };
            self.items(items, inner, item_lines, true, typed, &origin, nest.saturating_add(1));
            return;
        }
        if kind == "AdmissionReview" {
            self.admission_review(map, place, nest);
            return;
        }
        if kind.is_empty() {
            if is_kubeconfig(&map) {
                fill(&mut map, "apiVersion", "v1");
                fill(&mut map, "kind", "Config");
            } else {
                let extracted = lines.is_some_and(|l| self.kops_contents(&mut map, place, l, nest));
                if !extracted {
                    self.skip(line);
                }
                return;
            }
        }
        if str_of(&map, "apiVersion").is_empty() {
            self.diag(
                line,
                DiagnosticCode::MissingApiVersion,
                "object has a `kind` but no `apiVersion`; expected both (it was still read)",
            );
        }
        self.check_fields(&map, place);
        let kubelet_config = if kind == "KubeletInfo" {
            map.get("data").and_then(|d| d.get("configFile")).and_then(|c| c.get("content")).cloned()
        } else {
            None
        };
        self.push(Value::Object(map), line, origin);
        if let Some(content) = kubelet_config {
            self.kubelet_info(&content, place, nest);
        }
    }

    fn admission_review(&mut self, mut map: Map, place: Place<'_>, nest: u8) {
        let object = match map.get_mut("request") {
            Some(Value::Object(request)) => request.remove("object"),
            _ => {
                self.diag(
                    place.line,
                    DiagnosticCode::InvalidAdmissionReview,
                    "AdmissionReview has no `request` mapping; expected `request.object`",
                );
                return;
            }
        };
        match object {
            Some(Value::Object(object)) => {
                let line = place.locate(&[Seg::Key("request"), Seg::Key("object")], false);
                let inner = Place { line, at: At::Nowhere, ..place };
                self.object(object, inner, None, Origin::AdmissionRequest, nest.saturating_add(1));
            }
            // A DELETE carries only `oldObject`: nothing to audit.
            None | Some(Value::Null) => {}
            Some(_) => self.diag(
                place.line,
                DiagnosticCode::InvalidAdmissionReview,
                "`request.object` is not a mapping; expected the object under review",
            ),
        }
    }

    /// kops nodeup task streams carry manifests as text in `contents`; read them as objects.
    fn kops_contents(&mut self, map: &mut Map, place: Place<'_>, lines: &DocLines, nest: u8) -> bool {
        if nest >= MAX_NESTING {
            return false;
        }
        let Some(rel) = lines.contents else { return false };
        if !map.get("contents").and_then(Value::as_str).is_some_and(looks_like_manifest) {
            return false;
        }
        let Some(Value::String(text)) = map.remove("contents") else { return false };
        let before = self.count;
        let literal = !place.src.json && lines.contents_literal;
        let map = place.src.map.nest(rel, literal);
        self.read_yaml(&text, map, Origin::Embedded, nest.saturating_add(1), "in the manifest embedded in `contents`");
        self.count > before
    }

    /// kubescape host-sensor `KubeletInfo`: the kubelet config file, base64 in
    /// `data.configFile.content`, becomes an embedded `KubeletConfiguration`.
    fn kubelet_info(&mut self, content: &Value, place: Place<'_>, nest: u8) {
        let path = [Seg::Key("data"), Seg::Key("configFile"), Seg::Key("content")];
        let line = place.locate(&path, false);
        let compact: String = content.as_str().unwrap_or_default().split_ascii_whitespace().collect();
        let Some(text) =
            base64::engine::general_purpose::STANDARD.decode(compact).ok().and_then(|b| String::from_utf8(b).ok())
        else {
            self.diag(
                line,
                DiagnosticCode::EmbeddedInvalid,
                "`data.configFile.content` is not base64 UTF-8 text; expected a base64-encoded kubelet config file",
            );
            return;
        };
        for chunk in yaml::split_documents(&text) {
            let parsed = yaml::parse_chunk(chunk.text, caps(self.limits), &mut self.budget, &mut Tick::silent());
            let fixed = LineMap::Fixed(line);
            for w in parsed.warnings {
                self.problem(w, fixed, "in the kubelet config of `data.configFile.content`");
            }
            for (value, _) in parsed.docs {
                let Value::Object(mut config) = value else { continue };
                if str_of(&config, "kind").is_empty() {
                    fill(&mut config, "apiVersion", "kubelet.config.k8s.io/v1beta1");
                    if str_of(&config, "apiVersion").starts_with("kubelet.config.k8s.io/") {
                        fill(&mut config, "kind", "KubeletConfiguration");
                    }
                }
                let inner = Place { line, at: At::Nowhere, ..place };
                self.object(config, inner, None, Origin::Embedded, nest.saturating_add(1));
            }
            for e in parsed.errors {
                self.problem(e, fixed, "in the kubelet config of `data.configFile.content`");
            }
        }
    }

    /// Shape checks the API server would refuse: they do not stop the object being read.
    fn check_fields(&mut self, map: &Map, place: Place<'_>) {
        if let Some(meta) = map.get("metadata").filter(|m| !matches!(m, Value::Object(_) | Value::Null)) {
            let line = place.locate(&[Seg::Key("metadata")], true);
            self.diag(
                line,
                DiagnosticCode::InvalidField,
                format!("`metadata` is {}; expected a mapping", type_name(meta)),
            );
        }
        let fields: &[&str] = match str_of(map, "kind") {
            "ConfigMap" => &["data", "binaryData"],
            "Secret" => &["data", "stringData"],
            _ => return,
        };
        let kind = str_of(map, "kind");
        for &field in fields {
            match map.get(field) {
                None | Some(Value::Null) => {}
                Some(Value::Object(entries)) => {
                    for (key, value) in entries.iter().filter(|(_, v)| !matches!(v, Value::String(_) | Value::Null)) {
                        let line = place.locate(&[Seg::Key(field), Seg::Key(key)], true);
                        let shown =
                            if is_safe_key(key) { format!("`{field}.{key}`") } else { format!("a `{field}` value") };
                        self.diag(
                            line,
                            DiagnosticCode::InvalidField,
                            format!("{kind} {shown} is {}; expected a string", type_name(value)),
                        );
                    }
                }
                Some(other) => {
                    let line = place.locate(&[Seg::Key(field)], true);
                    self.diag(
                        line,
                        DiagnosticCode::InvalidField,
                        format!("{kind} `{field}` is {}; expected a mapping", type_name(other)),
                    );
                }
            }
        }
    }
}

/// Old Mac line ends (a lone `\r`) become `\n`, so every line count below agrees with the
/// YAML parser's, which takes a lone `\r` as a line break.
pub(super) fn lone_cr_to_lf(text: Cow<'_, str>) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    // Each `\r` found by a SIMD search, not every byte tested: most inputs have none.
    if memchr::memchr_iter(b'\r', bytes).all(|i| bytes.get(i + 1) == Some(&b'\n')) {
        return text;
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        out.push(if c == '\r' && chars.peek() != Some(&'\n') { '\n' } else { c });
    }
    Cow::Owned(out)
}

/// Whether a string read from `text` could hold `{{`: the text has it, or an escape that reads
/// as `{` (`\u007b` in JSON and YAML, `\x7b` and `\U0000007b` in YAML), or a `{` before a YAML
/// escaped line break (`"{\` at a line's end, then `{` on the next, reads as `{{`). Line folding
/// cannot join two braces: it leaves a space or a line break between them.
fn may_spell_braces(text: &str) -> bool {
    let b = text.as_bytes();
    let escape_at = |i: usize| {
        let after = b.get(i + 1..).unwrap_or_default();
        let hex = |range: std::ops::Range<usize>, digits: &[u8]| {
            after.get(range).is_some_and(|h| h.eq_ignore_ascii_case(digits))
        };
        match after.first() {
            Some(b'u') => hex(1..5, b"007b"),
            Some(b'x') => hex(1..3, b"7b"),
            Some(b'U') => hex(1..9, b"0000007b"),
            Some(b'\n' | b'\r') => i.checked_sub(1).and_then(|j| b.get(j)) == Some(&b'{'),
            _ => false,
        }
    };
    memchr::memmem::find(b, b"{{").is_some() || memchr::memchr_iter(b'\\', b).any(escape_at)
}

fn has_extension(name: &str, extensions: &[&str]) -> bool {
    let name = name.to_ascii_lowercase();
    extensions.iter().any(|e| name.ends_with(e))
}

fn str_of<'m>(map: &'m Map, key: &str) -> &'m str {
    map.get(key).and_then(Value::as_str).unwrap_or("")
}

/// Set `key` when it is missing or empty.
fn fill(map: &mut Map, key: &str, value: &str) {
    if str_of(map, key).is_empty() && !value.is_empty() {
        map.insert(key, Value::from(value));
    }
}

/// A root mapping with no `kind` whose `items` are objects: a `kind: List` cut short before
/// its last key.
fn looks_like_cut_list(map: &Map) -> bool {
    matches!(map.get("items"), Some(Value::Array(items))
        if !items.is_empty() && items.iter().all(Value::is_object))
        && !is_kubeconfig(map)
}

/// A kubeconfig written without `apiVersion`/`kind` (kops writes them empty).
fn is_kubeconfig(map: &Map) -> bool {
    let list = |k: &str| matches!(map.get(k), Some(Value::Array(_)));
    list("clusters") && (list("users") || list("contexts"))
}

fn looks_like_manifest(text: &str) -> bool {
    text.lines().any(|l| {
        let l = l.trim_start();
        l.starts_with("apiVersion:") || l.starts_with("kind:") || l.starts_with("clusters:")
    })
}

/// Keys shown in messages: ConfigMap/Secret key syntax only, so no value can leak through one.
fn is_safe_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 63
        && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a sequence",
        Value::Object(_) => "a mapping",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_a_lone_carriage_return_becomes_a_line_feed() {
        let cases = [
            ("a\r\nb\r\n", "a\r\nb\r\n"),
            ("", ""),
            ("a\rb", "a\nb"),
            ("a\r\nb\r", "a\r\nb\n"),
            ("\r\r\n", "\n\r\n"),
            ("é\rü", "é\nü"),
        ];
        for (text, want) in cases {
            let out = lone_cr_to_lf(Cow::Borrowed(text));
            assert_eq!(out, want, "{text:?}");
            assert_eq!(matches!(out, Cow::Borrowed(_)), text == want, "copied only when changed: {text:?}");
        }
    }

    fn run(name: &str, text: &[u8]) -> Loaded {
        load(&[InputFile { name, bytes: text }], &Limits::default())
    }

    /// `(kind, name, line, origin)` of every object.
    fn objects(l: &Loaded) -> Vec<(String, String, u32, Origin)> {
        l.objects
            .iter()
            .map(|o| (o.kind().to_string(), o.name().to_string(), o.source.line, o.origin.clone()))
            .collect()
    }

    fn codes(l: &Loaded) -> Vec<(String, u32)> {
        l.inputs.iter().flat_map(|i| &i.diagnostics).map(|d| (d.code.to_string(), d.source.line)).collect()
    }

    fn obj(kind: &str, name: &str, line: u32, origin: Origin) -> (String, String, u32, Origin) {
        (kind.to_string(), name.to_string(), line, origin)
    }

    #[test]
    fn managed_field_sets_are_not_kept_and_lines_do_not_move() {
        let text = b"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n  managedFields:\n  - manager: kubectl\n    operation: Update\n    fieldsType: FieldsV1\n    fieldsV1:\n      f:data:\n        .: {}\n        f:k: {}\ndata:\n  k: v\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n";
        let l = run("m.yaml", text);
        assert_eq!(
            objects(&l),
            vec![obj("ConfigMap", "a", 1, Origin::Document), obj("Secret", "b", 16, Origin::Document)]
        );
        // No approval entry: nothing of the list is kept (see managed_fields.rs).
        assert_eq!(l.objects[0].value["metadata"], json!({"name": "a"}));
        assert_eq!(l.objects[0].value["data"]["k"], "v");
        let json = br#"{"kind": "List", "items": [{"apiVersion": "v1", "kind": "Pod",
  "metadata": {"name": "p", "managedFields": [{"manager": "m", "subresource": "approval", "fieldsV1": {"f:spec": {}}}]}}]}"#;
        let l = run("l.json", json);
        assert_eq!(objects(&l), vec![obj("Pod", "p", 1, Origin::ListItem)]);
        assert_eq!(
            l.objects[0].value["metadata"]["managedFields"],
            json!([{"manager": "m", "subresource": "approval"}])
        );
    }

    /// Every report of loading `text` as one input: (bytes read, objects read, files read).
    fn reports(name: &str, text: &str) -> Vec<(u64, usize, usize)> {
        let mut seen = Vec::new();
        load_with(&[InputFile { name, bytes: text.as_bytes() }], &Limits::default(), &mut |p| {
            seen.push((p.bytes_read, p.objects, p.files_read));
        });
        seen
    }

    #[test]
    fn a_big_single_file_reports_progress_as_it_is_read() {
        let n = 20_000;
        let pod = |i| {
            format!(
                "{{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {{\"name\": \"pod-{i}\", \"namespace\": \"default\"}}, \"spec\": {{\"containers\": [{{\"name\": \"c\", \"image\": \"registry.example/app:{i}\", \"command\": [\"/app\", \"--flag={i}\"]}}]}}}}"
            )
        };
        let json = format!(
            "{{\"apiVersion\": \"v1\", \"kind\": \"List\", \"items\": [\n{}\n]}}\n",
            (0..n).map(pod).collect::<Vec<_>>().join(",\n")
        );
        let yaml_item = |i| {
            format!(
                "- apiVersion: v1\n  kind: Pod\n  metadata:\n    name: pod-{i}\n    namespace: default\n  spec:\n    containers:\n    - name: c\n      image: registry.example/app:{i}\n      command: [/app, --flag={i}]\n"
            )
        };
        let yaml = format!("apiVersion: v1\nkind: List\nitems:\n{}", (0..n).map(yaml_item).collect::<String>());
        let stream = (0..n)
            .map(|i| format!("---\n{}", yaml_item(i).replace("\n  ", "\n").trim_start_matches("- ")))
            .collect::<String>();
        for (name, text) in [("dump.json", &json), ("dump.yaml", &yaml), ("stream.yaml", &stream)] {
            assert!(text.len() > 3 * super::super::progress::STEP, "{name}: {} bytes", text.len());
            let seen = reports(name, text);
            let (last, within) = seen.split_last().unwrap();
            assert_eq!(*last, (text.len() as u64, n, 1), "{name}: the file's own report comes last");
            assert!(within.len() >= 3, "{name}: {within:?}");
            assert!(within.iter().all(|&(_, _, files)| files == 0), "{name}: {within:?}");
            assert!(within.windows(2).all(|w| w[0].0 < w[1].0 && w[0].1 < w[1].1), "{name} rises: {within:?}");
            assert!(within.iter().all(|&(bytes, objects, _)| bytes < last.0 && 0 < objects && objects < n), "{name}");
        }
        // A small file only reports when it is read.
        assert_eq!(reports("small.yaml", "apiVersion: v1\nkind: Namespace\n"), [(31, 1, 1)]);
    }

    #[test]
    fn the_objects_are_kept_without_spare_slots() {
        let l = run(
            "three.yaml",
            b"{apiVersion: v1, kind: Pod}\n---\n{apiVersion: v1, kind: Pod}\n---\n{apiVersion: v1, kind: Pod}\n",
        );
        assert_eq!((l.objects.len(), l.objects.capacity()), (3, 3));
    }

    #[test]
    fn broken_document_keeps_the_others() {
        let l = run("m.yaml", b"apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\nkind: [oops\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: b\n");
        assert_eq!(objects(&l), vec![obj("Pod", "a", 1, Origin::Document), obj("Secret", "b", 7, Origin::Document)]);
        assert_eq!(codes(&l), vec![("yaml-syntax".to_string(), 6)]);
        assert_eq!((l.inputs[0].documents, l.inputs[0].objects), (3, 2));
    }

    #[test]
    fn typed_lists_fill_kind_and_api_version() {
        let l = run(
            "p.json",
            br#"{"apiVersion": "v1", "kind": "PodList", "items": [
  {"metadata": {"name": "a"}},
  {"kind": "Pod", "metadata": {"name": "b"}}]}"#,
        );
        assert_eq!(objects(&l), vec![obj("Pod", "a", 2, Origin::ListItem), obj("Pod", "b", 3, Origin::ListItem)]);
        assert_eq!(l.objects[0].api_version(), "v1");
        assert!(codes(&l).is_empty());
    }

    #[test]
    fn plain_list_items_without_kind_are_skipped_with_one_warning() {
        let l = run("l.yaml", b"kind: List\napiVersion: v1\nitems:\n- name: x\n- 42\n- apiVersion: v1\n  kind: ServiceAccount\n  metadata: {name: sa}\n");
        assert_eq!(objects(&l), vec![obj("ServiceAccount", "sa", 6, Origin::ListItem)]);
        assert_eq!(codes(&l), vec![("not-a-kubernetes-object".to_string(), 4)]);
        assert!(l.inputs[0].diagnostics[0].message.starts_with("2 documents or items"));
    }

    #[test]
    fn json_arrays_and_concatenated_values() {
        let l = run("a.json", b"[\n {\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"a\"}},\n {\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"b\"}}\n]\n{\"apiVersion\": \"v1\", \"kind\": \"Namespace\", \"metadata\": {\"name\": \"c\"}}\n");
        assert_eq!(
            objects(&l),
            vec![
                obj("Namespace", "a", 2, Origin::ListItem),
                obj("Namespace", "b", 3, Origin::ListItem),
                obj("Namespace", "c", 5, Origin::Document)
            ]
        );
        assert_eq!(l.inputs[0].documents, 2);
    }

    #[test]
    fn admission_review_yields_the_request_object() {
        let review = br#"{
  "apiVersion": "admission.k8s.io/v1",
  "kind": "AdmissionReview",
  "request": {
    "uid": "705ab4f5",
    "operation": "CREATE",
    "object": {
      "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": "ns"}
    }
  }
}"#;
        let l = run("review.json", review);
        assert_eq!(objects(&l), vec![obj("Pod", "p", 7, Origin::AdmissionRequest)]);
        let yaml = run("review.yaml", b"apiVersion: admission.k8s.io/v1\nkind: AdmissionReview\nrequest:\n  uid: x\n  object:\n    apiVersion: v1\n    kind: Pod\n    metadata: {name: p}\n");
        assert_eq!(objects(&yaml), vec![obj("Pod", "p", 6, Origin::AdmissionRequest)]);
        let broken = run("r.yaml", b"apiVersion: admission.k8s.io/v1\nkind: AdmissionReview\n");
        assert_eq!(codes(&broken), vec![("invalid-admission-review".to_string(), 1), ("no-objects".to_string(), 1)]);
        let delete = run(
            "d.yaml",
            b"apiVersion: admission.k8s.io/v1\nkind: AdmissionReview\nrequest: {operation: DELETE, object: null}\n",
        );
        assert!(delete.objects.is_empty());
        assert_eq!(codes(&delete), vec![("no-objects".to_string(), 1)]);
    }

    #[test]
    fn kubeconfig_without_kind_is_normalised() {
        let l = run(
            "kc",
            b"clusters:\n- name: c\n  cluster: {server: https://x}\nusers:\n- name: u\n  user: {token: abc}\n",
        );
        assert_eq!(objects(&l), vec![obj("Config", "", 1, Origin::Document)]);
        assert_eq!(l.objects[0].api_version(), "v1");
    }

    #[test]
    fn kops_contents_become_embedded_objects_at_their_lines() {
        let text = b"contents: |\n  # manifest\n  apiVersion: v1\n  kind: Pod\n  metadata:\n    name: kube-apiserver\n  ---\n  apiVersion: v1\n  kind: ConfigMap\n  metadata: {name: c}\n  data: {a: [1]}\npath: /etc/kubernetes/manifests/kube-apiserver.manifest\ntype: file\n---\ncontents: |\n  -----BEGIN RSA PRIVATE KEY-----\n  AAAA\n  -----END RSA PRIVATE KEY-----\npath: /srv/key\n";
        let l = run("tasks.yaml", text);
        assert_eq!(
            objects(&l),
            vec![obj("Pod", "kube-apiserver", 3, Origin::Embedded), obj("ConfigMap", "c", 8, Origin::Embedded)]
        );
        assert_eq!(codes(&l), vec![("invalid-field".to_string(), 11), ("not-a-kubernetes-object".to_string(), 15)]);
        assert_eq!(l.inputs[0].documents, 2);
    }

    #[test]
    fn kubelet_info_decodes_the_config_file() {
        let config = base64::engine::general_purpose::STANDARD
            .encode("apiVersion: kubelet.config.k8s.io/v1beta1\nauthentication:\n  anonymous:\n    enabled: true\n");
        let text = format!(
            "{{\n  \"apiVersion\": \"hostdata.kubescape.cloud/v1beta0\",\n  \"kind\": \"KubeletInfo\",\n  \"data\": {{\n    \"configFile\": {{\n      \"content\": \"{config}\"\n    }}\n  }}\n}}"
        );
        let l = run("k.json", text.as_bytes());
        assert_eq!(
            objects(&l),
            vec![obj("KubeletInfo", "", 1, Origin::Document), obj("KubeletConfiguration", "", 6, Origin::Embedded)]
        );
        assert_eq!(l.objects[1].at(&["authentication", "anonymous", "enabled"]), Some(&Value::Bool(true)));
        let bad = run("k.json", br#"{"apiVersion": "hostdata.kubescape.cloud/v1beta0", "kind": "KubeletInfo", "data": {"configFile": {"content": "%%%"}}}"#);
        assert_eq!(codes(&bad), vec![("embedded-invalid".to_string(), 1)]);
        assert_eq!(bad.objects.len(), 1);
    }

    #[test]
    fn token_csv_becomes_a_synthetic_object_without_leaking_tokens() {
        let l = run("/etc/kubernetes/tokens.csv", b"0123456789abcdef,admin,1,\"system:masters\"\nshort\n");
        assert_eq!(objects(&l), vec![obj("StaticTokenFile", "tokens.csv", 1, Origin::Synthetic)]);
        assert_eq!(l.objects[0].value["rows"][0]["token"], "0123456789abcdef");
        assert_eq!(codes(&l), vec![("csv-syntax".to_string(), 2)]);
        assert!(!l.inputs[0].diagnostics[0].message.contains("short"));
    }

    #[test]
    fn duplicate_keys_warn_and_the_last_wins() {
        let l = run("d.yaml", b"apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: a}\nautomountServiceAccountToken: false\nautomountServiceAccountToken: true\n");
        assert_eq!(codes(&l), vec![("duplicate-key".to_string(), 5)]);
        assert_eq!(l.objects[0].value["automountServiceAccountToken"], json!(true));
    }

    #[test]
    fn encodings() {
        let mut utf16 = vec![0xFF, 0xFE];
        for u in "apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n".encode_utf16() {
            utf16.extend(u.to_le_bytes());
        }
        let l = run("w.yaml", &utf16);
        assert_eq!(objects(&l), vec![obj("Namespace", "x", 1, Origin::Document)]);
        let bom = run("b.yaml", b"\xEF\xBB\xBFapiVersion: v1\nkind: Namespace\nmetadata: {name: bom}\n");
        assert_eq!(objects(&bom), vec![obj("Namespace", "bom", 1, Origin::Document)]);
        let latin1 = run("l.yaml", b"apiVersion: v1\nkind: Namespace\n# caf\xE9\nmetadata: {name: z}\n");
        assert_eq!(codes(&latin1), vec![("not-utf8".to_string(), 3)]);
        assert_eq!(objects(&latin1), vec![obj("Namespace", "z", 1, Origin::Document)]);
    }

    #[test]
    fn limits_size_and_documents() {
        let limits = Limits { max_total_bytes: 60, max_documents: 2, ..Limits::default() };
        let small = b"apiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n";
        let three = b"apiVersion: v1\nkind: Namespace\n---\napiVersion: v1\nkind: Namespace\n---\napiVersion: v1\nkind: Namespace\n";
        let l = load(&[InputFile { name: "a", bytes: small }, InputFile { name: "b", bytes: small }], &limits);
        assert_eq!(l.objects.len(), 1);
        assert_eq!(l.inputs[1].diagnostics[0].code.as_str(), "too-large");
        let l = load(&[InputFile { name: "c", bytes: three }], &Limits { max_documents: 2, ..Limits::default() });
        assert_eq!(l.objects.len(), 2);
        assert_eq!(codes(&l), vec![("too-many-documents".to_string(), 7)]);
    }

    #[test]
    fn flow_yaml_that_starts_like_json() {
        let l = run("f.yaml", b"{apiVersion: v1, kind: Namespace, metadata: {name: f}}\n");
        assert_eq!(objects(&l), vec![obj("Namespace", "f", 1, Origin::Document)]);
        let bad = run("b.json", b"{\"apiVersion\": \"v1\",\n \"kind\": }\n");
        assert_eq!(codes(&bad), vec![("json-syntax".to_string(), 2)]);
    }

    #[test]
    fn invalid_fields_are_located() {
        let l = run("s.yaml", b"kind: List\napiVersion: v1\nitems:\n- apiVersion: v1\n  kind: Secret\n  metadata: {name: s}\n  data:\n    ok: YQ==\n    bad: {x: 1}\n- apiVersion: v1\n  kind: Pod\n  metadata: [x]\n");
        assert_eq!(codes(&l), vec![("invalid-field".to_string(), 9), ("invalid-field".to_string(), 12)]);
        let block = run("c.yaml", b"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata:\n  list:\n  - a\n");
        assert_eq!(codes(&block), vec![("invalid-field".to_string(), 5)]);
        assert_eq!(l.inputs[0].diagnostics[0].message, "Secret `data.bad` is a mapping; expected a string");
    }

    #[test]
    fn parse_yaml_value_reads_yaml_and_json() {
        assert_eq!(super::super::parse_yaml_value("a: 1\nb: [x]\n").unwrap(), json!({"a": 1, "b": ["x"]}));
        assert_eq!(super::super::parse_yaml_value("{\"a\": true}").unwrap(), json!({"a": true}));
        assert_eq!(super::super::parse_yaml_value("").unwrap(), Value::Null);
        let err = super::super::parse_yaml_value("a: 1\nb: c: d\n").unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.to_string().starts_with("line 2: invalid YAML"), "{err}");
    }
}
