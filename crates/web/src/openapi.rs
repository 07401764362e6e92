//! `GET /api/v1/openapi.json`: the API described for integrators (OpenAPI 3.1), generated
//! from the handlers.
//!
//! A route can only be added through [`Documented::routes`] with [`documented!`], which needs
//! the handler's `#[utoipa::path]` attribute, so no route exists without its description.
//! The attribute gives the method, path, tag and what is particular to the handler (the
//! status of success, the errors its rules raise); the rest is read from the handler's
//! signature, so it cannot drift from what the handler does:
//!
//! - the roles from its `Api<R>` extractor (`x-roles`, the security requirement, 401/403),
//! - the query parameters from its `ApiQuery<T>` (`T: IntoParams`) and the path parameters
//!   from the path,
//! - the request body from its `ApiJson<T>` (`T: ToSchema`), with the 400/413/415 of a body,
//! - the success body from its return type (`ApiJson<T>`), and 500/503 from `ApiResult`.
//!
//! Every error response carries the one error body, whose `code` is the enumeration of
//! `bankdesk_domain::ErrorCode`.

use crate::auth::{Api, RoleSet};
use crate::error::{ApiError, ApiJson, ApiPath, ApiQuery, ErrorBody};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use bankdesk_domain::ErrorCode;
use bankdesk_domain::role::Role;
use serde::Serialize;
use serde_json::json;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn, PathItem, Paths};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{
    Components, ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Ref, RefOr, Required,
    ResponseBuilder, ServerBuilder,
};
use utoipa::{IntoParams, PartialSchema, ToSchema};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouter};

/// Named schemas an operation refers to, to be put under `components.schemas`.
pub type Schemas = Vec<(String, RefOr<Schema>)>;

/// A router whose every route is documented: it has no way to add a route but
/// [`Documented::routes`], which takes what [`documented!`] makes of an annotated handler.
pub struct Documented(OpenApiRouter<AppState>);

impl Default for Documented {
    fn default() -> Self {
        Documented(OpenApiRouter::with_openapi(OpenApi::default()))
    }
}

impl Documented {
    pub fn routes(self, (schemas, paths, router): UtoipaMethodRouter<AppState>) -> Documented {
        let mut incoming = BTreeMap::new();
        for (name, schema) in schemas {
            same_schema(&incoming, &name, &schema);
            incoming.insert(name, schema);
        }
        check_names(self.0.get_openapi(), &incoming);
        let schemas = incoming.into_iter().collect();
        Documented(self.0.routes((schemas, paths, router)))
    }

    pub fn merge(self, other: Documented) -> Documented {
        check_components(self.0.get_openapi(), other.0.get_openapi());
        Documented(self.0.merge(other.0))
    }

    pub fn nest(self, prefix: &str, other: Documented) -> Documented {
        check_components(self.0.get_openapi(), other.0.get_openapi());
        Documented(self.0.nest(prefix, other.0))
    }

    /// What answers a path no route matches.
    pub fn fallback<H, T>(self, handler: H) -> Documented
    where
        H: axum::handler::Handler<T, AppState>,
        T: 'static,
    {
        Documented(self.0.fallback(handler))
    }

    pub fn into_parts(self) -> (axum::Router<AppState>, OpenApi) {
        self.0.split_for_parts()
    }
}

/// Two types must not share a schema name: the second would silently replace the first.
fn same_schema(known: &BTreeMap<String, RefOr<Schema>>, name: &str, schema: &RefOr<Schema>) {
    if let Some(known) = known.get(name) {
        assert!(
            known == schema,
            "two different schemas are named {name}; rename one with #[schema(as = ...)]"
        );
    }
}

fn check_names(doc: &OpenApi, incoming: &BTreeMap<String, RefOr<Schema>>) {
    if let Some(known) = &doc.components {
        for (name, schema) in incoming {
            same_schema(&known.schemas, name, schema);
        }
    }
}

fn check_components(a: &OpenApi, b: &OpenApi) {
    if let Some(b) = &b.components {
        check_names(a, &b.schemas);
    }
}

/// Registers an annotated handler: `utoipa_axum::routes!` for the route and the attribute's
/// part of the description, then [`complete`] for the part read from the signature.
/// `documented!(handler as R)` names the role set of a handler that checks roles itself
/// (the agent's socket, which also takes the desktop's cookie).
macro_rules! documented {
    ($handler:path) => {{
        let (mut schemas, mut paths, router) = utoipa_axum::routes!($handler);
        $crate::openapi::complete(&mut paths, &mut schemas, &$handler);
        (schemas, paths, router)
    }};
    ($handler:path as $roles:ty) => {{
        let (mut schemas, mut paths, router) = utoipa_axum::routes!($handler);
        $crate::openapi::for_each_operation(&mut paths, |op| $crate::openapi::roles::<$roles>(op));
        $crate::openapi::complete(&mut paths, &mut schemas, &$handler);
        (schemas, paths, router)
    }};
}
pub(crate) use documented;

pub fn for_each_operation(paths: &mut Paths, mut f: impl FnMut(&mut Operation)) {
    for item in paths.paths.values_mut() {
        operations(item).for_each(&mut f);
    }
}

fn operations(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.patch,
    ]
    .into_iter()
    .flatten()
}

/// Completes the operations of `handler` from its signature (see the module's comment).
pub fn complete<T, H: Signature<T>>(paths: &mut Paths, schemas: &mut Schemas, _handler: &H) {
    let (module, name) = rust_path::<H>();
    for (path, item) in paths.paths.iter_mut() {
        let names = path_names(path);
        for op in operations(item) {
            let tags = op.tags.get_or_insert_with(Vec::new);
            if tags.is_empty() {
                tags.push(module.to_string());
            }
            op.operation_id = Some(format!("{}_{name}", tags[0]));
            for name in &names {
                path_parameter(op, name);
            }
            summary_first_sentence(op);
            H::describe(op, schemas);
            // The errors of the handler's own rules, declared in its attribute.
            for (status, response) in op.responses.responses.iter_mut() {
                if let RefOr::T(response) = response
                    && status.as_str() >= "400"
                    && response.content.is_empty()
                {
                    response
                        .content
                        .insert("application/json".into(), error_content());
                }
            }
            // No `Api<R>` extractor: nobody logs in for it.
            op.security.get_or_insert_with(Vec::new);
            if !op.responses.responses.keys().any(|s| s.as_str() < "300") {
                panic!("{module}::{name}: declare the status of success in #[utoipa::path]");
            }
        }
    }
}

/// The doc comment's first sentence as the summary, the rest as the description.
fn summary_first_sentence(op: &mut Operation) {
    let Some(text) = op.summary.take().map(|s| s.replace('\n', " ")) else {
        return;
    };
    let (first, rest) = match text.split_once(". ") {
        Some((first, rest)) => (format!("{first}."), rest.to_string()),
        None => (text, String::new()),
    };
    op.summary = Some(first);
    if !rest.is_empty() {
        op.description = Some(match op.description.take() {
            Some(d) if !d.is_empty() => format!("{rest}\n\n{d}"),
            _ => rest,
        });
    }
}

/// `("cases", "create")` for `bankdesk_web::api::cases::create`.
fn rust_path<H>() -> (&'static str, &'static str) {
    let mut parts = std::any::type_name::<H>().rsplit("::");
    let name = parts.next().unwrap_or_default();
    let module = parts.next().unwrap_or_default();
    (module, name)
}

/// The `{name}`s of a path.
fn path_names(path: &str) -> Vec<String> {
    path.split('/')
        .filter_map(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .map(str::to_string)
        .collect()
}

fn path_parameter(op: &mut Operation, name: &str) {
    let params = op.parameters.get_or_insert_with(Vec::new);
    if !params
        .iter()
        .any(|p| p.name == name && p.parameter_in == ParameterIn::Path)
    {
        params.push(
            ParameterBuilder::new()
                .name(name)
                .parameter_in(ParameterIn::Path)
                .required(Required::True)
                .schema(Some(String::schema()))
                .build(),
        );
    }
}

/// A handler whose arguments are `T`: what its arguments and its result add to its
/// operation.
pub trait Signature<T> {
    fn describe(op: &mut Operation, schemas: &mut Schemas);
}

macro_rules! signature {
    ($($arg:ident),*) => {
        impl<F, Fut, $($arg,)*> Signature<($($arg,)*)> for F
        where
            F: Fn($($arg),*) -> Fut,
            Fut: Future,
            Fut::Output: Outcome,
            $($arg: Argument,)*
        {
            fn describe(op: &mut Operation, schemas: &mut Schemas) {
                $($arg::describe(op, schemas);)*
                <Fut::Output as Outcome>::describe(op, schemas);
            }
        }
    };
}
signature!();
signature!(A1);
signature!(A1, A2);
signature!(A1, A2, A3);
signature!(A1, A2, A3, A4);

/// What an extractor adds to the operation of a handler that takes it.
pub trait Argument {
    fn describe(_op: &mut Operation, _schemas: &mut Schemas) {}
}

impl<S> Argument for State<S> {}
impl Argument for HeaderMap {}
impl Argument for WebSocketUpgrade {}
/// The request body of a handler that reads it as it comes; the attribute describes it.
impl Argument for Bytes {}

/// A webhook's raw body, whose size is limited.
impl Argument for Result<Bytes, BytesRejection> {
    fn describe(op: &mut Operation, _: &mut Schemas) {
        error(op, StatusCode::PAYLOAD_TOO_LARGE);
    }
}

impl<R: RoleSet> Argument for Api<R> {
    fn describe(op: &mut Operation, _: &mut Schemas) {
        roles::<R>(op);
    }
}

/// Who may call: the role set `R` as `x-roles`, a bearer token, and the refusals.
pub fn roles<R: RoleSet>(op: &mut Operation) {
    let roles: &[Role] = if R::ALLOWED.is_empty() {
        &Role::ALL
    } else {
        R::ALLOWED
    };
    let names: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
    let who = if R::ALLOWED.is_empty() {
        "any logged-in member of staff".to_string()
    } else {
        names.join(", ")
    };
    let line = format!("Roles: {who}.");
    op.description = Some(match op.description.take() {
        Some(d) if !d.is_empty() => format!("{d}\n\n{line}"),
        _ => line,
    });
    op.extensions
        .get_or_insert_with(Default::default)
        .insert("x-roles".into(), json!(names));
    op.security
        .get_or_insert_with(|| vec![SecurityRequirement::new("bearer", Vec::<String>::new())]);
    error(op, StatusCode::UNAUTHORIZED);
    if !R::ALLOWED.is_empty() {
        error(op, StatusCode::FORBIDDEN);
    }
}

impl<T: ToSchema> Argument for ApiJson<T> {
    fn describe(op: &mut Operation, schemas: &mut Schemas) {
        if op.request_body.is_none() {
            op.request_body = Some(
                RequestBodyBuilder::new()
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(named::<T>(schemas)))
                            .build(),
                    )
                    .required(Some(Required::True))
                    .build(),
            );
        }
        error(op, StatusCode::BAD_REQUEST);
        error(op, StatusCode::PAYLOAD_TOO_LARGE);
        error(op, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    }
}

impl<T: IntoParams> Argument for ApiQuery<T> {
    fn describe(op: &mut Operation, _: &mut Schemas) {
        query::<T>(op);
        error(op, StatusCode::BAD_REQUEST);
    }
}

impl<T: IntoParams> Argument for Query<T> {
    fn describe(op: &mut Operation, _: &mut Schemas) {
        query::<T>(op);
    }
}

fn query<T: IntoParams>(op: &mut Operation) {
    let mut params = T::into_params(|| Some(ParameterIn::Query));
    for p in &mut params {
        if let Some(schema) = &mut p.schema {
            without_null(schema);
        }
    }
    op.parameters.get_or_insert_with(Vec::new).extend(params);
}

/// A query string has no null: an `Option` field is a parameter that may be left out,
/// which `required: false` says already.
fn without_null(schema: &mut RefOr<Schema>) {
    let null = |s: &RefOr<Schema>| matches!(s, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null));
    if let RefOr::T(Schema::OneOf(one)) = schema {
        one.items.retain(|s| !null(s));
        if one.items.len() == 1 {
            *schema = one.items.remove(0);
        }
    }
    if let RefOr::T(Schema::Object(o)) = schema
        && let SchemaType::Array(types) = &mut o.schema_type
    {
        types.retain(|t| *t != Type::Null);
        if let [only] = types.as_slice() {
            o.schema_type = SchemaType::Type(only.clone());
        }
    }
}

/// The path's ids name something that may not exist.
impl<T> Argument for ApiPath<T> {
    fn describe(op: &mut Operation, _: &mut Schemas) {
        error(op, StatusCode::NOT_FOUND);
    }
}

/// What a handler's result adds to its operation.
pub trait Outcome {
    fn describe(op: &mut Operation, schemas: &mut Schemas);
}

/// Failures on our side, which any handler that can fail may meet.
impl<T: Outcome> Outcome for Result<T, ApiError> {
    fn describe(op: &mut Operation, schemas: &mut Schemas) {
        T::describe(op, schemas);
        error(op, StatusCode::INTERNAL_SERVER_ERROR);
        error(op, StatusCode::SERVICE_UNAVAILABLE);
    }
}

impl<T: ToSchema> Outcome for ApiJson<T> {
    fn describe(op: &mut Operation, schemas: &mut Schemas) {
        success(op, "200", "Success");
        json_body::<T>(op, schemas);
    }
}

/// The status is chosen at run time; the attribute declares which.
impl<T: ToSchema> Outcome for (StatusCode, ApiJson<T>) {
    fn describe(op: &mut Operation, schemas: &mut Schemas) {
        json_body::<T>(op, schemas);
    }
}

impl Outcome for StatusCode {
    fn describe(op: &mut Operation, _: &mut Schemas) {
        success(op, "204", "Done");
    }
}

/// A body other than JSON (CSV, plain text, a socket); the attribute describes it.
impl Outcome for Response {
    fn describe(_: &mut Operation, _: &mut Schemas) {}
}

fn success(op: &mut Operation, status: &str, description: &str) {
    let declared = &mut op.responses.responses;
    if !declared.keys().any(|s| s.starts_with('2')) {
        declared.insert(
            status.into(),
            ResponseBuilder::new().description(description).into(),
        );
    }
}

/// The JSON body of every declared success that has no content yet.
fn json_body<T: ToSchema>(op: &mut Operation, schemas: &mut Schemas) {
    let schema = named::<T>(schemas);
    for (status, response) in op.responses.responses.iter_mut() {
        if let (true, RefOr::T(response)) = (status.starts_with('2'), response)
            && response.content.is_empty()
        {
            response.content.insert(
                "application/json".into(),
                ContentBuilder::new().schema(Some(schema.clone())).build(),
            );
        }
    }
}

/// A reference to `T` under `components.schemas`, with everything it refers to.
fn named<T: ToSchema>(schemas: &mut Schemas) -> RefOr<Schema> {
    T::schemas(schemas);
    schemas.push((T::name().into_owned(), T::schema()));
    Ref::from_schema_name(T::name()).into()
}

/// An error the operation may answer with: the shared response of its status, unless the
/// attribute described that status itself, in which case it gets the error body.
fn error(op: &mut Operation, status: StatusCode) {
    let responses = &mut op.responses.responses;
    match responses.get_mut(status.as_str()) {
        Some(RefOr::T(response)) if response.content.is_empty() => {
            response
                .content
                .insert("application/json".into(), error_content());
        }
        Some(_) => {}
        None => {
            responses.insert(
                status.as_str().into(),
                Ref::from_response_name(response_name(status)).into(),
            );
        }
    }
}

fn error_content() -> utoipa::openapi::Content {
    ContentBuilder::new()
        .schema(Some(Ref::from_schema_name(ErrorBody::name())))
        .build()
}

/// `BadRequest` for 400.
fn response_name(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("Error")
        .split([' ', '-'])
        .collect()
}

/// `{"items": [...], "next": cursor-or-null}` of items `T`, named `TList`.
impl<T: ToSchema + Serialize> PartialSchema for crate::envelope::List<T> {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .property(
                "items",
                ArrayBuilder::new().items(Ref::from_schema_name(T::name())),
            )
            .required("items")
            .property(
                "next",
                ObjectBuilder::new()
                    .schema_type(SchemaType::from_iter([Type::String, Type::Null]))
                    .description(Some("The cursor of the next page; null on the last")),
            )
            .required("next")
            .into()
    }
}

impl<T: ToSchema + Serialize> ToSchema for crate::envelope::List<T> {
    fn name() -> Cow<'static, str> {
        format!("{}List", T::name()).into()
    }

    fn schemas(schemas: &mut Schemas) {
        named::<T>(schemas);
    }
}

/// The document's frame: what it is, and the ways callers authenticate.
pub fn frame() -> OpenApi {
    let mut components = Components::new();
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some("The token of POST /api/v1/auth/login"))
                .build(),
        ),
    );
    components.add_security_scheme(
        "session",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            crate::auth::SESSION_COOKIE,
            "The desktop's session cookie (the desktop's own pages only)",
        ))),
    );
    components.add_security_scheme(
        "gateway_secret",
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "X-Gateway-Secret",
            "The mail gateway's shared secret (mail_gateway_secret)",
        ))),
    );
    let codes: BTreeSet<u16> = ErrorCode::ALL.iter().map(|c| c.status()).collect();
    for status in codes
        .into_iter()
        .filter_map(|s| StatusCode::from_u16(s).ok())
    {
        let listed: Vec<&str> = ErrorCode::ALL
            .iter()
            .filter(|c| c.status() == status.as_u16())
            .map(|c| c.code())
            .collect();
        components.responses.insert(
            response_name(status),
            ResponseBuilder::new()
                .description(format!(
                    "{}: `error.code` is {}",
                    status.canonical_reason().unwrap_or("Error"),
                    listed.join(", ")
                ))
                .content("application/json", error_content())
                .into(),
        );
    }
    components
        .schemas
        .insert(ErrorBody::name().into_owned(), ErrorBody::schema());
    let mut detail = Schemas::new();
    ErrorBody::schemas(&mut detail);
    components.schemas.extend(detail);
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("bankdesk API")
                .version("1")
                .description(Some(
                    "The v1 contract of bankdesk (docs/api.md), generated from the handlers. \
                     Times are RFC 3339 with offset, money an integer in fen, lists \
                     {items, next}. `x-roles` names the roles an operation admits; some narrow that \
                     further by the record (its handler, its requester), as their description \
                     and their 403 say.",
                )),
        )
        .servers(Some([ServerBuilder::new().url("/").build()]))
        .components(Some(components))
        .build()
}

/// Bodies their handlers read by hand, to name the bad field of the bad item, and which so
/// have no Rust type of their own: described here for the document only.
pub mod read_by_hand {
    use bankdesk_domain::cti::CallEventType;
    use serde::Deserialize;
    use utoipa::ToSchema;

    /// A delivery of the PBX's events: taken whole or refused whole.
    #[derive(Deserialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct CtiDelivery {
        #[schema(min_items = 1, max_items = 2000)]
        pub events: Vec<CtiEvent>,
    }

    /// One event of a call, as the PBX sends it.
    #[derive(Deserialize, ToSchema)]
    #[serde(deny_unknown_fields)]
    pub struct CtiEvent {
        #[schema(min_length = 1, max_length = 64, pattern = "^[A-Za-z0-9_.:-]+$")]
        pub call_id: String,
        /// The event's number within the call.
        #[schema(minimum = 0, maximum = 1_000_000_000)]
        pub seq: i64,
        #[serde(rename = "type")]
        pub kind: CallEventType,
        /// RFC 3339 with offset.
        pub at: String,
        /// The caller's number: digits, optionally after `+`.
        #[schema(pattern = "^\\+?[0-9]{1,20}$")]
        pub ani: Option<String>,
        #[schema(pattern = "^\\+?[0-9]{1,20}$")]
        pub dnis: Option<String>,
        pub queue: Option<String>,
        /// The agent's username; required on `answered`, and on `transferred` without a
        /// queue.
        pub agent: Option<String>,
        #[schema(max_length = 200)]
        pub ivr_path: Option<String>,
        /// Required on `recording`.
        #[schema(max_length = 500)]
        pub recording_ref: Option<String>,
    }
}
