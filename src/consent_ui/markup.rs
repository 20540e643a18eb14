//! The markup Consentry injects (banner, settings link) and serves (the
//! preferences page). Every injected element carries
//! `data-consentry-injected`; texts are escaped with non-ASCII characters as
//! numeric references, so the markup is right in a page of any charset.
//! No `style` attributes and no scripts: styling comes from the same-origin
//! stylesheet, so a page's `style-src 'self'` policy still applies cleanly.

use super::texts::Texts;
use super::ConsentUi;
use crate::policy::category::CategorySet;
use crate::rewrite::placeholder::escape_config_text as esc;

/// The banner: a shadow-rooted form posting to the consent endpoint, with
/// "Reject all" and "Accept all" side by side and the categories one click
/// away in a `<details>`. Built once per language; only the page it
/// returns to changes per response.
#[derive(Clone, Debug)]
pub struct BannerTemplate {
    /// Up to the `return` field's value.
    before_return: String,
    /// From there up to the preferences link's encoded return path.
    before_preferences_return: String,
    rest: String,
}

impl BannerTemplate {
    /// The banner of `language` with `texts`.
    pub fn new(ui: &ConsentUi, language: &str, texts: &Texts) -> BannerTemplate {
        let before_return = format!(
            "<consentry-banner data-consentry-injected=\"banner\"><template shadowrootmode=\"open\">\
             <link rel=\"stylesheet\" href=\"{css}\">\
             <section class=\"cnsy-banner\" role=\"region\" aria-labelledby=\"cnsy-title\" lang=\"{lang}\">\
             <form class=\"cnsy-form\" method=\"post\" action=\"{action}\">\
             <input type=\"hidden\" name=\"return\" value=\"",
            css = esc(ui.stylesheet_url()),
            lang = esc(language),
            action = esc(&ui.consent_url()),
        );
        let mut middle = format!(
            "\"><input type=\"hidden\" name=\"lang\" value=\"{lang}\">\
             <h2 id=\"cnsy-title\" class=\"cnsy-title\">{title}</h2><p class=\"cnsy-text\">{message}</p>\
             <div class=\"cnsy-actions\">\
             <button class=\"cnsy-btn\" type=\"submit\" name=\"choice\" value=\"none\">{reject}</button>\
             <button class=\"cnsy-btn\" type=\"submit\" name=\"choice\" value=\"all\">{accept}</button></div>\
             <details class=\"cnsy-details\"><summary class=\"cnsy-summary\">{customize}</summary>\
             <fieldset class=\"cnsy-cats\"><legend class=\"cnsy-legend\">{customize}</legend>",
            lang = esc(language),
            title = esc(&texts.title),
            message = esc(&texts.message),
            reject = esc(&texts.reject_all),
            accept = esc(&texts.accept_all),
            customize = esc(&texts.customize),
        );
        categories(&mut middle, ui, texts, CategorySet::NECESSARY_ONLY);
        middle.push_str(&format!(
            "</fieldset><button class=\"cnsy-btn cnsy-save\" type=\"submit\" name=\"choice\" value=\"custom\">{save}</button></details>\
             <p class=\"cnsy-links\"><a class=\"cnsy-link\" href=\"{policy}\">{policy_link}</a> &middot; \
             <a class=\"cnsy-link\" href=\"{prefs}",
            save = esc(&texts.save),
            policy = esc(&ui.policy_url),
            policy_link = esc(&texts.policy_link),
            prefs = esc(&ui.preferences_url("")),
        ));
        let rest = format!(
            "\">{settings}</a></p></form></section></template></consentry-banner>",
            settings = esc(&texts.settings_link),
        );
        BannerTemplate {
            before_return,
            before_preferences_return: middle,
            rest,
        }
    }

    /// The banner returning to `return_to`, which must already be a safe path.
    pub fn render(&self, return_to: &str) -> String {
        let escaped = esc(return_to);
        // Percent-encoded: letters, digits and `%` only, nothing to escape.
        let encoded = super::encode_return(return_to);
        let mut html = String::with_capacity(
            self.before_return.len()
                + escaped.len()
                + self.before_preferences_return.len()
                + 3 * return_to.len()
                + self.rest.len(),
        );
        html.push_str(&self.before_return);
        html.push_str(&escaped);
        html.push_str(&self.before_preferences_return);
        html.extend(encoded);
        html.push_str(&self.rest);
        html
    }
}

/// One checkbox per category; `necessary` checked and disabled (not posted).
fn categories(html: &mut String, ui: &ConsentUi, texts: &Texts, checked: CategorySet) {
    for (category, name) in ui.categories.iter_names() {
        let text = texts.category(name);
        let necessary = !ui.categories.needs_consent(category);
        html.push_str(&format!(
            "<div class=\"cnsy-cat\"><input class=\"cnsy-check\" type=\"checkbox\" id=\"cnsy-c-{id}\"{field}{state}>\
             <label class=\"cnsy-label\" for=\"cnsy-c-{id}\"><strong>{label}</strong>\
             <span class=\"cnsy-desc\">{desc}</span></label></div>",
            id = esc(name),
            field = if necessary {
                String::new()
            } else {
                format!(" name=\"category\" value=\"{}\"", esc(name))
            },
            state = match (necessary, checked.contains(category)) {
                (true, _) => " checked disabled",
                (false, true) => " checked",
                (false, false) => "",
            },
            label = esc(&text.label),
            desc = esc(&text.description),
        ));
    }
}

/// The persistent "Cookie settings" link, reopening the choices.
pub fn settings_link(ui: &ConsentUi, language: &str, texts: &Texts, return_to: &str) -> String {
    format!(
        "<consentry-settings data-consentry-injected=\"settings-link\"><template shadowrootmode=\"open\">\
         <link rel=\"stylesheet\" href=\"{css}\"><a class=\"cnsy-settings\" href=\"{href}\" lang=\"{lang}\">{label}</a>\
         </template></consentry-settings>",
        css = esc(ui.stylesheet_url()),
        href = esc(&ui.preferences_url(return_to)),
        lang = esc(language),
        label = esc(&texts.settings_link),
    )
}

/// The preferences page: what is granted now, and one form to change or
/// withdraw it (saving, accepting all and rejecting all side by side).
pub fn preferences_page(
    ui: &ConsentUi,
    language: &str,
    texts: &Texts,
    granted: CategorySet,
    return_to: &str,
) -> String {
    let mut html = format!(
        "<!DOCTYPE html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta name=\"robots\" content=\"noindex\"><title>{title}</title>\
         <link rel=\"stylesheet\" href=\"{css}\"></head><body class=\"cnsy-page\"><main class=\"cnsy-main\">\
         <h1>{title}</h1><p>{intro}</p>\
         <form method=\"post\" action=\"{action}\"><input type=\"hidden\" name=\"return\" value=\"{ret}\">\
         <input type=\"hidden\" name=\"lang\" value=\"{lang}\">\
         <fieldset class=\"cnsy-cats\"><legend class=\"cnsy-legend\">{title}</legend>",
        lang = esc(language),
        title = esc(&texts.settings_link),
        css = esc(ui.stylesheet_url()),
        intro = esc(&texts.preferences_intro),
        action = esc(&ui.consent_url()),
        ret = esc(return_to),
    );
    for (category, name) in ui.categories.iter_names() {
        let text = texts.category(name);
        let status = if !ui.categories.needs_consent(category) {
            &texts.always_on
        } else if granted.contains(category) {
            &texts.allowed
        } else {
            &texts.not_allowed
        };
        let necessary = !ui.categories.needs_consent(category);
        html.push_str(&format!(
            "<div class=\"cnsy-cat\"><input class=\"cnsy-check\" type=\"checkbox\" id=\"cnsy-c-{id}\"{field}{state}>\
             <label class=\"cnsy-label\" for=\"cnsy-c-{id}\"><strong>{label}</strong>: \
             <span class=\"cnsy-status\" data-consentry-status=\"{id}\">{status}</span>\
             <span class=\"cnsy-desc\">{desc}</span></label></div>",
            id = esc(name),
            field = if necessary {
                String::new()
            } else {
                format!(" name=\"category\" value=\"{}\"", esc(name))
            },
            state = match (necessary, granted.contains(category)) {
                (true, _) => " checked disabled",
                (false, true) => " checked",
                (false, false) => "",
            },
            label = esc(&text.label),
            status = esc(status),
            desc = esc(&text.description),
        ));
    }
    html.push_str(&format!(
        "</fieldset><div class=\"cnsy-actions\">\
         <button class=\"cnsy-btn\" type=\"submit\" name=\"choice\" value=\"custom\">{save}</button>\
         <button class=\"cnsy-btn\" type=\"submit\" name=\"choice\" value=\"none\">{reject}</button>\
         <button class=\"cnsy-btn\" type=\"submit\" name=\"choice\" value=\"all\">{accept}</button></div></form>\
         <p><a class=\"cnsy-link\" href=\"{policy}\">{policy_link}</a> &middot; <a class=\"cnsy-link\" href=\"{ret}\">{back}</a></p>\
         </main></body></html>\n",
        save = esc(&texts.save),
        reject = esc(&texts.reject_all),
        accept = esc(&texts.accept_all),
        policy = esc(&ui.policy_url),
        policy_link = esc(&texts.policy_link),
        ret = esc(return_to),
        back = esc(&texts.back),
    ));
    html
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Policy;
    use crate::policy::category::Category;

    #[test]
    fn banner_is_small_scriptless_and_escaped() {
        let policy = Policy::builtin();
        let ui = &policy.consent_ui;
        for language in super::super::texts::BUILTIN_LANGUAGES {
            let texts = ui.texts(language).unwrap();
            let html = ui.banner(language, "/a?b=1&c=\"x\"");
            let size = html.len() + super::super::STYLESHEET.len();
            assert!(size < 8 * 1024, "{language}: banner + CSS = {size} bytes");
            assert!(html.is_ascii(), "{language}");
            assert!(!html.contains("<script"));
            assert!(!html.contains("style="));
            assert!(html.starts_with("<consentry-banner data-consentry-injected="));
            assert!(html.contains("value=\"/a?b=1&amp;c=&quot;x&quot;\""));
            assert!(
                html.contains("href=\"/_consentry/preferences?return=%2Fa%3Fb%3D1%26c%3D%22x%22\"")
            );
            assert!(html.contains(&format!("lang=\"{language}\"")));
            // Equal weight: the two first-layer buttons share one class.
            assert!(html.contains(&format!(
                "<button class=\"cnsy-btn\" type=\"submit\" name=\"choice\" value=\"none\">{}</button>\
                 <button class=\"cnsy-btn\" type=\"submit\" name=\"choice\" value=\"all\">",
                esc(&texts.reject_all)
            )));
        }
        let de = ui.banner("de", "/");
        assert!(de.contains("Alle ablehnen"));
        assert!(de.contains("m&#246;chten"));
    }

    #[test]
    fn settings_link_and_preferences_page() {
        let policy = Policy::builtin();
        let ui = &policy.consent_ui;
        let en = ui.texts("en").unwrap();
        let link = settings_link(ui, "en", en, "/x?y=1");
        assert!(link.contains("href=\"/_consentry/preferences?return=%2Fx%3Fy%3D1\""));
        assert!(link.contains("data-consentry-injected=\"settings-link\""));
        let granted = CategorySet::NECESSARY_ONLY.with(Category::ANALYTICS);
        let page = preferences_page(ui, "en", en, granted, "/x");
        assert!(
            page.contains("id=\"cnsy-c-analytics\" name=\"category\" value=\"analytics\" checked>")
        );
        assert!(page.contains("id=\"cnsy-c-marketing\" name=\"category\" value=\"marketing\">"));
        assert!(page.contains("data-consentry-status=\"analytics\">Allowed<"));
        assert!(page.contains("data-consentry-status=\"marketing\">Not allowed<"));
        assert!(page.contains("value=\"none\">Reject all</button>"));
        assert!(!page.contains("<script"));
    }
}
