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
        name: "loaders in handlers the visitor triggers: a click, a key, a change",
        tracker: r#"<a href="/x" onclick="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)">x</a><button ONCLICK="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)">y</button><input onchange="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)" onkeydown="new Image().src='https://www.googletagmanager.com/p.gif'"><form onsubmit="navigator.sendBeacon('https://www.googletagmanager.com/b')"></form>"#,
        gone: "googletagmanager",
        twin: r#"<a href="/x" onclick="var s=document.createElement('script');s.src='/js/app.js';document.head.appendChild(s)">x</a><button ONCLICK="var s=document.createElement('script');s.src='/js/app.js';document.head.appendChild(s)">y</button><input onchange="var s=document.createElement('script');s.src='/js/app.js';document.head.appendChild(s)" onkeydown="new Image().src='/p.gif'"><form onsubmit="navigator.sendBeacon('/b')"></form>"#,
    },
    Case {
        name: "javascript: URLs in links, spelled with references, a newline, upper case, in SVG",
        tracker: r#"<a href="javascript:var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)">x</a><a href=" java&#x0A;script&colon;void(new Image().src='https://www.googletagmanager.com/p.gif')">y</a><map><area href="JAVASCRIPT:navigator.sendBeacon('https://www.googletagmanager.com/b')"></map><svg><a xlink:href="javascript:new Image().src='https://www.googletagmanager.com/p.gif'"><text>z</text></a></svg>"#,
        gone: "googletagmanager",
        twin: r#"<a href="javascript:var s=document.createElement('script');s.src='/js/app.js';document.head.appendChild(s)">x</a><a href=" java&#x0A;script&colon;void(new Image().src='/p.gif')">y</a><map><area href="JAVASCRIPT:navigator.sendBeacon('/b')"></map><svg><a xlink:href="javascript:new Image().src='/p.gif'"><text>z</text></a></svg>"#,
    },
    Case {
        name: "a loader whose result a script assigns: the Twitter widgets snippet",
        tracker: r#"<script>window.twttr = (function(d, s, id) { var js, fjs = d.getElementsByTagName(s)[0], t = window.twttr || {}; if (d.getElementById(id)) return t; js = d.createElement(s); js.id = id; js.src = "https://platform.twitter.com/widgets.js"; fjs.parentNode.insertBefore(js, fjs); t._e = []; t.ready = function(f) { t._e.push(f); }; return t; }(document, "script", "twitter-wjs"));</script>"#,
        gone: "platform.twitter.com",
        twin: r#"<script>window.twttr = (function(d, s, id) { var js, fjs = d.getElementsByTagName(s)[0], t = window.twttr || {}; if (d.getElementById(id)) return t; js = d.createElement(s); js.id = id; js.src = "/js/widgets.js"; fjs.parentNode.insertBefore(js, fjs); t._e = []; t.ready = function(f) { t._e.push(f); }; return t; }(document, "script", "site-widgets"));</script>"#,
    },
    Case {
        name: "a tracker host split across strings the script glues (+, an array's join)",
        tracker: r#"<script>var s=document.createElement('script');s.src='https://www.google' + 'tagmanager.com/js/app.js';document.head.appendChild(s)</script><script>var a=document.createElement("script");a.src=["https://www.","googletag","manager.com/js/app.js"].join("");document.head.appendChild(a)</script>"#,
        gone: "googletag",
        twin: r#"<script>var s=document.createElement('script');s.src='https://www.exam' + 'ple.org/js/app.js';document.head.appendChild(s)</script><script>var a=document.createElement("script");a.src=["https://www.","exam","ple.org/js/app.js"].join("");document.head.appendChild(a)</script>"#,
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
    Case {
        name: "media elements: video, audio, source, track, input image",
        tracker: r#"<video src="https://www.facebook.com/tr?id=1" autoplay muted></video><audio src="https://www.facebook.com/tr?id=2"></audio><video><source src="https://www.facebook.com/tr?id=3" type="video/mp4"></video><picture><source srcset="https://www.facebook.com/tr?id=4 1x" media="(min-width: 1px)"><img src="/a.png"></picture><video src="/v.mp4"><track default kind="captions" src="https://www.facebook.com/tr?id=5"></video><input type="image" src="https://www.facebook.com/tr?id=6" alt="go">"#,
        gone: "facebook",
        twin: r#"<video src="/v.mp4" autoplay muted></video><audio src="/a.mp3"></audio><video><source src="/v.webm" type="video/webm"></video><picture><source srcset="/a.webp 1x" media="(min-width: 1px)"><img src="/a.png"></picture><video src="/v.mp4"><track default kind="captions" src="/v.vtt"></video><input type="image" src="/go.png" alt="go">"#,
    },
    Case {
        name: "embed and frame",
        tracker: r#"<embed src="https://www.googletagmanager.com/ns.html?id=GTM-X"><frameset cols="*"><frame src="https://www.googletagmanager.com/ns.html?id=GTM-Y"></frameset>"#,
        gone: "googletagmanager",
        twin: r#"<embed src="/movie.html"><frameset cols="*"><frame src="/frame.html"></frameset>"#,
    },
    Case {
        name: "body and cell backgrounds",
        tracker: r#"<body background="https://www.facebook.com/tr?id=1"><table><tr><td background="https://www.facebook.com/tr?id=2">x</td><th background="https://www.facebook.com/tr?id=3">y</th></tr></table></body>"#,
        gone: "facebook",
        twin: r#"<body background="/bg.png"><table><tr><td background="/td.png">x</td><th background="/th.png">y</th></tr></table></body>"#,
    },
    Case {
        name: "URL spellings: scheme-relative upper case, default port, root dot, no slashes",
        tracker: r#"<script src="//WWW.GOOGLE-ANALYTICS.COM/analytics.js"></script><script src="https://www.google-analytics.com:443/analytics.js"></script><script src="https://www.google-analytics.com./analytics.js"></script><script src="https:www.google-analytics.com/analytics.js"></script><script src="HTTPS:/\www.google-analytics.com/analytics.js"></script>"#,
        gone: "google-analytics",
        twin: r#"<script src="//WWW.EXAMPLE.ORG/analytics.js"></script><script src="https://www.example.org:443/analytics.js"></script><script src="https://www.example.org./analytics.js"></script><script src="https:www.example.org/analytics.js"></script><script src="HTTPS:/\www.example.org/analytics.js"></script>"#,
    },
    Case {
        name: "IDNA mappings: fullwidth letters and dot, soft hyphen",
        tracker: "<script src=\"https://\u{ff57}\u{ff57}\u{ff57}.google-analytics.com/analytics.js\"></script><script src=\"https://www.google-analytics\u{ff0e}com/analytics.js\"></script><script src=\"https://www.google-analyt\u{ad}ics.com/analytics.js\"></script><script src=\"https://www.google-analyt&shy;ics.com/analytics.js\"></script>",
        gone: "analytics.com/",
        twin: "<script src=\"https://\u{ff57}\u{ff57}\u{ff57}.example.org/analytics.js\"></script><script src=\"https://www.example\u{ff0e}org/analytics.js\"></script><script src=\"https://www.exam\u{ad}ple.org/analytics.js\"></script><script src=\"https://www.exam&shy;ple.org/analytics.js\"></script>",
    },
    Case {
        name: "numeric references without semicolons",
        tracker: r#"<script src="https:&#47&#x2F;www.google-analytics.com&#x2f/analytics.js"></script><img src="https://www.facebook&#46com/tr?id=1">"#,
        gone: "google-analytics",
        twin: r#"<script src="https:&#47&#x2F;www.example.org&#x2f/analytics.js"></script><img src="https://www.example&#46org/tr?id=1">"#,
    },
    Case {
        name: "meta refresh spellings",
        tracker: "<META HTTP-EQUIV=\"REFRESH\" CONTENT=\"0;URL=https://www.facebook.com/tr?id=1\"><meta http-equiv=\"refresh\" content=\" 1 , url = 'https://www.facebook.com/tr?id=2' \"><meta http-equiv=\"refresh\" content=\"0 https://www.facebook.com/tr?id=3\"><meta http-equiv=\"refresh\" content=\"0\turl=https://www.facebook.com/tr?id=4\">",
        gone: "facebook",
        twin: "<META HTTP-EQUIV=\"REFRESH\" CONTENT=\"0;URL=/next\"><meta http-equiv=\"refresh\" content=\" 1 , url = '/next' \"><meta http-equiv=\"refresh\" content=\"0 /next\"><meta http-equiv=\"refresh\" content=\"0\turl=/next\">",
    },
    Case {
        name: "module and dynamic imports, document.write",
        tracker: r#"<script type="module">import 'https://www.googletagmanager.com/gtag/js?id=G-X';</script><script>import('https://connect.facebook.net/en_US/fbevents.js')</script><script type=module src="https://www.googletagmanager.com/gtag/js?id=G-Y"></script><script>document.write('<script src="https://www.google-analytics.com/analytics.js"><\/script>')</script><script async defer src="https://www.google-analytics.com/ga.js"></script>"#,
        gone: "https://",
        twin: r#"<script type="module">import '/js/app.js';</script><script>import('/js/lazy.js')</script><script type=module src="/js/main.js"></script><script>document.write('<script src="/js/legacy.js"><\/script>')</script><script async defer src="/js/ga.js"></script>"#,
    },
    Case {
        name: "handlers that fire on their own: errors, autofocus, SVG and body load, link and style load",
        tracker: r#"<img src="/missing.png" onerror="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)"><input autofocus onfocus="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)"><svg onload="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)"></svg><body onload="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)"><iframe src="/f.html" onload="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)"></iframe><link rel="stylesheet" href="/s.css" onload="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)"><style onload="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)">p{}</style><div style="animation:spin 1s" onanimationstart="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)"></div><input autofocus onfocusin="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)">"#,
        gone: "googletagmanager",
        twin: r#"<img src="/missing.png" onerror="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)"><input autofocus onfocus="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)"><svg onload="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)"></svg><body onload="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)"><iframe src="/f.html" onload="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)"></iframe><link rel="stylesheet" href="/s.css" onload="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)"><style onload="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)">p{}</style><div style="animation:spin 1s" onanimationstart="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)"></div><input autofocus onfocusin="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)">"#,
    },
    Case {
        name: "media events a playing video fires: pause at its end, seeks to a fragment, cue changes",
        tracker: r#"<video src="/v.mp4" autoplay muted onpause="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)"></video><video src="/v.mp4#t=2" onseeking="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)" onseeked="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)"></video><video src="/v.mp4" autoplay muted><track default src="/v.vtt" oncuechange="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)"></video>"#,
        gone: "googletagmanager",
        twin: r#"<video src="/v.mp4" autoplay muted onpause="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)"></video><video src="/v.mp4#t=2" onseeking="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)" onseeked="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)"></video><video src="/v.mp4" autoplay muted><track default src="/v.vtt" oncuechange="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)"></video>"#,
    },
    Case {
        name: "CSS fetches: @font-face, cursor, list, border, mask, uppercase @IMPORT",
        tracker: r#"<style>@IMPORT url("https://www.facebook.com/tr?id=0") print;@font-face{font-family:x;src:url(https://www.facebook.com/tr?id=1) format("woff2")}</style><ul style="list-style-image:url('https://www.facebook.com/tr?id=2');cursor:url(https://www.facebook.com/tr?id=3),auto"><li style="border-image:url(https://www.facebook.com/tr?id=4) 30;-webkit-mask-image:-webkit-image-set('https://www.facebook.com/tr?id=5' 1x)">x</li></ul>"#,
        gone: "facebook",
        twin: r#"<style>@IMPORT url("/print.css") print;@font-face{font-family:x;src:url(/f.woff2) format("woff2")}</style><ul style="list-style-image:url('/li.png');cursor:url(/c.png),auto"><li style="border-image:url(/b.png) 30;-webkit-mask-image:-webkit-image-set('/m.png' 1x)">x</li></ul>"#,
    },
    Case {
        name: "HTML scripts at integration points in SVG and MathML",
        tracker: r#"<svg><foreignObject><script src="https://www.google-analytics.com/analytics.js"></script></foreignObject><desc><script src="https://www.google-analytics.com/ga.js"></script></desc></svg><math><mtext><script src="https://www.google-analytics.com/urchin.js"></script></mtext><annotation-xml encoding="text/html"><script src="https://www.googletagmanager.com/gtm.js?id=GTM-X"></script></annotation-xml></math><svg><img src="https://www.facebook.com/tr?id=1"></svg>"#,
        gone: "https://www.",
        twin: r#"<svg><foreignObject><script src="/a.js"></script></foreignObject><desc><script src="/b.js"></script></desc></svg><math><mtext><script src="/c.js"></script></mtext><annotation-xml encoding="text/html"><script src="/d.js"></script></annotation-xml></math><svg><img src="/e.png"></svg>"#,
    },
    Case {
        name: "listing is not raw text",
        tracker: r#"<listing><img src="https://www.facebook.com/tr?id=1"></listing>"#,
        gone: "facebook",
        twin: r#"<listing><img src="/a.png"></listing>"#,
    },
    Case {
        name: "tag and attribute spellings: slashes, upper case, unquoted, line breaks, form feed",
        tracker: "<script/src=https://www.google-analytics.com/analytics.js></script><SCRIPT SRC=\"https://www.google-analytics.com/ga.js\"></SCRIPT><img/src=\"https://www.facebook.com/tr?id=1\"/alt=\"x\"><script\r\nsrc=\"https://www.google-analytics.com/urchin.js\"></script><img\u{c}src=https://www.facebook.com/tr?id=2/>",
        gone: "https://www.",
        twin: "<script/src=/js/a.js></script><SCRIPT SRC=\"/js/b.js\"></SCRIPT><img/src=\"/a.png\"/alt=\"x\"><script\r\nsrc=\"/js/c.js\"></script><img\u{c}src=/b.png/>",
    },
    Case {
        name: "duplicate src: the first counts",
        tracker: r#"<script src="https://www.google-analytics.com/analytics.js" src="/app.js"></script><img src="https://www.facebook.com/tr?id=1" src="/a.png">"#,
        gone: "https://www.",
        twin: r#"<script src="/app.js" src="/app2.js"></script><img src="/a.png" src="/b.png">"#,
    },
    Case {
        name: "comments closed early: --!> and <!--->",
        tracker: r#"<!-- x --!><img src="https://www.facebook.com/tr?id=1"><!---><script src="https://www.google-analytics.com/analytics.js"></script>"#,
        gone: "https://www.",
        twin: r#"<!-- x --!><img src="/a.png"><!---><script src="/analytics.js"></script>"#,
    },
    Case {
        name: "base href: scheme-relative, after a base without href",
        tracker: r#"<base target="_top"><base href="//www.googletagmanager.com/"><script src="gtm.js?id=GTM-X"></script>"#,
        gone: "gtm.js",
        twin: r#"<base target="_top"><base href="//static.example.org/"><script src="gtm.js?id=GTM-X"></script>"#,
    },
    Case {
        name: "base href resolves CSS, srcset, poster and meta refresh",
        tracker: r#"<base href="https://www.facebook.com/"><div style="background:url(tr?id=1)">x</div><img src="/a.png" srcset="tr?id=2 2x"><video poster="tr?id=3"></video><meta http-equiv="refresh" content="5;url=tr?id=4"><style>p{background:url(tr?id=5)}</style>"#,
        gone: "tr?id=",
        twin: r#"<base href="https://static.example.org/"><div style="background:url(tr?id=1)">x</div><img src="/a.png" srcset="tr?id=2 2x"><video poster="tr?id=3"></video><meta http-equiv="refresh" content="5;url=tr?id=4"><style>p{background:url(tr?id=5)}</style>"#,
    },
    Case {
        name: "iframe srcdoc nested, and with its own base",
        tracker: r#"<iframe srcdoc="<iframe srcdoc='<script src=https://www.googletagmanager.com/gtm.js?id=GTM-X></script>'></iframe>"></iframe><iframe srcdoc="<base href=https://www.facebook.com/><img src=tr?id=1>"></iframe>"#,
        gone: "gtm.js",
        twin: r#"<iframe srcdoc="<iframe srcdoc='<script src=/app.js></script>'></iframe>"></iframe><iframe srcdoc="<base href=https://static.example.org/><img src=tr?id=1>"></iframe>"#,
    },
    Case {
        name: "classic snippet behind an HTML comment opener (a line comment in JavaScript)",
        tracker: "<script type=\"text/javascript\"><!--\nvar _gaq = _gaq || [];\n(function() { var ga = document.createElement('script'); ga.async = true; ga.src = 'https://www.google-analytics.com/ga.js'; var s = document.getElementsByTagName('script')[0]; s.parentNode.insertBefore(ga, s); })();\n//--></script>",
        gone: "google-analytics",
        twin: "<script type=\"text/javascript\"><!--\nvar _app = _app || [];\n(function() { var a = document.createElement('script'); a.async = true; a.src = '/js/app.js'; var s = document.getElementsByTagName('script')[0]; s.parentNode.insertBefore(a, s); })();\n//--></script>",
    },
    Case {
        name: "a regular expression with slashes before a loader",
        tracker: r#"<script>var re = /\/\//g, q = 'a//b'.replace(re, '/'); var s = document.createElement('script'); s.src = 'https://www.google-analytics.com/analytics.js'; document.head.appendChild(s);</script>"#,
        gone: "google-analytics",
        twin: r#"<script>var re = /\/\//g, q = 'a//b'.replace(re, '/'); var s = document.createElement('script'); s.src = '/js/analytics.js'; document.head.appendChild(s);</script>"#,
    },
    Case {
        name: "pixels and beacons sent from inline code",
        tracker: r#"<script>new Image().src = 'https://www.facebook.com/tr?id=1&ev=PageView&noscript=1';</script><script>navigator.sendBeacon('https://www.google-analytics.com/g/collect?v=2&tid=G-X');</script><script>fetch('https://www.google-analytics.com/collect?v=1&tid=UA-1', {method: 'POST', mode: 'no-cors'});</script>"#,
        gone: "https://www.",
        twin: r#"<script>new Image().src = '/px?id=1&ev=PageView';</script><script>navigator.sendBeacon('/collect?v=2');</script><script>fetch('/collect?v=1', {method: 'POST'});</script>"#,
    },
    Case {
        name: "script and style text ended early by their end tag in a string",
        tracker: r#"<script>var a = "</script><img src="https://www.facebook.com/tr?id=1">";</script><style>p{content:"</style><img src="https://www.facebook.com/tr?id=2">"}</style>"#,
        gone: "facebook",
        twin: r#"<script>var a = "</script><img src="/a.png">";</script><style>p{content:"</style><img src="/b.png">"}</style>"#,
    },
    Case {
        name: "stylesheets in data: URLs imported from CSS",
        tracker: r#"<style>@import url("data:text/css,body{background:url(https://www.facebook.com/tr?id=1)}");</style><div style="background:red">x</div>"#,
        gone: "facebook",
        twin: r#"<style>@import url("data:text/css,body{background:url(/img/bg.png)}");</style><div style="background:red">x</div>"#,
    },
    Case {
        name: "SVG documents in data: URLs",
        tracker: r#"<object data="data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'><image href='https://www.facebook.com/tr?id=1'/></svg>"></object><iframe src="data:image/svg+xml;charset=utf-8,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22%3E%3Cscript href=%22https://www.googletagmanager.com/gtm.js?id=GTM-X%22/%3E%3C/svg%3E"></iframe>"#,
        gone: "https://www.",
        twin: r#"<object data="data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'><image href='/a.png'/></svg>"></object><iframe src="data:image/svg+xml;charset=utf-8,%3Csvg xmlns=%22http://www.w3.org/2000/svg%22%3E%3Cscript href=%22/app.js%22/%3E%3C/svg%3E"></iframe>"#,
    },
    Case {
        name: "javascript: URL spelled with a tab reference and upper case",
        tracker: r#"<iframe src="jav&Tab;ascript:document.write('<script src=https://www.googletagmanager.com/gtm.js?id=GTM-X></script>')"></iframe><frameset><frame src=" JAVASCRIPT:document.write('<img src=https://www.facebook.com/tr?id=1>')"></frameset>"#,
        gone: "https://www.",
        twin: r#"<iframe src="jav&Tab;ascript:document.write('<script src=/app.js></script>')"></iframe><frameset><frame src=" JAVASCRIPT:document.write('<img src=/a.png>')"></frameset>"#,
    },
    Case {
        name: "integration points spelled in lower and upper case",
        tracker: r#"<svg><foreignobject><script src="https://www.google-analytics.com/analytics.js"></script></foreignobject></svg><math><annotation-xml encoding="APPLICATION/XHTML+XML"><script src="https://www.google-analytics.com/ga.js"></script></annotation-xml><mi><script src="https://www.google-analytics.com/urchin.js"></script></mi></math>"#,
        gone: "google-analytics",
        twin: r#"<svg><foreignobject><script src="/a.js"></script></foreignobject></svg><math><annotation-xml encoding="APPLICATION/XHTML+XML"><script src="/b.js"></script></annotation-xml><mi><script src="/c.js"></script></mi></math>"#,
    },
    Case {
        name: "CSS cut off by the end of the value",
        tracker: r#"<div style="background:url(https://www.facebook.com/tr?id=1">x</div><p style='background:url("https://www.facebook.com/tr?id=2'>y</p>"#,
        gone: "facebook",
        twin: r#"<div style="background:url(/a.png">x</div><p style='background:url("/b.png'>y</p>"#,
    },
    Case {
        name: "handlers in upper case with references",
        tracker: r#"<IMG SRC="/missing.png" ONERROR="&#118;ar s=document.createElement(&apos;script&apos;);s.src=&apos;https://www.googletagmanager.com/gtm.js?id=GTM-X&apos;;document.head.appendChild(s)">"#,
        gone: "googletagmanager",
        twin: r#"<IMG SRC="/missing.png" ONERROR="&#118;ar s=document.createElement(&apos;script&apos;);s.src=&apos;/app.js&apos;;document.head.appendChild(s)">"#,
    },
    Case {
        name: "declarative shadow roots",
        tracker: r#"<div><template shadowrootmode="open"><style>@import "https://www.facebook.com/tr?id=1";</style><slot></slot></template>x</div>"#,
        gone: "facebook",
        twin: r#"<div><template shadowrootmode="open"><style>@import "/shadow.css";</style><slot></slot></template>x</div>"#,
    },
    Case {
        name: "@import honoured: after @charset and @layer, behind a comment, after rules Chromium drops",
        tracker: r#"<style>@charset "utf-8";/* x */<!-- @layer base, theme; @import/**/"https://www.facebook.com/tr?id=1"; @import url(https://www.facebook.com/tr?id=2) layer(base);</style><style>{color:red} @foo; @import "https://www.facebook.com/tr?id=3";</style>"#,
        gone: "facebook",
        twin: r#"<style>@charset "utf-8";/* x */<!-- @layer base, theme; @import/**/"/a.css"; @import url(/b.css) layer(base);</style><style>{color:red} @foo; @import "/c.css";</style>"#,
    },
    Case {
        name: "conditional comments revealed to other browsers",
        tracker: r#"<!--[if !IE]><!--><script src="https://www.google-analytics.com/analytics.js"></script><!--<![endif]--><![if !IE]><img src="https://www.facebook.com/tr?id=1"><![endif]>"#,
        gone: "https://www.",
        twin: r#"<!--[if !IE]><!--><script src="/js/a.js"></script><!--<![endif]--><![if !IE]><img src="/a.png"><![endif]>"#,
    },
    Case {
        name: "attribute syntax quirks: spaces around =, a quote in a name, a missing space before a name",
        tracker: r#"<img src = "https://www.facebook.com/tr?id=1"><img """ src="https://www.facebook.com/tr?id=2"><img alt="x"src="https://www.facebook.com/tr?id=3"<p>"#,
        gone: "facebook",
        twin: r#"<img src = "/a.png"><img """ src="/b.png"><img alt="x"src="/c.png"<p>"#,
    },
    Case {
        name: "scheme-relative URLs written with backslashes",
        tracker: r#"<script src="\/www.google-analytics.com/analytics.js"></script><script src="/\www.google-analytics.com/ga.js"></script>"#,
        gone: "google-analytics",
        twin: r#"<script src="\/www.example.org/analytics.js"></script><script src="/\www.example.org/ga.js"></script>"#,
    },
    Case {
        name: "SVG style with a CDATA section",
        tracker: r#"<svg><style><![CDATA[ @import "https://www.facebook.com/tr?id=1"; ]]></style><rect/></svg>"#,
        gone: "facebook",
        twin: r#"<svg><style><![CDATA[ @import "/svg.css"; ]]></style><rect/></svg>"#,
    },
    Case {
        name: "a slot in a declarative shadow root fires slotchange as the page is parsed",
        tracker: r#"<div><template shadowrootmode="open"><slot onslotchange="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)"></slot></template><span>x</span></div>"#,
        gone: "googletagmanager",
        twin: r#"<div><template shadowrootmode="open"><slot onslotchange="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)"></slot></template><span>x</span></div>"#,
    },
    // Found by the browser test: Chromium's preload scanner reads start
    // tags without the tree builder, so it fetches what the parser ignores.
    Case {
        name: "a base in SVG, which the preload scanner takes",
        tracker: r#"<svg><base href="https://www.googletagmanager.com/"/></svg><script src="gtm.js?id=GTM-X"></script>"#,
        gone: "gtm.js",
        twin: r#"<svg><base href="https://static.example.org/"/></svg><script src="gtm.js?id=GTM-X"></script>"#,
    },
    Case {
        name: "src of a script in SVG or MathML, which the preload scanner fetches",
        tracker: r#"<svg><script src="https://www.google-analytics.com/analytics.js"></script></svg><math><script src="https://www.googletagmanager.com/gtm.js?id=GTM-X"></script></math>"#,
        gone: "google",
        twin: r#"<svg><script src="/js/app.js"></script></svg><math><script src="/js/gtm.js?id=GTM-X"></script></math>"#,
    },
    Case {
        name: "a disabled stylesheet, which Chromium still fetches",
        tracker: r#"<link rel="stylesheet" href="https://www.googletagmanager.com/x.css" disabled>"#,
        gone: "googletagmanager",
        twin: r#"<link rel="stylesheet" href="/css/x.css" disabled>"#,
    },
    Case {
        name: "a legacy language name as a script type, whose src the preload scanner fetches",
        tracker: r#"<script type="javascript" src="https://www.google-analytics.com/analytics.js"></script><script type="JScript" src="https://www.google-analytics.com/ga.js"></script><script type="javascript1.7" src="https://www.google-analytics.com/urchin.js"></script>"#,
        gone: "google-analytics",
        twin: r#"<script type="javascript" src="/js/a.js"></script><script type="JScript" src="/js/b.js"></script><script type="javascript1.7" src="/js/c.js"></script>"#,
    },
    Case {
        name: "a link, a video poster and an image input in SVG or MathML, which the preload scanner fetches",
        tracker: r#"<svg><link rel="stylesheet" href="https://www.googletagmanager.com/x.css"><video poster="https://www.facebook.com/tr?id=1"></video><input type="image" src="https://www.facebook.com/tr?id=2"></svg><math><link rel="preload" as="script" href="https://www.googletagmanager.com/gtm.js?id=GTM-X"></math>"#,
        gone: "https://www.",
        twin: r#"<svg><link rel="stylesheet" href="/css/x.css"><video poster="/img/p.png"></video><input type="image" src="/img/go.png"></svg><math><link rel="preload" as="script" href="/js/gtm.js?id=GTM-X"></math>"#,
    },
    Case {
        name: "handlers a scroll or the page's own code fires: mousewheel, scroll snap, promise rejections",
        tracker: r#"<body onunhandledrejection="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)"><script>Promise.reject(new Error('x'))</script><div onmousewheel="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)">x</div><div style="overflow:auto;scroll-snap-type:y mandatory" onscrollsnapchange="var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)">y</div></body>"#,
        gone: "googletagmanager",
        twin: r#"<body onunhandledrejection="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)"><script>Promise.reject(new Error('x'))</script><div onmousewheel="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)">x</div><div style="overflow:auto;scroll-snap-type:y mandatory" onscrollsnapchange="var s=document.createElement('script');s.src='/app.js';document.head.appendChild(s)">y</div></body>"#,
    },
    Case {
        name: "tracker hosts in inline URL strings spelled with escapes, percent-encoding, IDNA mappings, userinfo, no slashes",
        tracker: r#"<script>var s=document.createElement('script');s.src='https://www.googletagmanager\x2ecom/zz/a.js';document.head.appendChild(s)</script><script>var s=document.createElement('script');s.src='https://www.googletagm\u{61}nager.com/zz/b.js';document.head.appendChild(s)</script><script>var s=document.createElement('script');s.src='https://www.googletagmanager%2Ecom/zz/c.js';document.head.appendChild(s)</script><script>var s=document.createElement('script');s.src='https://www.googletagmanager．com/zz/d.js';document.head.appendChild(s)</script><script>var s=document.createElement('script');s.src='https://x@www.googletagmanager.com/zz/e.js';document.head.appendChild(s)</script><script>var s=document.createElement('script');s.src='https:www.googletagmanager.com/zz/f.js';document.head.appendChild(s)</script><img src="/a.png" onload="var s=document.createElement('script');s.src='//www.googletag\u00admanager.com/zz/g.js';document.head.appendChild(s)">"#,
        gone: "zz/",
        twin: r#"<script>var s=document.createElement('script');s.src='https://cdn.example\x2eorg/zz/a.js';document.head.appendChild(s)</script><script>var s=document.createElement('script');s.src='https://cdn.ex\u{61}mple.org/zz/b.js';document.head.appendChild(s)</script><script>var s=document.createElement('script');s.src='https://cdn.example%2Eorg/zz/c.js';document.head.appendChild(s)</script><script>var s=document.createElement('script');s.src='https://cdn.example．org/zz/d.js';document.head.appendChild(s)</script><script>var s=document.createElement('script');s.src='https://x@cdn.example.org/zz/e.js';document.head.appendChild(s)</script><script>var s=document.createElement('script');s.src='https:cdn.example.org/zz/f.js';document.head.appendChild(s)</script><img src="/a.png" onload="var s=document.createElement('script');s.src='//cdn.exam\u00adple.org/zz/g.js';document.head.appendChild(s)">"#,
    },
    Case {
        name: "XML documents in data: URLs, whose XHTML scripts run",
        tracker: r#"<iframe src="data:text/xml,<x><script xmlns=%22http://www.w3.org/1999/xhtml%22 src=%22https://www.googletagmanager.com/gtm.js?id=GTM-X%22/></x>"></iframe><object data="data:application/atom+xml,<feed><img xmlns=%22http://www.w3.org/1999/xhtml%22 src=%22https://www.googletagmanager.com/p.gif%22/></feed>"></object>"#,
        gone: "googletagmanager",
        twin: r#"<iframe src="data:text/xml,<x><script xmlns=%22http://www.w3.org/1999/xhtml%22 src=%22/js/app.js%22/></x>"></iframe><object data="data:application/atom+xml,<feed><img xmlns=%22http://www.w3.org/1999/xhtml%22 src=%22/p.gif%22/></feed>"></object>"#,
    },
    Case {
        name: "spelled tracker hosts in markup and CSS inside inline strings, and a style background set from code",
        tracker: r#"<script>document.write('<script src="https://www.googletagmanager%2ecom/zz/h.js"><\/script>')</script><script>document.body.insertAdjacentHTML('beforeend', '<img src="https://www.facebook\x2ecom/tr?id=zz1">')</script><script>document.body.style.backgroundImage = 'url(https://www.google-analytics.com/collect?v=1&tid=zz2)'</script>"#,
        gone: "zz",
        twin: r#"<script>document.write('<script src="https://cdn.example%2eorg/zz/h.js"><\/script>')</script><script>document.body.insertAdjacentHTML('beforeend', '<img src="https://cdn.example\x2eorg/tr?id=zz1">')</script><script>document.body.style.backgroundImage = 'url(https://cdn.example.org/collect?v=1&tid=zz2)'</script>"#,
    },
    Case {
        name: "loaders and URLs hidden in strings the script decodes: atob, unescape",
        tracker: r#"<script>eval(atob('dmFyIHM9ZG9jdW1lbnQuY3JlYXRlRWxlbWVudCgnc2NyaXB0Jyk7cy5zcmM9J2h0dHBzOi8vd3d3Lmdvb2dsZXRhZ21hbmFnZXIuY29tL2d0bS5qcz9pZD1HVE0tWCc7ZG9jdW1lbnQuaGVhZC5hcHBlbmRDaGlsZChzKQ=='))</script><script>eval(unescape('var%20s%3Ddocument.createElement%28%27script%27%29%3Bs.src%3D%27https%3A%2F%2Fwww.google-analytics.com%2Fanalytics.js%27%3Bdocument.head.appendChild%28s%29'))</script><script>new Image().src = atob('aHR0cHM6Ly93d3cuZmFjZWJvb2suY29tL3RyP2lkPTEmZXY9UGFnZVZpZXc=');</script>"#,
        gone: "(",
        twin: r#"<script>eval(atob('dmFyIHM9ZG9jdW1lbnQuY3JlYXRlRWxlbWVudCgnc2NyaXB0Jyk7cy5zcmM9Jy9qcy9hcHAuanMnO2RvY3VtZW50LmhlYWQuYXBwZW5kQ2hpbGQocyk='))</script><script>eval(unescape('var%20s%3Ddocument.createElement%28%27script%27%29%3Bs.src%3D%27%2Fjs%2Fanalytics.js%27%3Bdocument.head.appendChild%28s%29'))</script><script>new Image().src = atob('L3B4P2lkPTEmZXY9UGFnZVZpZXc=');</script>"#,
    },
    // Found by an adversarial probing round.
    Case {
        name: "a tracker host held in a name or property the script glues into a URL",
        tracker: r#"<script>var h="google-analytics.com"; var s=document.createElement("script"); s.src="https://www."+h+"/analytics.js"; document.head.appendChild(s)</script><script>const GA='google-analytics.com';new Image().src='https://www.'+GA+'/collect?v=1&tid=UA-1';</script><script>var host='www.google-analytics.com';document.write('<img src="https://'+host+'/collect?v=1">')</script><script>var a=1, h="googletagmanager.com", s=document.createElement('script'); s.src="https://www."+h+"/app.js?id=X"; document.head.appendChild(s)</script><script>var cfg={host:'www.google-analytics.com'};var s=document.createElement('script');s.src='https://'+cfg.host+'/analytics.js';document.head.appendChild(s)</script>"#,
        gone: "google",
        twin: r#"<script>var h="example.org"; var s=document.createElement("script"); s.src="https://www."+h+"/analytics.js"; document.head.appendChild(s)</script><script>const GA='example.org';new Image().src='https://www.'+GA+'/collect?v=1&tid=UA-1';</script><script>var host='cdn.example.org';document.write('<img src="https://'+host+'/collect?v=1">')</script><script>var a=1, h="example.org", s=document.createElement('script'); s.src="https://www."+h+"/app.js?id=X"; document.head.appendChild(s)</script><script>var cfg={host:'cdn.example.org'};var s=document.createElement('script');s.src='https://'+cfg.host+'/analytics.js';document.head.appendChild(s)</script>"#,
    },
    Case {
        name: "javascript: URLs in a form's action and formaction, run when it is submitted",
        tracker: r#"<form action="javascript:new Image().src='https://www.facebook.com/tr?id=1'"></form><script>document.forms[0].submit()</script><form><button formaction="javascript:new Image().src='https://www.facebook.com/tr?id=2'">b</button><input type="image" src="/go.png" formaction="javascript:new Image().src='https://www.facebook.com/tr?id=3'"></form><FORM ACTION="java&#115;cript:fetch('https://www.facebook.com/tr?id=4')"></FORM>"#,
        gone: "facebook",
        twin: r#"<form action="javascript:new Image().src='/px.gif?id=1'"></form><script>document.forms[0].submit()</script><form><button formaction="javascript:new Image().src='/px.gif?id=2'">b</button><input type="image" src="/go.png" formaction="javascript:new Image().src='/px.gif?id=3'"></form><FORM ACTION="java&#115;cript:fetch('/px.gif?id=4')"></FORM>"#,
    },
    Case {
        name: "what lazy loaders swap in: lazysizes' data-bg and data-bgset, a video's data-poster, media data-src",
        tracker: r#"<div class="lazyload" data-bg="https://www.facebook.com/tr?id=1">x</div><div class="lazyload" data-bgset="/a.jpg [(max-width: 640px)] | https://www.facebook.com/tr?id=2">y</div><video class="lazy" data-src="https://www.facebook.com/tr?id=3" data-poster="https://www.facebook.com/tr?id=4"></video><audio data-src="https://www.facebook.com/tr?id=5"></audio>"#,
        gone: "facebook",
        twin: r#"<div class="lazyload" data-bg="/bg.jpg">x</div><div class="lazyload" data-bgset="/a.jpg [(max-width: 640px)] | /b.jpg">y</div><video class="lazy" data-src="/v.mp4" data-poster="/p.jpg"></video><audio data-src="/a.mp3"></audio>"#,
    },
    // Found by a third adversarial round.
    Case {
        name: "a tracker host bound to a name or property in one script, glued into a URL by a later one",
        tracker: r#"<script>var GA_HOST='www.google-analytics.com';</script><p>x</p><script>var s=document.createElement('script');s.src='https://'+GA_HOST+'/a.js';document.head.appendChild(s)</script><script>window.cfg={host:'www.googletagmanager.com',id:'GTM-X'};</script><script>var t=document.createElement('script');t.src='https://'+cfg.host+'/b.js?id='+cfg.id;document.head.appendChild(t)</script><script>var j=document.createElement('script');j.src=`https://${cfg['host']}/c.js`;document.head.appendChild(j)</script>"#,
        gone: "createelement",
        twin: r#"<script>var GA_HOST='cdn.example.org';</script><p>x</p><script>var s=document.createElement('script');s.src='https://'+GA_HOST+'/a.js';document.head.appendChild(s)</script><script>window.cfg={host:'static.example.org',id:'GTM-X'};</script><script>var t=document.createElement('script');t.src='https://'+cfg.host+'/b.js?id='+cfg.id;document.head.appendChild(t)</script><script>var j=document.createElement('script');j.src=`https://${cfg['host']}/c.js`;document.head.appendChild(j)</script>"#,
    },
    Case {
        name: "a tracker host glued by a bracketed property, a quoted key, window.name, a template substitution, an array joined by a separator",
        tracker: r#"<script>var cfg={host:'www.google-analytics.com'};var s=document.createElement('script');s.src='https://'+cfg['host']+'/a.js';document.head.appendChild(s)</script><script>var c={'host':'www.google-analytics.com'};new Image().src='https://'+c.host+'/collect?v=1'</script><script>window.GA_HOST='www.google-analytics.com';new Image().src='https://'+window.GA_HOST+'/collect?v=2'</script><script>var h='www.google-analytics.com';new Image().src=`https://${h}/collect?v=3`</script><script>fetch(`//${"www.google-analytics.com"}/g/collect?v=4`)</script><script>new Image().src=['https:','','www.facebook.com','tr?id=5'].join('/')</script>"#,
        gone: "google",
        twin: r#"<script>var cfg={host:'cdn.example.org'};var s=document.createElement('script');s.src='https://'+cfg['host']+'/a.js';document.head.appendChild(s)</script><script>var c={'host':'cdn.example.org'};new Image().src='https://'+c.host+'/collect?v=1'</script><script>window.GA_HOST='cdn.example.org';new Image().src='https://'+window.GA_HOST+'/collect?v=2'</script><script>var h='cdn.example.org';new Image().src=`https://${h}/collect?v=3`</script><script>fetch(`//${"cdn.example.org"}/g/collect?v=4`)</script><script>new Image().src=['https:','','cdn.example.org','tr?id=5'].join('/')</script>"#,
    },
    Case {
        name: "a base at a tracker, against which inline code resolves relative URLs",
        tracker: r#"<base href="https://www.googletagmanager.com/"><script>var s=document.createElement('script');s.src='gtm.js?id=GTM-X';document.head.appendChild(s)</script><script>new Image().src='collect?v=1'</script><iframe srcdoc="<base href=https://www.google-analytics.com/><script>fetch('collect?v=2')</script>"></iframe>"#,
        gone: "https://www.",
        twin: r#"<base href="https://static.example.org/"><script>var s=document.createElement('script');s.src='gtm.js?id=GTM-X';document.head.appendChild(s)</script><script>new Image().src='collect?v=1'</script><iframe srcdoc="<base href=https://cdn.example.org/><script>fetch('collect?v=2')</script>"></iframe>"#,
    },
    Case {
        name: "a noscript in a noscript block, which holds markup where scripting is off",
        tracker: r#"<noscript><noscript><img src="https://www.facebook.com/tr?id=1"></noscript></noscript><noscript><p>x<noscript><iframe src="https://www.googletagmanager.com/ns.html?id=GTM-X"></iframe></noscript>"#,
        gone: "https://www.",
        twin: r#"<noscript><noscript><img src="/px.gif?id=1"></noscript></noscript><noscript><p>x<noscript><iframe src="/ns.html?id=GTM-X"></iframe></noscript>"#,
    },
    Case {
        name: "a WebSocket to a tracker, and a tracker URL spelled in character codes",
        tracker: r#"<script>var ws=new WebSocket('wss://www.google-analytics.com/g/ws?v=1')</script><script>new Image().src=String.fromCharCode(104,116,116,112,115,58,47,47,119,119,119,46,102,97,99,101,98,111,111,107,46,99,111,109,47,116,114,63,105,100,61,49)</script>"#,
        gone: "new ",
        twin: r#"<script>var ws=new WebSocket('wss://ws.example.org/g/ws?v=1')</script><script>new Image().src=String.fromCharCode(104,116,116,112,115,58,47,47,99,100,110,46,101,120,97,109,112,108,101,46,111,114,103,47,116,114,63,105,100,61,49)</script>"#,
    },
    // Found by a fourth adversarial round.
    Case {
        name: "an SVG fill or filter that is the element's only fetching attribute",
        tracker: r#"<svg><rect fill="url(https://www.facebook.com/tr?id=1#p)"/><g filter="url(https://www.facebook.com/tr?id=2#f)"></g></svg>"#,
        gone: "facebook",
        twin: r#"<svg><rect fill="url(/img/p.svg#p)"/><g filter="url(/img/f.svg#f)"></g></svg>"#,
    },
    Case {
        name: "an object that loads from a param named movie or src",
        tracker: r#"<object type="text/html"><param name="movie" value="https://www.facebook.com/tr?id=1"></object><object><PARAM NAME=" src " VALUE="https://www.googletagmanager.com/ns.html?id=GTM-X"><param name="wmode" value="opaque"></object>"#,
        gone: "https://www.",
        twin: r#"<object type="text/html"><param name="movie" value="/player.html"></object><object><PARAM NAME=" src " VALUE="https://static.example.org/ns.html?id=GTM-X"><param name="wmode" value="opaque"></object>"#,
    },
    Case {
        name: "a tracker host broken by a line break in a template literal (the URL parser drops it)",
        tracker: "<script>var s=document.createElement('script');s.src=`https://www.googletag\nmanager.com/js/app.js`;document.head.appendChild(s)</script><script>fetch(`https://www.google-\r\n\tanalytics.com/g/collect?v=2`)</script>",
        gone: "https://",
        twin: "<script>var s=document.createElement('script');s.src=`https://static.exam\nple.org/js/app.js`;document.head.appendChild(s)</script><script>fetch(`https://cdn.exam\r\n\tple.org/g/collect?v=2`)</script>",
    },
    Case {
        name: "speculation rules that prefetch or prerender the document's links, at a tracker",
        tracker: r#"<script type="speculationrules">{"prefetch":[{"source":"document","eagerness":"eager"}]}</script><p><a href="https://www.facebook.com/tr?id=1">x</a></p><script type="speculationrules">{"prerender":[{"where":{"selector_matches":".go"},"eagerness":"moderate"}]}</script><map><area class="go" href="https://www.googletagmanager.com/ns.html?id=GTM-X"></map>"#,
        gone: "https://www.",
        twin: r#"<script type="speculationrules">{"prefetch":[{"source":"document","eagerness":"eager"}]}</script><p><a href="/tr?id=1">x</a></p><script type="speculationrules">{"prerender":[{"where":{"selector_matches":".go"},"eagerness":"moderate"}]}</script><map><area class="go" href="https://static.example.org/ns.html?id=GTM-X"></map>"#,
    },
    // Found by a fifth adversarial round.
    Case {
        name: "scripts a performance plugin runs at the visitor's first move: WP Rocket, LiteSpeed, Perfmatters, a lazy script's data-src",
        tracker: r#"<script type="rocketlazyloadscript" data-rocket-src="https://www.googletagmanager.com/gtag/js?id=G-X" async></script><script type="rocketlazyloadscript">var s=document.createElement('script');s.src='https://www.googletagmanager.com/gtm.js?id=GTM-X';document.head.appendChild(s)</script><script type="litespeed/javascript" data-src="https://connect.facebook.net/en_US/fbevents.js"></script><script type="pmdelayedscript" src="https://www.google-analytics.com/analytics.js" data-perfmatters-type="text/javascript"></script><script type="pmdelayedscript" data-pmdelayedscript="https://www.googletagmanager.com/gtag/js?id=G-Y"></script><script data-src="https://www.google-analytics.com/analytics.js" class="lazy"></script><script>addEventListener('load',function(){document.querySelectorAll('script[data-rocket-src],script[data-src],script[data-pmdelayedscript]').forEach(function(o){var s=document.createElement('script');s.src=o.getAttribute('data-rocket-src')||o.getAttribute('data-src')||o.getAttribute('data-pmdelayedscript');document.head.appendChild(s)})})</script>"#,
        gone: "https://",
        twin: r#"<script type="rocketlazyloadscript" data-rocket-src="/js/gtag.js?id=G-X" async></script><script type="rocketlazyloadscript">var s=document.createElement('script');s.src='/js/app.js?id=GTM-X';document.head.appendChild(s)</script><script type="litespeed/javascript" data-src="/js/events.js"></script><script type="pmdelayedscript" src="/js/analytics.js" data-perfmatters-type="text/javascript"></script><script type="pmdelayedscript" data-pmdelayedscript="/js/gtag.js?id=G-Y"></script><script data-src="/js/lazy.js" class="lazy"></script><script>addEventListener('load',function(){document.querySelectorAll('script[data-rocket-src],script[data-src],script[data-pmdelayedscript]').forEach(function(o){var s=document.createElement('script');s.src=o.getAttribute('data-rocket-src')||o.getAttribute('data-src')||o.getAttribute('data-pmdelayedscript');document.head.appendChild(s)})})</script>"#,
    },
    Case {
        name: "a lazy background written as CSS (data-bg=\"url(…)\", as vanilla-lazyload and WP Rocket take it)",
        tracker: r#"<div class="lazy" data-bg="url(https://www.facebook.com/tr?id=1)">x</div><div class="rocket-lazyload" data-bg="url(&quot;https://www.facebook.com/tr?id=2&quot;)">y</div><script>addEventListener('load',function(){document.querySelectorAll('[data-bg]').forEach(function(e){e.style.backgroundImage=e.getAttribute('data-bg')})})</script>"#,
        gone: "facebook",
        twin: r#"<div class="lazy" data-bg="url(/img/a.jpg)">x</div><div class="rocket-lazyload" data-bg="url(&quot;/img/b.jpg&quot;)">y</div><script>addEventListener('load',function(){document.querySelectorAll('[data-bg]').forEach(function(e){e.style.backgroundImage=e.getAttribute('data-bg')})})</script>"#,
    },
    Case {
        name: "code a script runs from a string (setTimeout, Function, setInterval, a Blob it runs as a worker), and a URL in String.fromCodePoint",
        tracker: r#"<script>setTimeout("fetch('https://www.google-analytics.com/g/collect?zz=1')",10)</script><script>new Function("navigator.sendBeacon('https://www.google-analytics.com/g/collect?zz=2')")()</script><script>var t=setInterval('new Image().src=\'https://www.facebook.com/tr?zz=3\'',5000);setTimeout(function(){clearInterval(t)},6000)</script><script>new Image().src=String.fromCodePoint(104,116,116,112,115,58,47,47,119,119,119,46,102,97,99,101,98,111,111,107,46,99,111,109,47,116,114,63,105,100,61,49)+'&zz=4'</script><script>var b=new Blob(["fetch('https://www.google-analytics.com/g/collect?zz=5')"]);new Worker(URL.createObjectURL(b))</script>"#,
        gone: "zz=",
        twin: r#"<script>setTimeout("fetch('https://cdn.example.org/g/collect?zz=1')",10)</script><script>new Function("navigator.sendBeacon('https://cdn.example.org/g/collect?zz=2')")()</script><script>var t=setInterval('new Image().src=\'https://cdn.example.org/tr?zz=3\'',5000);setTimeout(function(){clearInterval(t)},6000)</script><script>new Image().src=String.fromCodePoint(104,116,116,112,115,58,47,47,99,100,110,46,101,120,97,109,112,108,101,46,111,114,103,47,116,114,63,105,100,61,49)+'&zz=4'</script><script>var b=new Blob(["fetch('https://cdn.example.org/g/collect?zz=5')"]);new Worker(URL.createObjectURL(b))</script>"#,
    },
    // Found by a sixth adversarial round.
    Case {
        name: "code in data: URLs that inline code imports or gives a script it creates (base64, percent-encoded)",
        tracker: r#"<script>var s=document.createElement('script');s.src='data:text/javascript;base64,dmFyIHM9ZG9jdW1lbnQuY3JlYXRlRWxlbWVudCgnc2NyaXB0Jyk7cy5zcmM9J2h0dHBzOi8vd3d3Lmdvb2dsZXRhZ21hbmFnZXIuY29tL2d0bS5qcz9pZD1HVE0tWCc7ZG9jdW1lbnQuaGVhZC5hcHBlbmRDaGlsZChzKQ==';document.head.appendChild(s)</script><script type="module">import 'data:text/javascript,fetch(%22https://www.google-analytics.com/g/collect?v=2%22)'</script><script>import('data:text/javascript;base64,ZmV0Y2goJ2h0dHBzOi8vd3d3Lmdvb2dsZS1hbmFseXRpY3MuY29tL2cvY29sbGVjdCcp')</script>"#,
        gone: "data:",
        twin: r#"<script>var s=document.createElement('script');s.src='data:text/javascript;base64,dmFyIHM9ZG9jdW1lbnQuY3JlYXRlRWxlbWVudCgnc2NyaXB0Jyk7cy5zcmM9Jy9qcy9hcHAuanMnO2RvY3VtZW50LmhlYWQuYXBwZW5kQ2hpbGQocyk=';document.head.appendChild(s)</script><script type="module">import 'data:text/javascript,fetch(%22https://cdn.example.org/g/collect?v=2%22)'</script><script>import('data:text/javascript;base64,ZmV0Y2goJ2h0dHBzOi8vY2RuLmV4YW1wbGUub3JnL2cvY29sbGVjdCcp')</script>"#,
    },
    Case {
        name: "a loader given as the text of a script the page creates (textContent, text, innerHTML)",
        tracker: r#"<script>var s=document.createElement('script');s.textContent="(function(w,d,s,l,i){w[l]=w[l]||[];var f=d.getElementsByTagName(s)[0],j=d.createElement(s);j.async=true;j.src='https://www.googletagmanager.com/gtm.js?id='+i;f.parentNode.insertBefore(j,f);})(window,document,'script','dataLayer','GTM-X');";document.head.appendChild(s)</script><script>var t=document.createElement('script');t.text='fetch("https://www.google-analytics.com/g/collect?v=2")';document.body.appendChild(t)</script><script>var e=document.createElement("script");e.innerHTML="new Image().src='https://www.facebook.com/tr?id=1'";document.head.appendChild(e)</script>"#,
        gone: "https://www.",
        twin: r#"<script>var s=document.createElement('script');s.textContent="(function(w,d,s,l,i){w[l]=w[l]||[];var f=d.getElementsByTagName(s)[0],j=d.createElement(s);j.async=true;j.src='https://static.example.org/app.js?id='+i;f.parentNode.insertBefore(j,f);})(window,document,'script','dataLayer','GTM-X');";document.head.appendChild(s)</script><script>var t=document.createElement('script');t.text='fetch("https://cdn.example.org/g/collect?v=2")';document.body.appendChild(t)</script><script>var e=document.createElement("script");e.innerHTML="new Image().src='/px.gif?id=1'";document.head.appendChild(e)</script>"#,
    },
    Case {
        name: "links read before the speculation rules that prefetch the document's links",
        tracker: r#"<p><a href="https://www.facebook.com/tr?id=1">x</a><a href="/about">a</a></p><map><area href="//www.googletagmanager.com/ns.html?id=GTM-X"></map><script type="speculationrules">{"prefetch":[{"source":"document","eagerness":"eager"}]}</script>"#,
        gone: "speculationrules\">{",
        twin: r#"<p><a href="https://static.example.org/tr?id=1">x</a><a href="/about">a</a></p><map><area href="//cdn.example.org/ns.html?id=GTM-X"></map><script type="speculationrules">{"prefetch":[{"source":"document","eagerness":"eager"}]}</script>"#,
    },
    Case {
        name: "a tracker host in pieces: a named array joined later, a name bound to glued strings or a join, a literal in a template, Babel's concat",
        tracker: r#"<script>var p=['www','google-analytics','com'];var s=document.createElement('script');s.src='https://'+p.join('.')+'/analytics.js';document.head.appendChild(s)</script><script>var h=['www','googletagmanager','com'].join('.');var t=document.createElement('script');t.src='https://'+h+'/js/app.js';document.head.appendChild(t)</script><script>var H='www.google'+'-analytics.com';new Image().src='https://'+H+'/collect?v=1'</script><script>fetch(`https://www.${'google-analytics'}.com/g/collect?v=2`)</script><script>var g='www.google-analytics.com';navigator.sendBeacon('https://'.concat(g,'/g/collect?v=3'))</script>"#,
        gone: "google",
        twin: r#"<script>var p=['cdn','example','org'];var s=document.createElement('script');s.src='https://'+p.join('.')+'/analytics.js';document.head.appendChild(s)</script><script>var h=['static','example','org'].join('.');var t=document.createElement('script');t.src='https://'+h+'/js/app.js';document.head.appendChild(t)</script><script>var H='cdn.exam'+'ple.org';new Image().src='https://'+H+'/collect?v=1'</script><script>fetch(`https://cdn.${'example'}.org/g/collect?v=2`)</script><script>var g='cdn.example.org';navigator.sendBeacon('https://'.concat(g,'/g/collect?v=3'))</script>"#,
    },
    Case {
        name: "a bare host bound to a name that is compared and glued, a host list iterated, a lazy-load attribute a script sets and swaps in",
        tracker: r#"<script>var FB='connect.facebook.net';if(location.hostname!==FB){var s=document.createElement('script');s.src='https://'+FB+'/en_US/sdk.js';document.head.appendChild(s)}</script><script>var hosts=['connect.facebook.net'];hosts.forEach(function(h){var t=document.createElement('script');t.src='https://'+h+'/signals/config/1?v=2';document.head.appendChild(t)})</script><img class="lazy" alt=""><script>var img=document.querySelector('img.lazy');img.setAttribute('data-src','https://www.facebook.com/tr?id=1&ev=PageView');document.querySelectorAll('img[data-src]').forEach(function(i){i.src=i.dataset.src})</script>"#,
        gone: "facebook",
        twin: r#"<script>var CDN='static.example.org';if(location.hostname!==CDN){var s=document.createElement('script');s.src='https://'+CDN+'/js/sdk.js';document.head.appendChild(s)}</script><script>var hosts=['static.example.org'];hosts.forEach(function(h){var t=document.createElement('script');t.src='https://'+h+'/js/config.js?v=2';document.head.appendChild(t)})</script><img class="lazy" alt=""><script>var img=document.querySelector('img.lazy');img.setAttribute('data-src','https://www.example.org/img/1.png');document.querySelectorAll('img[data-src]').forEach(function(i){i.src=i.dataset.src})</script>"#,
    },
    Case {
        name: "an origin both checked against a message's and glued into a script URL",
        tracker: r#"<script>var FB_ORIGIN='https://connect.facebook.net';window.addEventListener('message',function(e){if(e.origin!==FB_ORIGIN)return;console.log(e.data)});var s=document.createElement('script');s.src=FB_ORIGIN+'/en_US/sdk.js';document.head.appendChild(s)</script>"#,
        gone: "facebook",
        twin: r#"<script>var CDN_ORIGIN='https://static.example.org';window.addEventListener('message',function(e){if(e.origin!==CDN_ORIGIN)return;console.log(e.data)});var s=document.createElement('script');s.src=CDN_ORIGIN+'/js/sdk.js';document.head.appendChild(s)</script>"#,
    },
    Case {
        name: "a tracker host in pieces held in names: fragments glued into a URL, one substituted into a template, one held by a property",
        tracker: r#"<script>var a='google',b='tagmanager';var s=document.createElement('script');s.src='https://www.'+a+b+'.com/gtm.js?id=GTM-X';document.head.appendChild(s)</script><script>const g='google-';fetch(`https://www.${g}analytics.com/g/collect?v=2`)</script><script>var cfg={net:'facebook'};new Image().src='https://www.'+cfg.net+'.com/tr?id=1&ev=PageView'</script>"#,
        gone: "https://www.",
        twin: r#"<script>var a='cdn',b='example';var s=document.createElement('script');s.src='https://www.'+a+b+'.org/js/app.js?v=1';document.head.appendChild(s)</script><script>const g='static-';fetch(`https://www.${g}example.org/g/collect?v=2`)</script><script>var cfg={net:'example'};new Image().src='https://www.'+cfg.net+'.org/tr?id=1&ev=PageView'</script>"#,
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
    // Click handlers and links that name a tracker's page without loading
    // anything from it: a URL string given to a click-tracking function.
    r#"<a href="https://www.facebook.com/shop" onclick="trackSocial('facebook', 'https://www.facebook.com/shop')">f</a><a href="javascript:void(0)" onclick="return false">y</a><a href="javascript:openShare('https://www.facebook.com/sharer/sharer.php?u=x')">s</a>"#,
    r#"<div title="url(https://www.facebook.com/tr)">x</div>"#,
    r#"<svg><![CDATA[<img src="https://www.facebook.com/tr?id=1">]]></svg>"#,
    // SVG links navigate; an animation of something else loads nothing.
    r#"<svg><a href="https://www.facebook.com/tr?id=1"><text>x</text></a><rect><set attributeName="title" to="https://www.facebook.com/tr"/></rect></svg>"#,
    r#"<math><annotation-xml encoding="text/html"><textarea><img src="https://www.facebook.com/tr"></textarea></annotation-xml></math>"#,
    // `background` paints on the body and table parts only, `poster` on
    // `video`, `src` on an input of type image.
    r#"<div background="https://www.facebook.com/tr?id=1">x</div><p poster="https://www.facebook.com/tr?id=2">y</p><input src="https://www.facebook.com/tr?id=3">"#,
    // Raw text: no element is made of it.
    r#"<xmp><img src="https://www.facebook.com/tr?id=1"></xmp><noembed><script src="https://www.google-analytics.com/analytics.js"></script></noembed><noframes><img src="https://www.facebook.com/tr?id=2"></noframes><iframe><script src="https://www.google-analytics.com/analytics.js"></script></iframe>"#,
    r#"<plaintext><script src="https://www.google-analytics.com/analytics.js"></script><img src="https://www.facebook.com/tr?id=1">"#,
    // Of duplicate attributes the first counts.
    r#"<script src="/app.js" src="https://www.google-analytics.com/analytics.js"></script><img src="/a.png" src="https://www.facebook.com/tr?id=1">"#,
    // A tag cut off by the end of the input is dropped.
    r#"<p>x</p><img src="https://www.facebook.com/tr?id=1""#,
    r#"<p>x</p><script src="https://www.google-analytics.com/analytics.js" async"#,
    // Bogus comments end at the first `>`.
    "<?xml <img src=\"https://www.facebook.com/tr?id=1\"> ?><!x <img src=\"https://www.facebook.com/tr?id=2\">\n</ <img src=\"https://www.facebook.com/tr?id=3\">\n<![CDATA[<img src=\"https://www.facebook.com/tr?id=4\">]]>",
    // Only the first `<base href>` sets the base URL.
    r#"<base href="https://static.example.org/"><base href="https://www.googletagmanager.com/"><script src="gtm.js?id=GTM-X"></script>"#,
    // MathML has no script or style element: what a `script` holds or
    // `href`s never runs (its `src` is a case: the preload scanner fetches it).
    r#"<math><script href="https://www.googletagmanager.com/gtm.js?id=GTM-X"></script><script>fbq('init', '1');</script><style>p{background:url(https://www.facebook.com/tr?id=1)}</style></math>"#,
    // SVG images load by `href`, not `src`.
    r#"<svg><image src="https://www.facebook.com/tr?id=1"></image></svg>"#,
    // Without `type`, `language` names the script's type.
    r#"<script language="vbscript" src="https://www.google-analytics.com/analytics.js"></script><script language="json">fbq('init', '1');</script>"#,
    // A legacy language name as a `type` makes the preload scanner fetch a
    // `src` (a case above), but the script never runs.
    r#"<script type="javascript">fbq('init', '1');</script>"#,
    // Links, forms, text, metadata and data attributes load nothing.
    r#"<a href="https://www.googletagmanager.com/gtm.js?id=GTM-X">gtm</a><form action="https://www.facebook.com/tr"><button formaction="https://www.facebook.com/tr?id=2">x</button></form><p>We use www.google-analytics.com and https://www.facebook.com/tr?id=1.</p>"#,
    r#"<meta property="og:url" content="https://www.facebook.com/tr?id=1"><meta name="twitter:image" content="https://www.facebook.com/tr?id=2"><link rel="canonical" href="https://www.googletagmanager.com/gtm.js"><link rel="alternate" hreflang="de" href="https://www.google-analytics.com/analytics.js"><link rel="author" href="https://www.facebook.com/tr">"#,
    r#"<div data-url="https://www.google-analytics.com/analytics.js" data-track="https://www.facebook.com/tr?id=1">x</div><blockquote cite="https://www.facebook.com/tr?id=1">q</blockquote><img src="/a.png" alt="https://www.facebook.com/tr?id=1" title="https://www.facebook.com/tr?id=2" longdesc="https://www.facebook.com/tr?id=3">"#,
    // First-party URLs that name a tracker (query, fragment, userinfo,
    // a path after a backslash).
    r#"<script src="/x.js?ref=www.google-analytics.com"></script><img src="/p.png#https://www.facebook.com/tr"><script src="https://www.google-analytics.com@www.example.org/a.js"></script><script src="https://www.example.org\@www.google-analytics.com/analytics.js"></script>"#,
    // `&colon` is no reference without its semicolon: a relative URL.
    r#"<script src="https&colon//www.google-analytics.com/analytics.js"></script>"#,
    // In an unquoted url() a comment is part of the URL (relative here);
    // a quote after it makes a bad URL; a plain string loads nothing.
    r#"<div style="background:url(/**/https://www.facebook.com/tr?id=1)">x</div><p style='background:url( /**/"https://www.facebook.com/tr?id=2")'>y</p><i style="content:'https://www.facebook.com/tr?id=3'">z</i>"#,
    // SVG used as an image loads nothing and runs nothing.
    r#"<img src="data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'><image href='https://www.facebook.com/tr?id=1'/><script href='https://www.googletagmanager.com/gtm.js'/></svg>"><div style="background:url(&quot;data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg'><image href='https://www.facebook.com/tr?id=2'/></svg>&quot;)">x</div>"#,
    // An `@import` after a rule, or in a style attribute, is ignored.
    r#"<style>p{color:red} @import "https://www.facebook.com/tr?id=1"; @import url(https://www.facebook.com/tr?id=2);</style><div style="@import 'https://www.facebook.com/tr?id=3'; color: red">x</div>"#,
    // A type with spaces is no image type.
    r#"<input type=" image " src="https://www.facebook.com/tr?id=1">"#,
    // Spelled tracker URLs in data, and in a share link the page navigates to.
    r#"<script>var links = ['https://www.facebook%2ecom/tr?id=1', 'https://www.google-analytics\u002ecom/analytics.js'];</script><script>function share() { location.href = 'https://www.facebook%2ecom/sharer.php?u=' + encodeURIComponent(location.href); }</script>"#,
    // A loader in a string or a comment is no loader.
    "<script>var note = 'We do not load https://www.google-analytics.com/analytics.js';\n// s.src = 'https://www.googletagmanager.com/gtm.js?id=GTM-X'\n</script>",
    // Conditional comments are comments to Chromium.
    r#"<!--[if IE]><script src="https://www.google-analytics.com/analytics.js"></script><![endif]-->"#,
    // `alt=>` ends the tag; `=src` is an attribute named `=src`.
    r#"<img alt=> src="https://www.facebook.com/tr?id=1"><img =src="https://www.facebook.com/tr?id=2">"#,
    // A tracker host held in a name: a link the script sets navigates, a
    // comparison loads nothing.
    "<script>var h='facebook.com';document.getElementById('f').href='https://www.'+h+'/shop';</script><script>var h='www.google-analytics.com'; if (location.hostname === h) { console.log('x') }</script>",
    // A form's first-party or inert `javascript:` action, and a tracker's
    // page given to a share function, as for links.
    r#"<form action="/search"><button formaction="/go">go</button><input type="submit" formaction="javascript:void(0)"></form><form action="javascript:shareTo('https://www.facebook.com/sharer/sharer.php')"><button>share</button></form>"#,
    // Lazy URLs a browser-side consent manager gates, and data attributes
    // no lazy loader reads.
    r#"<div data-service="facebook" data-bg="https://www.facebook.com/tr?id=1">x</div><video data-cookieconsent="marketing" data-src="https://www.facebook.com/tr?id=2"></video><div aria-label="https://www.facebook.com/tr" data-href="https://www.facebook.com/tr?id=3">y</div>"#,
    // A `<base>` in a srcdoc document sets that document's base only.
    r#"<iframe srcdoc="<base href=https://www.googletagmanager.com/>"></iframe><script src="gtm.js?id=GTM-X"></script>"#,
    // A tracker host bound to a name in one script and used by a later one
    // for a link, a comparison or a share page: nothing loads from it.
    "<script>var GA_HOST='www.google-analytics.com';</script><script>function optOut() { location.href = 'https://' + GA_HOST + '/opt-out'; }</script><script>if (location.hostname === GA_HOST) { console.log('x') }</script><script>function help() { window.open(`https://${GA_HOST}/help/page.html`) }</script>",
    // A template's substitution of unknown text, after a first-party host.
    "<script>var h='www.google-analytics.com';new Image().src=`https://cdn.example.org/${path}/p.gif?h=1`</script>",
    // Speculation rules that fetch only same-origin links (path patterns),
    // or only on a press on the link (the default eagerness), which
    // navigates to it anyway.
    r#"<script type="speculationrules">{"prefetch":[{"where":{"href_matches":"/*"},"eagerness":"eager"}],"prerender":[{"source":"document"}]}</script><a href="https://www.facebook.com/tr?id=1">x</a>"#,
    // A tracker URL a script only prints or shows.
    r#"<script>console.info('https://www.google-analytics.com/g/collect?v=2 is blocked until consent')</script><script>if (!window.fbq) alert("https://www.facebook.com/tr?id=1 did not load")</script>"#,    // Found by a fifth adversarial round: a tracker's page linked from
    // markup a script writes, or from a link it creates; a tracker URL a
    // script looks for in a link, shows as text, encodes into a first-party
    // URL, or prints.
    r#"<script>document.write('<a href="https://www.facebook.com/acme">Facebook</a>')</script><script>document.body.insertAdjacentHTML('beforeend', '<p><a class="social" href="https://www.facebook.com/acme" target="_blank">f</a></p>')</script><script>var a=document.createElement('a');a.href='https://www.facebook.com/acme';a.textContent='Facebook';document.body.appendChild(a)</script>"#,
    r#"<script>var links=document.querySelectorAll('a');for(var i=0;i<links.length;i++){if(links[i].href.indexOf('//www.facebook.com/')>-1){links[i].rel='noopener'}}</script><script>var img=new Image();img.alt='https://www.facebook.com/tr';img.src='/px.gif';</script><script>fetch('/api/proxy?url='+encodeURIComponent('https://www.google-analytics.com/g/collect'))</script><script>addEventListener('load',function(){console.log('https://www.google-analytics.com/analytics.js')})</script>"#,
    // Found by a sixth adversarial round: structured data or text given to
    // an element the script creates; speculation rules that fetch only
    // same-origin links or on a press, after a link at a tracker; a `Link`
    // given in a meta element (Chromium honours none); a tracker's host
    // list joined into text.
    r#"<script>var s=document.createElement('script');s.type='application/ld+json';s.textContent='{"@type":"Organization","sameAs":["https://www.facebook.com/acme","https://www.google-analytics.com/x"]}';document.head.appendChild(s)</script><script>var d=document.createElement('div');d.textContent='We use https://www.google-analytics.com/analytics.js for statistics';document.body.appendChild(d)</script>"#,
    r#"<p><a href="https://www.facebook.com/tr?id=1">f</a></p><script type="speculationrules">{"prefetch":[{"source":"document","where":{"href_matches":"/*"},"eagerness":"moderate"}]}</script><script type="speculationrules">{"prerender":[{"source":"document"}]}</script>"#,
    r#"<meta http-equiv="Link" content="<https://www.googletagmanager.com/gtm.js?id=GTM-X>; rel=preload; as=script"><script>var hosts=['www.google-analytics.com','www.googletagmanager.com'];document.getElementById('v').textContent='Blocked: '+hosts.join(', ')</script>"#,
    // Found by a seventh adversarial round (collateral damage): hosts a
    // site lists, compares, looks up or keys an object by, and tracker
    // pages set to attributes no browser or lazy loader fetches, printed,
    // or navigated to.
    r#"<script>var vendors=['connect.facebook.net','www.googletagmanager.com'];function blocked(h){return vendors.indexOf(h)>=0}</script><script>var OPT_OUT=new Set(['connect.facebook.net','www.google-analytics.com']);document.addEventListener('click',function(e){var a=e.target.closest('a');if(a&&OPT_OUT.has(a.hostname)){a.rel='nofollow noopener'}})</script>"#,
    r#"<script>if(location.hostname==='connect.facebook.net'||document.referrer.indexOf('//www.facebook.com/')>-1){document.documentElement.className+=' from-fb'}</script><script>function network(h){switch(h){case 'connect.facebook.net':case 'www.facebook.com':return 'Facebook';default:return h}}</script>"#,
    r#"<script>var blocked={"www.google-analytics.com":true,"connect.facebook.net":true,'www.googletagmanager.com':1};function allowed(u){return !blocked[new URL(u).hostname]}</script>"#,
    r#"<script>var b=document.querySelector('.share-fb');b.setAttribute('data-share-url','https://www.facebook.com/acme');b.setAttribute('title','Follow us: https://www.facebook.com/acme');b.setAttribute('aria-label','https://www.facebook.com/acme');b.dataset.network='https://www.facebook.com/acme'</script><script>console.warn('[consent] blocked until consent:','https://connect.facebook.net/en_US/fbevents.js')</script><script>document.querySelector('.fb').addEventListener('click',function(){window.location.href='https://www.facebook.com/acme'})</script>"#,
    r#"<script>window.addEventListener('message',function(e){if(e.origin!=='https://www.facebook.com')return;handle(e.data)})</script><script>var ORIGINS=['https://www.facebook.com','https://connect.facebook.net'];window.addEventListener('message',function(e){if(ORIGINS.indexOf(e.origin)<0)return;handle(e.data)})</script><script>if(/connect.facebook.net/.test(document.referrer)||new URL(document.referrer||location.href).origin==='https://www.facebook.com'){sessionStorage.setItem('source','facebook')}</script>"#,
];
