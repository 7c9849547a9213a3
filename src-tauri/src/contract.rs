//! The shell↔UI contract, checked: `ui/src/lib/bindings.ts` is generated from the Rust types
//! the commands and events carry (ts-rs), the event list in `events.rs`, the error codes in
//! `error.rs` and the command signatures below. The test fails when the committed file
//! differs from what the code says; `UPDATE_BINDINGS=1 cargo test -p signet contract` writes
//! it again. The UI's type check (`npm run check` in `ui/`) then fails wherever `api.ts` or
//! the UI tests no longer match.
//!
//! The command signatures below are checked by the compiler: each entry becomes a function
//! that calls the real command with the listed argument types and returns the listed type.

// The functions the table generates are only type-checked, never called.
#![allow(dead_code, clippy::needless_pass_by_value, clippy::unused_async)]

use std::fmt::Write as _;
use std::path::Path;

use signet_core::history::Outcome;
use signet_core::settings::Settings;
use tauri::State;
use tauri::test::MockRuntime;
use ts_rs::{Config, TS};

use crate::error::{CommandError, CommandResult, ErrorCode};
use crate::events;
use crate::state::AppState;
use crate::view::{
    AccountView, BiometricStatus, ChallengeView, Connection, EnrollmentPreview, HistoryView,
    PlatformFeatures,
};

/// Where the generated file lives, from the repository's root.
const BINDINGS: &str = "ui/src/lib/bindings.ts";

/// What a command resolves with in the UI: its value, or for a `CommandResult` the value of
/// its `Ok` (an `Err` rejects the promise with a [`CommandError`]).
trait Resolves {
    /// The type the UI's promise resolves with.
    type Value: TS;
}

impl<T: TS> Resolves for CommandResult<T> {
    type Value = T;
}

macro_rules! resolves_to_itself {
    ($($type:ty),*) => { $( impl Resolves for $type { type Value = $type; } )* };
}
resolves_to_itself!(
    (),
    String,
    Option<String>,
    Vec<AccountView>,
    Vec<ChallengeView>,
    Vec<HistoryView>,
    PlatformFeatures,
    BiometricStatus,
    Settings
);

/// The type of a context parameter a command takes besides its arguments.
macro_rules! context_type {
    (app) => { tauri::AppHandle<MockRuntime> };
    (state) => { State<'_, AppState> };
    (webview) => { tauri::Webview<MockRuntime> };
    (watcher) => { State<'_, events::EventChannel> };
}

/// One generated function per command, calling it as the table says; and the table itself.
macro_rules! command_signatures {
    (
        sync { $( $name:ident ( $($context:ident),* ; $($arg:ident : $type:ty),* ) -> $result:ty; )* }
        async { $( $async_name:ident ( $($async_context:ident),* ; $($async_arg:ident : $async_type:ty),* ) -> $async_result:ty; )* }
    ) => {
        mod signatures {
            use super::*;
            $(
                pub fn $name($($context: context_type!($context),)* $($arg: $type),*) -> $result {
                    crate::commands::$name($($context,)* $($arg),*)
                }
            )*
            $(
                pub async fn $async_name(
                    $($async_context: context_type!($async_context),)* $($async_arg: $async_type),*
                ) -> $async_result {
                    crate::commands::$async_name($($async_context,)* $($async_arg),*).await
                }
            )*
        }

        /// Every command: its name, its arguments (camelCase, as Tauri takes them) with their
        /// TypeScript types, and the TypeScript type it resolves with.
        fn command_table(config: &Config) -> Vec<(&'static str, Vec<(String, String)>, String)> {
            vec![
                $( (
                    stringify!($name),
                    vec![$( (camel_case(stringify!($arg)), <$type as TS>::name(config)) ),*],
                    <<$result as Resolves>::Value as TS>::name(config),
                ), )*
                $( (
                    stringify!($async_name),
                    vec![$( (camel_case(stringify!($async_arg)), <$async_type as TS>::name(config)) ),*],
                    <<$async_result as Resolves>::Value as TS>::name(config),
                ), )*
            ]
        }
    };
}

command_signatures! {
    sync {
        app_version(;) -> String;
        watch_events(webview, watcher; channel: events::EventStream) -> ();
        list_accounts(state;) -> Vec<AccountView>;
        preview_enrollment(state; link: String) -> CommandResult<EnrollmentPreview>;
        set_require_biometric(state; account_id: String, required: bool) -> CommandResult<AccountView>;
        platform_features(;) -> PlatformFeatures;
        biometric_status(app;) -> BiometricStatus;
        pending_challenges(state;) -> Vec<ChallengeView>;
        history(state;) -> Vec<HistoryView>;
        settings(state;) -> Settings;
        update_settings(state; settings: Settings) -> CommandResult<Settings>;
        launch_link(app;) -> Option<String>;
        start_at_login(app;) -> CommandResult<bool>;
        set_start_at_login(app; enabled: bool) -> CommandResult<bool>;
    }
    async {
        enroll(app, state; link: String, require_biometric: bool) -> CommandResult<AccountView>;
        replace_account(app, state; account_id: String, link: String, require_biometric: bool) -> CommandResult<AccountView>;
        remove_account(app, state; account_id: String) -> CommandResult<()>;
        approve(state; challenge_id: String, verification_code: Option<String>) -> CommandResult<Outcome>;
        deny(state; challenge_id: String, not_me: bool) -> CommandResult<Outcome>;
    }
}

/// `require_biometric` → `requireBiometric` (Tauri's default for command arguments).
fn camel_case(snake: &str) -> String {
    let mut camel = String::with_capacity(snake.len());
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            camel.extend(c.to_uppercase());
            upper = false;
        } else {
            camel.push(c);
        }
    }
    camel
}

/// The names the handler registers (`with_commands!` in `lib.rs`).
fn registered_commands() -> Vec<&'static str> {
    macro_rules! names {
        ($($command:ident,)*) => { vec![$(stringify!($command)),*] };
    }
    crate::with_commands!(names)
}

/// A declaration, exported.
fn export<T: TS>(config: &Config) -> String {
    let declaration = T::decl(config);
    let lines: Vec<&str> = declaration.lines().map(str::trim_end).collect();
    format!("export {}\n", lines.join("\n"))
}

/// The whole generated file.
fn bindings() -> String {
    let config = Config::new().with_large_int("number");
    let mut out = String::from(
        "// Generated from the Rust shell (src-tauri/src/{view,events,error,contract}.rs and the\n\
         // signet-core types they carry) by `UPDATE_BINDINGS=1 cargo test -p signet contract`.\n\
         // Do not edit: a Rust test fails when this file differs from what the code says.\n\n\
         import type { Channel } from \"@tauri-apps/api/core\";\n\n",
    );
    for declaration in [
        export::<signet_core::AccountId>(&config),
        export::<Connection>(&config),
        export::<AccountView>(&config),
        export::<EnrollmentPreview>(&config),
        export::<ChallengeView>(&config),
        export::<Outcome>(&config),
        export::<HistoryView>(&config),
        export::<Settings>(&config),
        export::<PlatformFeatures>(&config),
        export::<BiometricStatus>(&config),
        export::<ErrorCode>(&config),
        export::<CommandError>(&config),
        export::<events::ChallengeResolved>(&config),
        export::<events::ConnectionChanged>(&config),
        export::<events::OpenChallenge>(&config),
        export::<events::EnrollLink>(&config),
        export::<events::EventStream>(&config),
    ] {
        out.push_str(&declaration);
        out.push('\n');
    }

    out.push_str("/** Every error code, in the shell's order. */\nexport const errorCodes = [\n");
    for code in ErrorCode::ALL {
        let json = serde_json::to_string(&code).expect("a unit variant serialises");
        let _ = writeln!(out, "  {json},");
    }
    out.push_str(
        "] as const satisfies readonly ErrorCode[];\n\
         /** Fails to type-check when `errorCodes` misses a code of `ErrorCode`. */\n\
         export const everyErrorCodeListed: Exclude<ErrorCode, (typeof errorCodes)[number]> extends never\n  \
         ? true\n  : never = true;\n\n",
    );

    out.push_str(
        "/** Every event the shell emits, with its payload. */\nexport interface EventPayloads {\n",
    );
    let events = events::contract(&config);
    for (name, payload) in &events {
        let _ = writeln!(out, "  {name:?}: {payload};");
    }
    out.push_str(
        "}\n\n/** Every event name, in the shell's order. */\nexport const eventNames = [\n",
    );
    for (name, _) in &events {
        let _ = writeln!(out, "  {name:?},");
    }
    out.push_str("] as const satisfies readonly (keyof EventPayloads)[];\n\n");
    out.push_str(
        "/** One event as the `watch_events` channel carries it. */\n\
         export type EventMessage = { [E in keyof EventPayloads]: { event: E; payload: EventPayloads[E] } }[keyof EventPayloads];\n\n",
    );

    out.push_str(
        "/** Every command: its arguments (camelCase) and what its promise resolves with. */\n\
         export interface Commands {\n",
    );
    for (name, args, result) in command_table(&config) {
        let args = if args.is_empty() {
            "Record<string, never>".to_owned()
        } else {
            let fields: Vec<String> = args
                .iter()
                .map(|(arg, ty)| format!("{arg}: {ty}"))
                .collect();
            format!("{{ {} }}", fields.join("; "))
        };
        let _ = writeln!(out, "  {name}: {{ args: {args}; result: {result} }};");
    }
    out.push_str("}\n");
    out
}

#[test]
fn the_command_table_names_exactly_the_registered_commands() {
    let config = Config::new();
    let mut table: Vec<&str> = command_table(&config)
        .into_iter()
        .map(|(name, _, _)| name)
        .collect();
    let mut registered = registered_commands();
    table.sort_unstable();
    registered.sort_unstable();
    assert_eq!(table, registered);
}

#[test]
fn every_error_code_is_listed_once() {
    let mut names: Vec<String> = ErrorCode::ALL
        .iter()
        .map(|code| serde_json::to_string(code).expect("serialises"))
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), ErrorCode::ALL.len());
}

#[test]
fn the_committed_ui_bindings_match_the_rust_types() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(BINDINGS);
    let generated = bindings();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(&path, &generated).expect("the bindings file can be written");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{BINDINGS} is out of date with the Rust shell's types, events, error codes or \
         commands. Regenerate it with `UPDATE_BINDINGS=1 cargo test -p signet contract`, \
         then run `npm run check` in ui/.\n--- generated ---\n{generated}"
    );
}
