//! `report` (Markdown and HTML, the HTML one rendered in headless Chromium) and
//! `answers template` (snapshots, and a round trip: filled in, it resolves everything).

use std::path::Path;

use crate::common::*;

/// A command's stdout with the scratch path made stable, generated at the epoch.
fn stable(project: &Scratch, args: &[&str]) -> String {
    let output = project.cmd(args).env("SOURCE_DATE_EPOCH", "0").output().unwrap();
    assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    stdout(&output).replace(&project.path().display().to_string(), "<project>")
}

#[track_caller]
fn assert_no_secret(text: &str) {
    for secret in EXAMPLE_SECRETS {
        assert!(!text.contains(secret), "a secret leaked into the report");
    }
}

#[test]
fn markdown_report_snapshot() {
    let project = Scratch::example();
    let report = stable(&project, &["report"]);
    assert_no_secret(&report);
    insta::assert_snapshot!("example_report_md", report);
}

#[test]
fn answers_template_snapshot() {
    let project = Scratch::example();
    insta::assert_snapshot!("example_answers_template", stable(&project, &["answers", "template"]));
}

#[test]
fn answers_template_round_trips() {
    let project = support_portal_reaches_billing();
    project.edit_json("endpoints/Support Portal/config.json", |v| {
        v["handoverSettings"]["providerSettings"].as_object_mut().unwrap().shift_remove("apiKey");
    });
    let template = stable(&project, &["answers", "template"]);
    insta::assert_snapshot!("conflict_answers_template", template);
    assert!(template.contains("[providers.\"Support Portal\"]\n# name = \"Cognigy Live Agent - Support Portal\""));
    assert!(template.contains("secrets.apiKey = \"\""), "{template}");

    // Unfilled, it is valid TOML and changes nothing: apply still asks for the same things.
    project.write("answers.toml", &template);
    let answers = project.file("answers.toml");
    let answers = answers.to_str().unwrap();
    let unfilled = project.cmd(&["plan", "--answers", answers]).output().unwrap();
    assert_eq!(unfilled.status.code(), Some(3), "{}", stderr(&unfilled));

    // Filled in: the secret, and one choice per conflict uncommented.
    let filled: String = template
        .lines()
        .map(|line| {
            if line == "secrets.apiKey = \"\"" {
                "secrets.apiKey = \"CANARY-from-template\"".to_string()
            } else if line.starts_with("# d04ec55e-07e2-425b-bc88-b42818e6f999 = \"Support Portal\"") {
                line.trim_start_matches("# ").to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    project.write("answers.toml", &filled);
    let plan = project.cmd(&["plan", "--answers", answers]).output().unwrap();
    assert_eq!(plan.status.code(), Some(0), "{}{}", stdout(&plan), stderr(&plan));
    project.cmd(&["apply", "--yes", "--answers", answers]).assert().success();
    project.cmd(&["verify", "--answers", answers]).assert().success();

    // --out refuses to overwrite a file (it may hold secrets).
    let refused = project.cmd(&["answers", "template", "--out", answers]).output().unwrap();
    assert_eq!(refused.status.code(), Some(2), "{}", stderr(&refused));
    assert_eq!(std::fs::read_to_string(answers).unwrap(), filled);
}

#[test]
fn report_after_apply_shows_what_was_created_and_switched() {
    let project = Scratch::example();
    project.cmd(&["apply", "--yes"]).assert().success();
    let md = stable(&project, &["report"]);
    assert_no_secret(&md);
    assert!(md.contains("**Applied and verified**"), "{md}");
    assert!(md.contains("(created by run `"), "{md}");
    assert!(md.contains("Legacy → **Cognigy Live Agent - Webchat Production**"), "{md}");
    assert!(md.contains("- [x] `handover-migrate verify` passes"), "{md}");
    let json = project.cmd(&["report", "--json"]).output().unwrap();
    let report: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(report["summary"]["nodes_switched"], 13);
    assert_eq!(report["summary"]["nodes_to_switch"], 0);
    assert_eq!(report["verify"]["passed"], true);
}

fn chromium() -> Option<&'static str> {
    ["chromium", "chromium-browser"]
        .into_iter()
        .find(|name| std::process::Command::new(name).arg("--version").output().is_ok_and(|o| o.status.success()))
}

fn browser(name: &str, profile: &Path, args: &[&str]) -> std::process::Output {
    assert_cmd::Command::new(name)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"])
        .args(["--disable-background-networking", "--disable-component-update", "--disable-sync"])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .timeout(std::time::Duration::from_secs(120))
        .output()
        .unwrap()
}

#[test]
fn html_report_renders_in_headless_chromium() {
    let Some(chromium) = chromium() else {
        // .ci/run installs Debian's chromium; a developer machine may not have it.
        assert!(std::env::var_os("CI").is_none(), "CI must have chromium (.ci/run installs it)");
        eprintln!("skipped: no chromium on this machine (apt-get install chromium)");
        return;
    };
    let project = support_portal_reaches_billing();
    let out = tempfile::tempdir().unwrap();
    let html_path = out.path().join("report.html");
    project.cmd(&["report", "--format", "html", "--out", html_path.to_str().unwrap()]).assert().success();
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert_no_secret(&html);
    for external in ["<script", "<link", "src=", "url(", "@import"] {
        assert!(!html.contains(external), "not self-contained: {external}");
    }

    let url = format!("file://{}", html_path.display());
    let profile = tempfile::tempdir().unwrap();
    let png = out.path().join("report.png");
    let shot = browser(
        chromium,
        profile.path(),
        &[&format!("--screenshot={}", png.display()), "--window-size=1280,2000", &url],
    );
    assert!(png.exists(), "no screenshot: {}", stderr(&shot));
    let bytes = std::fs::read(&png).unwrap();
    assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "not a PNG");
    let (width, height) =
        (u32::from_be_bytes(bytes[16..20].try_into().unwrap()), u32::from_be_bytes(bytes[20..24].try_into().unwrap()));
    assert_eq!((width, height), (1280, 2000));
    // A blank page of that size compresses to a few KiB; a rendered report is far larger.
    assert!(bytes.len() > 60_000, "the screenshot looks empty ({} bytes)", bytes.len());

    let profile = tempfile::tempdir().unwrap();
    let dom = browser(chromium, profile.path(), &["--dump-dom", &url]);
    let dom = stdout(&dom);
    for needle in [
        "<svg id=\"diagram\"",
        "class=\"edge\"",
        "class=\"edge conflict\"",
        "Cognigy Live Agent - Support Portal",
        "Cognigy Live Agent - Webchat Production",
        "Chatwoot - Partner Chat",
        "66f2d360491f6156157308fb",
        "66f23ce0c4fa7bbf4af8bfc1",
        "type=\"checkbox\"",
        "id=\"verify-status\"",
    ] {
        assert!(dom.contains(needle), "the rendered page lacks {needle:?}");
    }
    assert_no_secret(&dom);
}

/// Names an attacker controls (an endpoint, a flow, a node label) stay text in both reports:
/// no element, link or entity comes from them; control and bidi characters are quoted as the
/// terminal quotes them, and flagged. The HTML one is also parsed by Chromium when present.
#[test]
fn hostile_names_are_inert_in_reports() {
    let project = Scratch::example();
    let script_name = "</script><img src=x onerror=alert(1)>";
    project.edit_json("endpoints/Partner Chat/config.json", |endpoint| {
        endpoint["name"] = serde_json::Value::String(script_name.into());
    });
    let link_name = "[Billing](javascript:alert(1)) <a href=\"javascript:alert(2)\">x</a> &#x202E;";
    project.edit_json("flows/Billing/config.json", |flow| {
        flow["name"] = serde_json::Value::String(link_name.into());
    });
    let bidi_name = "Webchat Production \u{202E}lanretni\u{202C}";
    project.edit_json("endpoints/Webchat Production/config.json", |endpoint| {
        endpoint["name"] = serde_json::Value::String(bidi_name.into());
    });
    project.edit_json("endpoints/Webchat Staging/config.json", |endpoint| {
        endpoint["name"] = serde_json::Value::String("Webchat St\u{430}ging".into());
        // Cyrillic а
    });
    let evil_label = "Talk\u{1b}[2J\u{7} to a `human` <svg onload=alert(3)>";
    project.edit_json("flows/Main/en-US/chart.json", |chart| {
        for node in chart["nodes"].as_array_mut().unwrap() {
            if node["label"] == "Talk to a human" {
                node["label"] = serde_json::Value::String(evil_label.into());
            }
        }
    });

    let md = stable(&project, &["report"]);
    // Markdown escapes with a backslash: every occurrence must follow one.
    let unescaped = |needle: &str| md.match_indices(needle).any(|(at, _)| !md[..at].ends_with('\\'));
    for raw in ["<img", "<a ", "<svg", "</script>", "](javascript:", "&#x202E;"] {
        assert!(!unescaped(raw), "the Markdown report holds {raw:?} unescaped:\n{md}");
    }
    for raw in ['\u{202E}', '\u{1b}', '\u{7}'] {
        assert!(!md.contains(raw), "the Markdown report holds {raw:?} raw");
    }
    assert!(md.contains("\\</script\\>\\<img src=x onerror=alert(1)\\>"), "{md}");
    assert!(md.contains("\\[Billing\\](javascript:alert(1))"), "{md}");
    // Quoted git-style (`\342…`), then the backslashes escaped for Markdown.
    assert!(md.contains("Webchat Production \\\\342\\\\200\\\\256lanretni\\\\342\\\\200\\\\254"), "{md}");
    assert!(md.contains("⚠ (contains bidirectional control characters"), "{md}");
    assert!(md.contains("\"Talk\\\\033\\[2J\\\\a to a"), "{md}");

    let out = tempfile::tempdir().unwrap();
    let html_path = out.path().join("report.html");
    project.cmd(&["report", "--format", "html", "--out", html_path.to_str().unwrap()]).assert().success();
    let html = std::fs::read_to_string(&html_path).unwrap();
    for raw in ["<img", "<a ", "<svg onload", "</script>", "javascript:alert(2)\"", "\u{202E}", "\u{1b}", "\u{7}"] {
        assert!(!html.contains(raw), "the HTML report holds {raw:?} unescaped");
    }
    assert!(html.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("&amp;#x202E;"), "an entity from a name must stay text");
    assert!(html.contains("Webchat Production \\342\\200\\256lanretni\\342\\200\\254"));
    assert!(html.contains("class=\"flag\" title=\"contains bidirectional control characters"));
    assert!(html.contains("Talk\\033[2J\\a to a"));
    assert!(html.contains("title=\"mixes scripts in one word"), "a look-alike name is not flagged");

    let Some(chromium) = chromium() else {
        assert!(std::env::var_os("CI").is_none(), "CI must have chromium (.ci/run installs it)");
        eprintln!("skipped the browser half: no chromium on this machine (apt-get install chromium)");
        return;
    };
    let profile = tempfile::tempdir().unwrap();
    let url = format!("file://{}", html_path.display());
    let dom = stdout(&browser(chromium, profile.path(), &["--dump-dom", &url]));
    assert!(dom.contains("id=\"verify-status\""), "the page did not render:\n{dom}");
    for element in ["<img", "<a ", "<script", "onerror=\"", "onload=\""] {
        assert!(!dom.contains(element), "the rendered page has {element:?}");
    }
}

/// At 500 endpoints and 1,000 flows both reports stay under 300 KB: the diagram, the
/// per-provider cards, the node table and the per-provider manual steps collapse into
/// tables of one row per endpoint or provider, counts, and pointers to the full detail,
/// which the JSON report still holds.
#[test]
fn reports_stay_small_at_500_endpoints_and_1000_flows() {
    let dir = tempfile::tempdir().unwrap();
    let options = handover_migrate_projectgen::Options {
        endpoints: 500,
        flows: 1000,
        locales: 2,
        nodes_per_flow: 6,
        ..Default::default()
    };
    handover_migrate_projectgen::generate(dir.path(), &options).unwrap();
    let project = Scratch { dir };
    let md = stable(&project, &["report"]);
    assert!(md.len() < 300 * 1000, "the Markdown report is {} bytes", md.len());
    for collapsed in [
        "The diagram is left out at this size",
        "Each provider's properties: `handover-migrate plan --detail`.",
        "node(s): ",
        "**250 provider(s)**: ",
        "more provider → flow rows (`handover-migrate report --json` lists every one).",
    ] {
        assert!(md.contains(collapsed), "not collapsed: {collapsed:?}");
    }
    let html = stable(&project, &["report", "--format", "html"]);
    assert!(html.len() < 300 * 1000, "the HTML report is {} bytes", html.len());
    assert!(html.contains("The diagram is left out at this size") && !html.contains("<svg"), "the diagram is drawn");
    let json: serde_json::Value = serde_json::from_str(&stable(&project, &["report", "--json"])).unwrap();
    let nodes = json["nodes"].as_array().unwrap().len();
    assert_eq!(nodes, json["summary"]["nodes_to_switch"].as_u64().unwrap() as usize);
    assert!(nodes > 1000, "the JSON report holds every node: {nodes}");
}
