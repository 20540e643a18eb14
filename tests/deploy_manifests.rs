//! The deployment artifacts agree with the config they ship: the Kubernetes
//! manifests' embedded consentry.toml compiles, and ports, probes, Service
//! targets, env overrides and grace periods match it and the Dockerfile.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use consentry::config::compile::parse_upstream;
use consentry::config::{compile, Overrides, Policy};
use serde::Deserialize;
use serde_norway::Value;

fn repo_file(path: &str) -> String {
    let full = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

fn documents(path: &str) -> Vec<Value> {
    let text = repo_file(path);
    serde_norway::Deserializer::from_str(&text)
        .map(|doc| Value::deserialize(doc).unwrap_or_else(|e| panic!("{path}: {e}")))
        .filter(|doc| !doc.is_null())
        .collect()
}

fn str_of<'a>(v: &'a Value, what: &str) -> &'a str {
    v.as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v:?}"))
}

fn find<'a>(docs: &'a [Value], kind: &str, name: &str) -> &'a Value {
    docs.iter()
        .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

/// The image's `ENV` settings, one `ENV KEY=VALUE` per line.
fn dockerfile_env() -> HashMap<String, String> {
    repo_file("Dockerfile")
        .lines()
        .filter_map(|line| line.strip_prefix("ENV "))
        .filter_map(|kv| kv.trim().split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A container's environment: the image's, then the manifest's on top.
fn container_env(container: &Value) -> HashMap<String, String> {
    let mut env = dockerfile_env();
    for var in container["env"].as_sequence().into_iter().flatten() {
        env.insert(
            str_of(&var["name"], "env name").to_string(),
            str_of(&var["value"], "env value").to_string(),
        );
    }
    env
}

/// The overrides `consentry run` would take from this environment.
fn overrides(env: &HashMap<String, String>) -> Overrides {
    let addr = |key: &str| {
        env.get(key).map(|v| {
            v.parse::<SocketAddr>()
                .unwrap_or_else(|e| panic!("{key}={v}: {e}"))
        })
    };
    Overrides {
        listen: addr("CONSENTRY_LISTEN"),
        upstream: env
            .get("CONSENTRY_UPSTREAM")
            .map(|u| parse_upstream(u).unwrap()),
        admin_listen: addr("CONSENTRY_ADMIN_LISTEN"),
        workers: env.get("CONSENTRY_WORKERS").map(|w| w.parse().unwrap()),
    }
}

/// The container port a probe or Service names (by name or number).
fn resolve_port(container: &Value, port: &Value) -> u16 {
    if let Some(n) = port.as_u64() {
        return u16::try_from(n).unwrap();
    }
    let name = str_of(port, "port");
    container["ports"]
        .as_sequence()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == name)
        .and_then(|p| p["containerPort"].as_u64())
        .map(|n| u16::try_from(n).unwrap())
        .unwrap_or_else(|| panic!("no container port named {name}"))
}

fn named_port(container: &Value, name: &str) -> u16 {
    resolve_port(container, &Value::String(name.into()))
}

fn pre_stop_sleep(container: &Value) -> Duration {
    let command = &container["lifecycle"]["preStop"]["exec"]["command"];
    match command.as_sequence().map(Vec::as_slice) {
        Some([sleep, secs]) if sleep == "sleep" => {
            Duration::from_secs(str_of(secs, "sleep seconds").parse().unwrap())
        }
        None => Duration::ZERO,
        Some(other) => panic!("unexpected preStop command {other:?}"),
    }
}

/// Everything checked for one Consentry Deployment; returns the effective
/// policy (config file plus overrides) for deployment-specific checks.
fn check_deployment(path: &str, deployment_name: &str, service_name: &str) -> (Policy, Value) {
    let docs = documents(path);
    let deployment = find(&docs, "Deployment", deployment_name);
    let pod = &deployment["spec"]["template"];
    let containers = pod["spec"]["containers"].as_sequence().unwrap();
    let consentry = containers
        .iter()
        .find(|c| c["name"] == "consentry")
        .expect("a container named consentry");
    assert!(
        consentry["args"].is_null() && consentry["command"].is_null(),
        "{path}: settings go through the config and env, not args"
    );

    // The config file the process reads comes from a ConfigMap volume.
    let env = container_env(consentry);
    let config_path = Path::new(&env["CONSENTRY_CONFIG"]);
    let mount = consentry["volumeMounts"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|m| Path::new(str_of(&m["mountPath"], "mountPath")) == config_path.parent().unwrap())
        .unwrap_or_else(|| panic!("{path}: nothing mounted at {}", config_path.display()));
    assert!(
        mount["subPath"].is_null(),
        "{path}: a subPath mount never sees ConfigMap updates, so hot reload would not work"
    );
    let volume = pod["spec"]["volumes"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|v| v["name"] == mount["name"])
        .expect("the mounted volume");
    let config_map = find(
        &docs,
        "ConfigMap",
        str_of(&volume["configMap"]["name"], "configMap name"),
    );
    let key = config_path.file_name().unwrap().to_str().unwrap();
    let text = str_of(&config_map["data"][key], "the embedded config");
    let mut policy =
        compile(text, &format!("{path}: ConfigMap data {key}")).unwrap_or_else(|e| panic!("{e}"));
    let from_file = (policy.proxy.listen, policy.admin.listen);
    overrides(&env).apply(&mut policy);
    assert_eq!(
        from_file,
        (policy.proxy.listen, policy.admin.listen),
        "{path}: the env and the ConfigMap disagree on listen addresses"
    );

    // Reachable from outside the pod, on the declared ports.
    for (what, addr) in [
        ("proxy", policy.proxy.listen),
        ("admin", policy.admin.listen),
    ] {
        assert!(
            addr.ip().is_unspecified(),
            "{path}: {what} listens on {addr}"
        );
        assert_eq!(
            named_port(consentry, what),
            addr.port(),
            "{path}: {what} port"
        );
    }

    // Probes on the admin listener.
    let admin = policy.admin.listen.port();
    for (probe, probe_path) in [("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")] {
        let get = &consentry[probe]["httpGet"];
        assert_eq!(get["path"], probe_path, "{path}: {probe}");
        assert_eq!(
            resolve_port(consentry, &get["port"]),
            admin,
            "{path}: {probe} port"
        );
    }
    let annotations = &pod["metadata"]["annotations"];
    assert_eq!(
        annotations["prometheus.io/port"],
        admin.to_string().as_str()
    );
    assert_eq!(annotations["prometheus.io/path"], "/metrics");

    // The Service selects these pods and sends traffic to the proxy port.
    let service = find(&docs, "Service", service_name);
    let labels = pod["metadata"]["labels"].as_mapping().unwrap();
    for (k, v) in service["spec"]["selector"].as_mapping().unwrap() {
        assert_eq!(labels.get(k), Some(v), "{path}: Service selector {k:?}");
    }
    for port in service["spec"]["ports"].as_sequence().unwrap() {
        assert_eq!(
            resolve_port(consentry, &port["targetPort"]),
            policy.proxy.listen.port(),
            "{path}: Service targetPort"
        );
    }

    // Kubernetes' SIGKILL comes after the preStop pause and the drain.
    let grace = Duration::from_secs(
        pod["spec"]["terminationGracePeriodSeconds"]
            .as_u64()
            .unwrap(),
    );
    assert!(
        grace > pre_stop_sleep(consentry) + policy.proxy.shutdown_grace,
        "{path}: terminationGracePeriodSeconds {grace:?} must exceed preStop + shutdown_grace {:?}",
        policy.proxy.shutdown_grace
    );

    // Locked down, with resources.
    let security = &consentry["securityContext"];
    assert_eq!(security["runAsNonRoot"], true);
    assert_eq!(security["readOnlyRootFilesystem"], true);
    assert_eq!(security["allowPrivilegeEscalation"], false);
    assert_eq!(security["runAsUser"], 10001);
    for kind in ["requests", "limits"] {
        assert!(
            consentry["resources"][kind]["memory"].is_string(),
            "{path}: resources.{kind}.memory"
        );
    }
    (policy, pod.clone())
}

#[test]
fn sidecar_manifest_agrees_with_its_config() {
    let (policy, pod) = check_deployment(
        "deploy/kubernetes/sidecar.yaml",
        "legacy-site",
        "legacy-site",
    );
    // The upstream is the app container in the same pod.
    let upstream = policy.proxy.upstream.authority().unwrap();
    assert_eq!(upstream.host(), "127.0.0.1");
    let app = pod["spec"]["containers"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|c| c["name"] != "consentry")
        .expect("an app container");
    let app_ports: Vec<u64> = app["ports"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|p| p["containerPort"].as_u64())
        .collect();
    assert!(app_ports.contains(&u64::from(upstream.port_u16().unwrap_or(80))));
    assert!(
        !app_ports.contains(&u64::from(policy.proxy.listen.port()))
            && !app_ports.contains(&u64::from(policy.admin.listen.port())),
        "the app and Consentry share the pod's network namespace: ports must differ"
    );
    // The app must outlive Consentry's drain.
    assert!(pre_stop_sleep(app) >= policy.proxy.shutdown_grace);
}

#[test]
fn standalone_manifest_agrees_with_its_config() {
    let (policy, _) = check_deployment(
        "deploy/kubernetes/standalone.yaml",
        "consentry",
        "consentry",
    );
    let host = policy.proxy.upstream.host().unwrap();
    assert!(
        host != "127.0.0.1" && host != "localhost",
        "standalone reaches another Service, not its own pod: {host}"
    );
}

#[test]
fn dockerfile_matches_the_defaults() {
    let dockerfile = repo_file("Dockerfile");
    let env = dockerfile_env();
    assert_eq!(env["CONSENTRY_CONFIG"], "/etc/consentry/consentry.toml");
    assert!(dockerfile.contains("COPY config/consentry.toml /etc/consentry/consentry.toml"));
    let listen: SocketAddr = env["CONSENTRY_LISTEN"].parse().unwrap();
    let admin: SocketAddr = env["CONSENTRY_ADMIN_LISTEN"].parse().unwrap();
    assert!(dockerfile.contains(&format!("EXPOSE {} {}", listen.port(), admin.port())));
    assert!(dockerfile.contains("USER 10001:10001"));
    assert!(dockerfile.contains("cargo build --release --locked"));
    assert!(dockerfile.contains(&format!("/dev/tcp/127.0.0.1/{}", admin.port())));
    assert!(dockerfile.contains("ENTRYPOINT [\"/usr/local/bin/consentry\", \"run\"]"));
    // The shipped default config compiles as the image runs it.
    let mut policy = compile(&repo_file("config/consentry.toml"), "config/consentry.toml").unwrap();
    overrides(&env).apply(&mut policy);
    assert_eq!((policy.proxy.listen, policy.admin.listen), (listen, admin));
}
