//! The deployment artifacts agree with the config they ship: the Kubernetes
//! manifests' embedded consentry.toml compiles, and ports, probes, Service
//! targets, env overrides and grace periods match it and the Dockerfile.
//! The Helm chart is rendered with `helm template` (the binary from `$HELM`,
//! `PATH` or `target/tools/helm/helm`, see deploy/helm/install-helm.sh) and
//! held to the same checks; without helm those tests are skipped, unless
//! `CONSENTRY_HELM_TESTS=required` (as in CI) makes them fail.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;
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
    parse_documents(&repo_file(path), path)
}

fn parse_documents(text: &str, label: &str) -> Vec<Value> {
    serde_norway::Deserializer::from_str(text)
        .map(|doc| Value::deserialize(doc).unwrap_or_else(|e| panic!("{label}: {e}")))
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

/// Where the listen addresses come from.
#[derive(Clone, Copy, PartialEq)]
enum Listen {
    /// The ConfigMap's file says them, and the env repeats them.
    FileAndEnv,
    /// Only the env (the chart): it wins over the file.
    Env,
}

/// The Consentry container, and whether it is a native sidecar (an
/// initContainer with `restartPolicy: Always`).
fn consentry_container<'a>(path: &str, pod: &'a Value) -> (&'a Value, bool) {
    let named = |list: &'a Value| {
        list.as_sequence()
            .into_iter()
            .flatten()
            .find(|c| c["name"] == "consentry")
    };
    match (
        named(&pod["spec"]["containers"]),
        named(&pod["spec"]["initContainers"]),
    ) {
        (Some(c), None) => {
            assert!(c["restartPolicy"].is_null(), "{path}: restartPolicy");
            (c, false)
        }
        (None, Some(c)) => {
            assert_eq!(
                c["restartPolicy"], "Always",
                "{path}: an init container that is not a native sidecar would block the pod"
            );
            let probe = &c["startupProbe"]["httpGet"];
            assert_eq!(probe["path"], "/healthz", "{path}: startupProbe");
            assert_eq!(
                resolve_port(c, &probe["port"]),
                named_port(c, "admin"),
                "{path}: startupProbe port"
            );
            (c, true)
        }
        other => panic!("{path}: one container named consentry, found {other:?}"),
    }
}

/// Everything checked for one Consentry Deployment; returns the effective
/// policy (config file plus overrides) for deployment-specific checks.
fn check_deployment(path: &str, deployment_name: &str, service_name: &str) -> (Policy, Value) {
    check_documents(
        path,
        &documents(path),
        deployment_name,
        service_name,
        Listen::FileAndEnv,
    )
}

fn check_documents(
    path: &str,
    docs: &[Value],
    deployment_name: &str,
    service_name: &str,
    listen: Listen,
) -> (Policy, Value) {
    let deployment = find(docs, "Deployment", deployment_name);
    let pod = &deployment["spec"]["template"];
    let (consentry, native) = consentry_container(path, pod);
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
        docs,
        "ConfigMap",
        str_of(&volume["configMap"]["name"], "configMap name"),
    );
    let key = config_path.file_name().unwrap().to_str().unwrap();
    let text = str_of(&config_map["data"][key], "the embedded config");
    let mut policy =
        compile(text, &format!("{path}: ConfigMap data {key}")).unwrap_or_else(|e| panic!("{e}"));
    let from_file = (policy.proxy.listen, policy.admin.listen);
    overrides(&env).apply(&mut policy);
    if listen == Listen::FileAndEnv {
        assert_eq!(
            from_file,
            (policy.proxy.listen, policy.admin.listen),
            "{path}: the env and the ConfigMap disagree on listen addresses"
        );
    }

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
    let service = find(docs, "Service", service_name);
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

    // Kubernetes' SIGKILL comes after the preStop pause and the drain; a
    // native sidecar is only stopped once the app containers have exited.
    let grace = Duration::from_secs(
        pod["spec"]["terminationGracePeriodSeconds"]
            .as_u64()
            .unwrap(),
    );
    let app_stop = if native {
        pod["spec"]["containers"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(pre_stop_sleep)
            .max()
            .unwrap_or_default()
    } else {
        Duration::ZERO
    };
    assert!(
        grace > app_stop + pre_stop_sleep(consentry) + policy.proxy.shutdown_grace,
        "{path}: terminationGracePeriodSeconds {grace:?} must exceed the app's preStop {app_stop:?} \
         (native sidecar) + Consentry's preStop + shutdown_grace {:?}",
        policy.proxy.shutdown_grace
    );

    // Locked down, with resources.
    let security = &consentry["securityContext"];
    assert_eq!(security["runAsNonRoot"], true);
    assert_eq!(security["readOnlyRootFilesystem"], true);
    assert_eq!(security["allowPrivilegeEscalation"], false);
    assert_eq!(security["runAsUser"], 10001);
    assert_eq!(security["capabilities"]["drop"][0], "ALL");
    assert_eq!(security["seccompProfile"]["type"], "RuntimeDefault");
    for kind in ["requests", "limits"] {
        assert!(
            consentry["resources"][kind]["memory"].is_string(),
            "{path}: resources.{kind}.memory"
        );
    }
    (policy, pod.clone())
}

/// The app container in front of which a sidecar Consentry sits.
fn check_sidecar(path: &str, policy: &Policy, pod: &Value) {
    // The upstream is the app container in the same pod.
    let upstream = policy.proxy.upstream.authority().unwrap();
    assert_eq!(upstream.host(), "127.0.0.1", "{path}");
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
        "{path}: the app and Consentry share the pod's network namespace: ports must differ"
    );
    // The app must outlive the requests in flight through Consentry.
    assert!(pre_stop_sleep(app) >= policy.proxy.shutdown_grace, "{path}");
}

#[test]
fn sidecar_manifest_agrees_with_its_config() {
    let path = "deploy/kubernetes/sidecar.yaml";
    let (policy, pod) = check_deployment(path, "legacy-site", "legacy-site");
    assert!(!consentry_container(path, &pod).1);
    check_sidecar(path, &policy, &pod);
}

#[test]
fn native_sidecar_manifest_agrees_with_its_config() {
    let path = "deploy/kubernetes/sidecar-native.yaml";
    let (policy, pod) = check_deployment(path, "legacy-site-native", "legacy-site-native");
    assert!(
        consentry_container(path, &pod).1,
        "{path}: a native sidecar"
    );
    check_sidecar(path, &policy, &pod);
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

/// The helm binary, or `None` (the chart tests then skip) unless
/// `CONSENTRY_HELM_TESTS=required`.
fn helm() -> Option<PathBuf> {
    let local = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/tools/helm/helm");
    let found = std::env::var_os("HELM")
        .map(PathBuf::from)
        .or_else(|| {
            Command::new("helm")
                .arg("version")
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|_| PathBuf::from("helm"))
        })
        .or_else(|| local.is_file().then_some(local));
    if found.is_none() {
        assert!(
            std::env::var("CONSENTRY_HELM_TESTS").as_deref() != Ok("required"),
            "CONSENTRY_HELM_TESTS=required but no helm: run deploy/helm/install-helm.sh"
        );
        eprintln!("SKIPPED: no helm binary (deploy/helm/install-helm.sh installs one)");
    }
    found
}

const CHART: &str = "deploy/helm/consentry";
const RELEASE: &str = "shop";

/// Runs helm in the repository with `args`, asserting success; stdout.
fn run_helm(helm: &Path, args: &[&str]) -> String {
    let out = Command::new(helm)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap_or_else(|e| panic!("{}: {e}", helm.display()));
    assert!(
        out.status.success(),
        "helm {args:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// `helm template` of the chart with `extra` arguments (values files, --set).
fn render(helm: &Path, extra: &[&str]) -> Vec<Value> {
    let mut args = vec!["template", RELEASE, CHART];
    args.extend_from_slice(extra);
    parse_documents(&run_helm(helm, &args), &format!("helm {args:?}"))
}

fn kinds(docs: &[Value]) -> Vec<&str> {
    docs.iter().map(|d| str_of(&d["kind"], "kind")).collect()
}

fn chart_name() -> String {
    format!("{RELEASE}-consentry")
}

/// The chart's defaults are the binary's: ports as in the image, the
/// grace period the binary uses when the config says none.
fn check_chart_defaults(policy: &Policy, pod: &Value) {
    let env = dockerfile_env();
    let image_listen: SocketAddr = env["CONSENTRY_LISTEN"].parse().unwrap();
    let image_admin: SocketAddr = env["CONSENTRY_ADMIN_LISTEN"].parse().unwrap();
    assert_eq!(policy.proxy.listen, image_listen);
    assert_eq!(policy.admin.listen, image_admin);
    let binary = compile("", "<empty>").unwrap();
    assert_eq!(policy.proxy.shutdown_grace, binary.proxy.shutdown_grace);
    assert_eq!(policy.proxy.idle_timeout, binary.proxy.idle_timeout);
    let pod_security = &pod["spec"]["securityContext"];
    assert_eq!(pod_security["runAsNonRoot"], true);
    assert_eq!(pod_security["seccompProfile"]["type"], "RuntimeDefault");
    assert_eq!(pod["spec"]["automountServiceAccountToken"], false);
}

#[test]
fn helm_chart_lints() {
    let Some(helm) = helm() else { return };
    run_helm(&helm, &["lint", "--strict", CHART]);
    for values in ["sidecar", "native-sidecar", "full"] {
        let file = format!("{CHART}/ci/{values}-values.yaml");
        run_helm(&helm, &["lint", "--strict", CHART, "-f", &file]);
    }
    let out = Command::new(&helm)
        .args(["template", RELEASE, CHART, "--set", "mode=gateway"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(!out.status.success(), "an unknown mode must not render");
    assert!(String::from_utf8_lossy(&out.stderr).contains("mode must be standalone or sidecar"));
}

#[test]
fn helm_chart_standalone_agrees_with_the_binary() {
    let Some(helm) = helm() else { return };
    let docs = render(&helm, &[]);
    assert_eq!(
        kinds(&docs),
        ["PodDisruptionBudget", "ConfigMap", "Service", "Deployment"]
    );
    let name = chart_name();
    let (policy, pod) = check_documents(CHART, &docs, &name, &name, Listen::Env);
    check_chart_defaults(&policy, &pod);
    assert!(!consentry_container(CHART, &pod).1);
    assert_eq!(policy.proxy.upstream.host(), Some("legacy-site"));
    let pdb = find(&docs, "PodDisruptionBudget", &name);
    let labels = pod["metadata"]["labels"].as_mapping().unwrap();
    for (k, v) in pdb["spec"]["selector"]["matchLabels"].as_mapping().unwrap() {
        assert_eq!(labels.get(k), Some(v), "PodDisruptionBudget selector {k:?}");
    }
}

#[test]
fn helm_chart_sidecars_agree_with_the_binary() {
    let Some(helm) = helm() else { return };
    let name = chart_name();
    for (values, native) in [("sidecar", false), ("native-sidecar", true)] {
        let file = format!("{CHART}/ci/{values}-values.yaml");
        let docs = render(&helm, &["-f", &file]);
        let (policy, pod) = check_documents(&file, &docs, &name, &name, Listen::Env);
        check_chart_defaults(&policy, &pod);
        assert_eq!(consentry_container(&file, &pod).1, native, "{file}");
        check_sidecar(&file, &policy, &pod);
    }
}

#[test]
fn helm_chart_optional_objects_point_at_the_right_things() {
    let Some(helm) = helm() else { return };
    let file = format!("{CHART}/ci/full-values.yaml");
    let docs = render(&helm, &["-f", &file]);
    let name = chart_name();
    let (policy, pod) = check_documents(&file, &docs, &name, &name, Listen::Env);
    let (consentry, _) = consentry_container(&file, &pod);
    assert_eq!(policy.proxy.workers, 2, "extraEnv reaches the container");
    let labels = pod["metadata"]["labels"].as_mapping().unwrap();
    let selects_pod = |selector: &Value, what: &str| {
        for (k, v) in selector.as_mapping().unwrap() {
            assert_eq!(labels.get(k), Some(v), "{what} selector {k:?}");
        }
    };

    // The ServiceMonitor scrapes /metrics on the metrics Service's admin
    // port, which leads to the admin listener.
    let monitor = find(&docs, "ServiceMonitor", &name);
    let endpoint = &monitor["spec"]["endpoints"][0];
    assert_eq!(endpoint["path"], "/metrics");
    let metrics = find(&docs, "Service", &format!("{name}-metrics"));
    for (k, v) in monitor["spec"]["selector"]["matchLabels"]
        .as_mapping()
        .unwrap()
    {
        assert_eq!(metrics["metadata"]["labels"].get(k), Some(v));
    }
    assert!(
        find(&docs, "Service", &name)["metadata"]["labels"]
            .get("app.kubernetes.io/component")
            .is_none(),
        "the ServiceMonitor must not scrape the public Service"
    );
    selects_pod(&metrics["spec"]["selector"], "metrics Service");
    let port = metrics["spec"]["ports"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|p| p["name"] == endpoint["port"])
        .expect("the monitored port");
    assert_eq!(
        resolve_port(consentry, &port["targetPort"]),
        policy.admin.listen.port()
    );

    let hpa = find(&docs, "HorizontalPodAutoscaler", &name);
    assert_eq!(hpa["spec"]["scaleTargetRef"]["kind"], "Deployment");
    assert_eq!(hpa["spec"]["scaleTargetRef"]["name"], name.as_str());
    assert!(
        find(&docs, "Deployment", &name)["spec"]["replicas"].is_null(),
        "with an HPA the Deployment leaves replicas to it"
    );

    let policy_object = find(&docs, "NetworkPolicy", &name);
    selects_pod(
        &policy_object["spec"]["podSelector"]["matchLabels"],
        "NetworkPolicy",
    );
    let allowed: Vec<u16> = policy_object["spec"]["ingress"]
        .as_sequence()
        .unwrap()
        .iter()
        .flat_map(|rule| rule["ports"].as_sequence().unwrap())
        .map(|p| resolve_port(consentry, &p["port"]))
        .collect();
    assert_eq!(
        allowed,
        [policy.proxy.listen.port(), policy.admin.listen.port()]
    );

    let route = find(&docs, "HTTPRoute", &name);
    let backend = &route["spec"]["rules"][0]["backendRefs"][0];
    let service = find(&docs, "Service", &name);
    assert_eq!(backend["name"], name.as_str());
    assert_eq!(backend["port"], service["spec"]["ports"][0]["port"]);
}

#[test]
fn helm_chart_uses_an_existing_config_map() {
    let Some(helm) = helm() else { return };
    let docs = render(&helm, &["--set", "config.existingConfigMap=site-consentry"]);
    assert!(!kinds(&docs).contains(&"ConfigMap"));
    let pod = &find(&docs, "Deployment", &chart_name())["spec"]["template"];
    let volume = pod["spec"]["volumes"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|v| v["name"] == "consentry-config")
        .unwrap();
    assert_eq!(volume["configMap"]["name"], "site-consentry");
}
