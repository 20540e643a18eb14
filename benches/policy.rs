//! Policy-core costs per request: consent decoding and cookie decisions.

use std::hint::black_box;

use consentry::config::Policy;
use consentry::policy::request_cookies::RequestCookies;
use criterion::{criterion_group, criterion_main, Criterion};

/// Cookie headers a real visitor might send, one per consent source.
const HEADERS: &[(&str, &str)] = &[
    ("none", "_ga=GA1.2.1234567890.1700000000; sessionid=abc123; _fbp=fb.1.1700000000.123"),
    ("consentry", "consentry=analytics%2Cpreferences; _ga=GA1.2.1.1; sessionid=abc"),
    (
        "onetrust",
        "OptanonConsent=isGpcEnabled=0&datestamp=Fri+Mar+07+2025+19%3A51%3A06+GMT%2B0100&version=202409.1.0&isIABGlobal=false&hosts=&consentId=f9c105b8-48e3-401a-87e9-363ad1f77531&interactionCount=1&landingPath=NotLandingPage&groups=C0001%3A1%2CC0002%3A1%2CC0004%3A0; _ga=GA1.2.1.1",
    ),
    (
        "tcf",
        "euconsent-v2=CQGvNMAQGvNMAAHABBENBMFsAP_gAEPgAAAAKbtV_G__bXlr-b73aftkeYxP9_hr7sQxBgbJk24FzLvW_JwX32E7NAzatqYKmRIAu3TBIQNlHJDURVCgaogVrzDMaEyUoTtKJ6BkiFMRY2dYCFxvm4tjeQCY5vr991d52R-t7dr83dzyy4hHn3a5_2S0WJCdA5-tDfv9bROb-9IOd_x8v4v4_F_pE2_eT1l_tWvp7D9-cts7_XW89_fff_9Ln_-uB_-_2AAAAAAAAAAAAAA; _ga=GA1.2.1.1",
    ),
];

fn consent(c: &mut Criterion) {
    let policy = Policy::builtin();
    let mut group = c.benchmark_group("consent_decode");
    for (name, header) in HEADERS {
        group.bench_function(*name, |b| {
            b.iter(|| {
                let cookies = RequestCookies::parse(black_box(header));
                black_box(policy.decide(&cookies, |_| None))
            })
        });
    }
    group.finish();
}

fn cookies(c: &mut Criterion) {
    let policy = Policy::builtin();
    let granted = consentry::policy::category::CategorySet::NECESSARY_ONLY;
    let set_cookies: &[&[u8]] = &[
        b"_ga=GA1.2.1234567890.1700000000; Path=/; Domain=.example.com; Max-Age=63072000; SameSite=Lax",
        b"_fbp=fb.1.1700000000.123; Path=/; Max-Age=7776000",
        b"sessionid=abc123; Path=/; HttpOnly; Secure; SameSite=Lax",
        b"_hjSessionUser_123=eyJpZCI6IjEyMyJ9; Path=/; Max-Age=31536000",
        b"unknown_cookie=1; Path=/",
    ];
    c.bench_function("set_cookie_decide/5_headers", |b| {
        b.iter(|| {
            for value in set_cookies {
                black_box(policy.cookies.decide_set_cookie(black_box(value), granted));
            }
        })
    });
    let header = HEADERS[0].1;
    c.bench_function("request_cookies_filter", |b| {
        b.iter(|| {
            let cookies = RequestCookies::parse(black_box(header));
            black_box(policy.cookies.filter_request(&cookies, granted))
        })
    });
}

criterion_group!(benches, consent, cookies);
criterion_main!(benches);
