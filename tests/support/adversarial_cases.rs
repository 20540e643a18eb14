//! The adversarial pages, shared by `tests/adversarial.rs` (the rewriter
//! alone) and `tests/browser.rs` (what Chromium fetches through the proxy).

#![allow(dead_code)]

/// One tracker (with what of it must be gone) and its first-party twin.
pub struct Case {
    pub name: &'static str,
    pub tracker: &'static str,
    pub gone: &'static str,
    pub twin: &'static str,
}

pub const CASES: &[Case] = &[
    Case {
        name: "character references in the URL",
        tracker: r#"<script src="https:&#x2F;&#x2F;www.google-analytics.com/analytics.js"></script>"#,
        gone: "google-analytics",
        twin: r#"<script src="https:&#x2F;&#x2F;www.example.org/analytics.js"></script>"#,
    },
    Case {
        name: "named references in the URL",
        tracker: r#"<script src="https&colon;//www&period;google-analytics&period;com/analytics.js"></script>"#,
        gone: "google-analytics",
        twin: r#"<script src="https&colon;//www&period;example&period;org/analytics.js"></script>"#,
    },
    Case {
        name: "newline and tab in the host",
        tracker: "<script src=\"https://www.google-\n\tanalytics.com/analytics.js\"></script>",
        gone: "analytics.com",
        twin: "<script src=\"https://www.exam\n\tple.org/analytics.js\"></script>",
    },
    Case {
        name: "percent-encoded dots in the host",
        tracker: r#"<img src="https://www.facebook%2Ecom/tr?id=1&amp;ev=PageView">"#,
        gone: "facebook",
        twin: r#"<img src="https://www%2Eexample.org/tr?id=1">"#,
    },
    Case {
        name: "backslashes",
        tracker: r#"<script src="\\www.googletagmanager.com\gtm.js?id=GTM-X"></script>"#,
        gone: "googletagmanager",
        twin: r#"<script src="\\www.example.org\gtm.js?id=GTM-X"></script>"#,
    },
    Case {
        name: "ideographic full stop in the host",
        tracker: "<script src=\"https://www.google-analytics\u{3002}com/analytics.js\"></script>",
        gone: "google-analytics",
        twin: "<script src=\"https://www.example\u{3002}org/analytics.js\"></script>",
    },
    Case {
        name: "srcset",
        tracker: r#"<img src="/a.png" srcset="/a.png 1x, https://www.facebook.com/tr?id=1 2x">"#,
        gone: "facebook",
        twin: r#"<img src="/a.png" srcset="/a.png 1x, /a@2x.png 2x">"#,
    },
    Case {
        name: "imagesrcset on a preload",
        tracker: r#"<link rel="preload" as="image" href="/a.png" imagesrcset="https://www.facebook.com/tr?id=1 1x">"#,
        gone: "facebook",
        twin: r#"<link rel="preload" as="image" href="/a.png" imagesrcset="/a.png 1x, /b.png 2x">"#,
    },
    Case {
        name: "<image> read as img",
        tracker: r#"<p><image src="https://www.facebook.com/tr?id=1"></p>"#,
        gone: "facebook",
        twin: r#"<p><image src="/logo.png"></p>"#,
    },
    Case {
        name: "SVG script href",
        tracker: r#"<svg><script href="https://www.googletagmanager.com/gtm.js?id=GTM-X"></script></svg>"#,
        gone: "googletagmanager",
        twin: r#"<svg><script href="/app.js"></script></svg>"#,
    },
    Case {
        name: "SVG script xlink:href",
        tracker: r#"<svg><script xlink:href="https://www.googletagmanager.com/gtm.js?id=GTM-X"/></svg>"#,
        gone: "googletagmanager",
        twin: r#"<svg><script xlink:href="/app.js"/></svg>"#,
    },
    Case {
        name: "SVG image href",
        tracker: r#"<svg><image href="https://www.facebook.com/tr?id=1"></image><circle r="1"/></svg>"#,
        gone: "facebook",
        twin: r#"<svg><image href="/logo.svg"></image><circle r="1"/></svg>"#,
    },
    Case {
        name: "inline SVG script with character references",
        tracker: "<svg><script>fbq(&#39;init&#39;, &#39;1&#39;);</script></svg>",
        gone: "init",
        twin: "<svg><script>app(&#39;init&#39;, &#39;1&#39;);</script></svg>",
    },
    Case {
        name: "iframe srcdoc",
        tracker: r#"<iframe srcdoc="<p>hi</p><script src=&quot;https://www.googletagmanager.com/gtm.js?id=GTM-X&quot;></script>"></iframe>"#,
        gone: "googletagmanager",
        twin: r#"<iframe srcdoc="<p>hi</p><script src=&quot;/app.js&quot;></script>"></iframe>"#,
    },
    Case {
        name: "base href",
        tracker: r#"<base href="https://www.googletagmanager.com/"><script src="gtm.js?id=GTM-X"></script>"#,
        gone: "gtm.js",
        twin: r#"<base href="https://static.example.org/"><script src="gtm.js?id=GTM-X"></script>"#,
    },
    Case {
        name: "lazy-loading data-src on an image",
        tracker: r#"<img src="/blank.gif" data-src="https://www.facebook.com/tr?id=1" class="lazy">"#,
        gone: "facebook",
        twin: r#"<img src="/blank.gif" data-src="/photo.jpg" class="lazy">"#,
    },
    Case {
        name: "lazy-loading data-original and data-lazy-src",
        tracker: r#"<img data-original="https://www.facebook.com/tr?id=1"><img data-lazy-src="https://www.facebook.com/tr?id=2">"#,
        gone: "facebook",
        twin: r#"<img data-original="/a.jpg"><img data-lazy-src="/b.jpg">"#,
    },
    Case {
        name: "lazy-loading data-srcset",
        tracker: r#"<img src="/a.png" data-srcset="https://www.facebook.com/tr?id=1 1x">"#,
        gone: "facebook",
        twin: r#"<img src="/a.png" data-srcset="/a.png 1x">"#,
    },
    Case {
        name: "lazy-loading data-lazy-srcset (WP Rocket)",
        tracker: r#"<picture><source data-lazy-srcset="https://www.facebook.com/tr?id=1 1x"><img data-lazy-srcset="https://www.facebook.com/tr?id=2 2x"></picture>"#,
        gone: "facebook",
        twin: r#"<picture><source data-lazy-srcset="/a.webp 1x"><img data-lazy-srcset="/a.png 2x"></picture>"#,
    },
    Case {
        name: "meta refresh",
        tracker: r#"<meta http-equiv="Refresh" content="0; URL='https://www.facebook.com/tr?id=1'">"#,
        gone: "facebook",
        twin: r#"<meta http-equiv="Refresh" content="0; URL='/next'">"#,
    },
    Case {
        name: "ping",
        tracker: r#"<a href="/x" ping="/p https://www.google-analytics.com/collect?v=1">x</a>"#,
        gone: "google-analytics",
        twin: r#"<a href="/x" ping="/p /q">x</a>"#,
    },
    Case {
        name: "poster",
        tracker: r#"<video src="/v.mp4" poster="https://www.facebook.com/tr?id=1"></video>"#,
        gone: "facebook",
        twin: r#"<video src="/v.mp4" poster="/v.jpg"></video>"#,
    },
    Case {
        name: "background",
        tracker: r#"<table background="https://www.facebook.com/tr?id=1"><tr><td>x</td></tr></table>"#,
        gone: "facebook",
        twin: r#"<table background="/bg.png"><tr><td>x</td></tr></table>"#,
    },
    Case {
        name: "onload handler that loads a tag",
        tracker: r#"<img src="/a.png" onload="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)">"#,
        gone: "googletagmanager",
        twin: r#"<img src="/a.png" onload="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)">"#,
    },
    Case {
        name: "javascript: URL in an iframe",
        tracker: r#"<iframe src="javascript:document.write('<script src=https://www.googletagmanager.com/gtm.js?id=GTM-X></script>')"></iframe>"#,
        gone: "googletagmanager",
        twin: r#"<iframe src="javascript:document.write('<script src=/app.js></script>')"></iframe>"#,
    },
    Case {
        name: "CSS url() in a style attribute",
        tracker: r#"<div style="width:1px;background:url(https://www.facebook.com/tr?id=1) no-repeat">x</div>"#,
        gone: "facebook",
        twin: r#"<div style="width:1px;background:url(/bg.png) no-repeat">x</div>"#,
    },
    Case {
        name: "CSS url() in a style attribute, with references",
        tracker: r#"<div style="background:url(&quot;https://www.facebook.com/tr?id=1&quot;)">x</div>"#,
        gone: "facebook",
        twin: r#"<div style="background:url(&quot;/bg.png&quot;)">x</div>"#,
    },
    Case {
        name: "CSS url() and @import in a style block",
        tracker: r#"<style>@import "https://www.facebook.com/tr?id=1"; .a{background:URL( 'https://www.facebook.com/tr?id=2' )}</style>"#,
        gone: "facebook",
        twin: r#"<style>@import "/site.css"; .a{background:URL( '/bg.png' )} /* url(https://www.facebook.com/tr) */</style>"#,
    },
    Case {
        name: "link rels",
        tracker: r#"<link rel="modulepreload" href="https://www.googletagmanager.com/gtm.js"><link rel="dns-prefetch" href="//www.google-analytics.com"><link rel="stylesheet" href="https://www.googletagmanager.com/x.css">"#,
        gone: "google",
        twin: r#"<link rel="modulepreload" href="/m.js"><link rel="dns-prefetch" href="//cdn.example.org"><link rel="stylesheet" href="/s.css">"#,
    },
    Case {
        name: "object data",
        tracker: r#"<object data="https://www.googletagmanager.com/ns.html?id=GTM-X"><p>fallback</p></object><p>after</p>"#,
        gone: "googletagmanager",
        twin: r#"<object data="/movie.swf"><p>fallback</p></object><p>after</p>"#,
    },
    Case {
        name: "event handlers that fire on their own (toggle, SMIL, media progress)",
        tracker: r#"<details open ontoggle="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)"><summary>x</summary></details><svg><animate onbegin="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)"/></svg><video preload="auto" onprogress="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)"></video>"#,
        gone: "googletagmanager",
        twin: r#"<details open ontoggle="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)"><summary>x</summary></details><svg><animate onbegin="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)"/></svg><video preload="auto" onprogress="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)"></video>"#,
    },
    Case {
        name: "link rels icon, manifest and compression-dictionary",
        tracker: r#"<link rel="icon" href="https://www.facebook.com/tr?id=1"><link rel="manifest" href="https://www.facebook.com/tr?id=2"><link rel="compression-dictionary" href="https://www.facebook.com/tr?id=3">"#,
        gone: "facebook",
        twin: r#"<link rel="icon" href="/favicon.ico"><link rel="manifest" href="/site.webmanifest"><link rel="compression-dictionary" href="/dict">"#,
    },
    Case {
        name: "CSS url() and @import written with escapes",
        tracker: r#"<div style="background:\75 rl(https://www.facebook.com/tr?id=1)">x</div><style>p{background:u\72l(https://www.facebook.com/tr?id=2)}</style><style>@\69mport "https://www.facebook.com/tr?id=3";</style>"#,
        gone: "facebook",
        twin: r#"<div style="background:\75 rl(/a.png)">x</div><style>p{background:u\72l(/b.png)}</style><style>@\69mport "/c.css";</style>"#,
    },
    Case {
        name: "CSS url( with a character reference, image-set candidates, escaped quotes",
        tracker: r#"<div style="background:url&#40;https://www.facebook.com/tr?id=1)">x</div><p style='background:image-set("/a.png" 2x, "https://www.facebook.com/tr?id=2" 1x)'>y</p><p style='--a:\"; background:url(https://www.facebook.com/tr?id=3)'>z</p>"#,
        gone: "facebook",
        twin: r#"<div style="background:url&#40;/a.png)">x</div><p style='background:image-set("/a.png" 2x, "/b.png" 1x)'>y</p><p style='--a:\"; background:url(/c.png)'>z</p>"#,
    },
    Case {
        name: "iframe srcdoc inherits the document's base URL",
        tracker: r#"<base href="https://www.googletagmanager.com/"><iframe srcdoc="<script src=gtm.js?id=GTM-X></script>"></iframe>"#,
        gone: "gtm.js",
        twin: r#"<base href="https://cdn.example.org/"><iframe srcdoc="<script src=app.js></script>"></iframe>"#,
    },
    Case {
        name: "import maps and speculation rules",
        tracker: r#"<script type="importmap">{"imports":{"gtm":"https://www.googletagmanager.com/gtm.js?id=GTM-X"}}</script><script type=module>import 'gtm'</script><script type="speculationrules">{"prefetch":[{"source":"list","urls":["https://www.facebook.com/tr?id=1"]}]}</script>"#,
        gone: "https://www.",
        twin: r#"<script type="importmap">{"imports":{"app":"/js/app.js","lib":"https://cdn.example.org/lib.js"}}</script><script type=module>import 'app'</script><script type="speculationrules">{"prefetch":[{"source":"list","urls":["/next"]}]}</script>"#,
    },
    Case {
        name: "SVG filter image, animated href, presentation url()",
        tracker: r#"<svg cursor="url(https://www.facebook.com/tr?id=0), auto"><filter id="f"><feImage href="https://www.facebook.com/tr?id=1"/></filter><image href="/a.svg"><set attributeName="href" to="https://www.facebook.com/tr?id=2" begin="1s"/><animate attributeName="xlink:href" values="/a.svg;https://www.facebook.com/tr?id=3" dur="2s"/></image><rect fill="url(https://www.facebook.com/tr?id=4#p)" width="1" height="1"/></svg>"#,
        gone: "facebook.com/tr",
        twin: r#"<svg cursor="url(/img/c.png), auto"><filter id="f"><feImage href="/img/bg.png"/></filter><image href="/a.svg"><set attributeName="href" to="/b.svg" begin="1s"/><animate attributeName="xlink:href" values="/a.svg;/c.svg" dur="2s"/></image><rect fill="url(#p)" width="1" height="1"/></svg>"#,
    },
    Case {
        name: "SVG style, with and without character references",
        tracker: r#"<svg><style>rect{fill:url(https://www.facebook.com/tr&#x3F;id=1)}</style><style>circle{fill:url(https://www.facebook.com/tr?id=2)}</style><rect/></svg>"#,
        gone: "facebook.com/tr",
        twin: r#"<svg><style>rect{fill:url(/img/p.svg&#x23;p)}</style><style>circle{fill:url(/img/q.svg#q)}</style><rect/></svg>"#,
    },
    Case {
        name: "MathML glyph image",
        tracker: r#"<math><mglyph src="https://www.facebook.com/tr?id=1"/></math>"#,
        gone: "facebook.com/tr",
        twin: r#"<math><mglyph src="/img/glyph.png"/></math>"#,
    },
    Case {
        name: "code and styles in data: URLs",
        tracker: r#"<script src="data:text/javascript,fbq(%27init%27,%20%271%27)"></script><script src="data:;base64,ZmJxKCdpbml0JywgJzEnKTs="></script><link rel="stylesheet" href="data:text/css,body{background:url(https://www.facebook.com/tr?id=1)}">"#,
        gone: "data:",
        twin: r#"<script src="data:text/javascript,app(%27init%27,%20%271%27)"></script><script src="data:;base64,YXBwKCdpbml0JywgJzEnKTs="></script><link rel="stylesheet" href="data:text/css,body{background:url(/img/bg.png)}">"#,
    },
    Case {
        name: "a loader in a handler a passing pointer fires",
        tracker: r#"<body onmousemove="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)"><p>x</p></body>"#,
        gone: "googletagmanager",
        twin: r#"<body onmousemove="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)"><p>x</p></body>"#,
    },
    Case {
        name: "documents in data: URLs",
        tracker: r#"<iframe src="data:text/html,<script src=https://www.googletagmanager.com/gtm.js?id=GTM-X></script>"></iframe><iframe src="data:text/html;base64,PHNjcmlwdCBzcmM9aHR0cHM6Ly93d3cuZ29vZ2xldGFnbWFuYWdlci5jb20vZ3RtLmpzP2lkPUdUTS1YPjwvc2NyaXB0Pg=="></iframe><object data="data:text/html,%3Cimg src=https://www.googletagmanager.com/p.gif%3E"></object>"#,
        gone: "googletagmanager",
        twin: r#"<iframe src="data:text/html,<script src=/app.js></script>"></iframe><iframe src="data:text/html;base64,PHNjcmlwdCBzcmM9L2FwcC5qcz48L3NjcmlwdD4="></iframe><object data="data:text/html,%3Cimg src=/p.gif%3E"></object>"#,
    },
    Case {
        name: "template content is enforced",
        tracker: r#"<template><script src="https://www.google-analytics.com/analytics.js"></script></template>"#,
        gone: "google-analytics",
        twin: r#"<template><script src="/analytics.js"></script></template>"#,
    },
    Case {
        name: "script end hidden in an escaped comment",
        tracker: "<script><!--<script></script>--></script><script src=\"https://www.google-analytics.com/analytics.js\"></script>",
        gone: "google-analytics",
        twin: "<script><!--<script></script>--></script><script src=\"/analytics.js\"></script>",
    },
];

/// Pages that mention trackers where no browser would fetch them: kept byte for byte.
pub const INERT: &[&str] = &[
    // A `<base>` in a template sets nothing: these load first party.
    r#"<template><base href="https://www.googletagmanager.com/"></template><script src="/js/app.js"></script><img src="/img/logo.png">"#,
    r#"<style>.a{--icon: myurl(https://www.facebook.com/tr);}</style>"#,
    r#"<!-- <script src="https://www.google-analytics.com/analytics.js"></script> -->"#,
    r#"<!--><script src="/a.js"></script>"#,
    r#"<script type="application/json">{"u":"https://www.google-analytics.com/analytics.js"}</script>"#,
    r#"<script type="text/plain" data-category="analytics" src="https://www.google-analytics.com/analytics.js"></script>"#,
    r#"<iframe data-category="marketing" data-src="https://www.youtube.com/embed/x"></iframe>"#,
    r#"<textarea><img src="https://www.facebook.com/tr?id=1"></textarea>"#,
    r#"<title><script src="https://www.google-analytics.com/ga.js"></script></title>"#,
    r#"<a href="https://www.facebook.com/tr?id=1" onclick="track('https://www.google-analytics.com')">x</a>"#,
    r#"<div title="url(https://www.facebook.com/tr)">x</div>"#,
    r#"<svg><![CDATA[<img src="https://www.facebook.com/tr?id=1">]]></svg>"#,
    // SVG links navigate; an animation of something else loads nothing.
    r#"<svg><a href="https://www.facebook.com/tr?id=1"><text>x</text></a><rect><set attributeName="title" to="https://www.facebook.com/tr"/></rect></svg>"#,
    r#"<math><annotation-xml encoding="text/html"><textarea><img src="https://www.facebook.com/tr"></textarea></annotation-xml></math>"#,
];
