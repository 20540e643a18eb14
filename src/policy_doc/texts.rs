//! The generated policy's own words, per language.

use super::facts::{Retention, Unit};

/// Every fixed text of the policy in one language.
#[derive(Debug)]
pub struct DocTexts {
    /// The document's title.
    pub title: &'static str,
    /// "Last updated: {date}".
    pub last_updated: &'static str,
    /// "This is the cookie policy of {site}."
    pub intro: &'static str,
    /// The heading on what cookies are.
    pub what_heading: &'static str,
    /// What cookies are, session and persistent ones.
    pub what_text: &'static str,
    /// The heading on how the site uses them.
    pub how_heading: &'static str,
    /// How the categories below work.
    pub how_text: &'static str,
    /// A category that needs consent.
    pub needs_consent: &'static str,
    /// A category that does not.
    pub no_consent: &'static str,
    /// Cookie table caption: "Cookies: {category}".
    pub cookies_caption: &'static str,
    /// Column: the cookie's name.
    pub cookie: &'static str,
    /// Column: who sets it.
    pub provider: &'static str,
    /// Column: what it is for.
    pub purpose: &'static str,
    /// Column: how long it lasts.
    pub retention: &'static str,
    /// Services table caption for a category that needs consent: "{category}".
    pub services_caption: &'static str,
    /// Services table caption for a category without consent.
    pub services_caption_always: &'static str,
    /// Column: the service.
    pub service: &'static str,
    /// Column and link text: the privacy policy.
    pub privacy_policy: &'static str,
    /// Link text: opting out with the vendor.
    pub opt_out: &'static str,
    /// A category with nothing listed.
    pub nothing_listed: &'static str,
    /// The provider of the site's own cookies, when `[site]` has no name.
    pub this_site: &'static str,
    /// The site in a sentence, when `[site]` has no name.
    pub the_site: &'static str,
    /// The consent cookie's purpose.
    pub consent_cookie_purpose: &'static str,
    /// Heading: changing or withdrawing consent.
    pub control_heading: &'static str,
    /// How consent is changed, withdrawn, and enforced on the server.
    pub control_text: &'static str,
    /// The link to the preferences page.
    pub settings_link: &'static str,
    /// What the browser can do.
    pub browser_text: &'static str,
    /// Heading: contact.
    pub contact_heading: &'static str,
    /// "Questions about this policy: contact {site}."
    pub contact_text: &'static str,
    /// Label: email.
    pub email: &'static str,
    /// Label: phone.
    pub phone: &'static str,
    /// Label: address.
    pub address: &'static str,
    /// Label: contact page.
    pub contact_page: &'static str,
    /// Heading: revision history.
    pub revisions_heading: &'static str,
    /// Column: version.
    pub version: &'static str,
    /// Column: date.
    pub date: &'static str,
    /// Column: what changed.
    pub description: &'static str,
    /// "Session".
    pub session: &'static str,
    /// Unit names, singular and plural: minute, hour, day, week, month, year.
    pub units: [(&'static str, &'static str); 6],
}

/// The languages the policy is written in.
pub const LANGUAGES: [&str; 2] = ["en", "de"];

/// The texts of `language`, if the policy is written in it.
pub fn texts(language: &str) -> Option<&'static DocTexts> {
    match language {
        "en" => Some(&EN),
        "de" => Some(&DE),
        _ => None,
    }
}

impl DocTexts {
    /// A retention period in words.
    pub fn retention(&self, retention: Retention) -> String {
        match retention {
            Retention::Session => self.session.to_string(),
            Retention::For(n, unit) => {
                let i = match unit {
                    Unit::Minute => 0,
                    Unit::Hour => 1,
                    Unit::Day => 2,
                    Unit::Week => 3,
                    Unit::Month => 4,
                    Unit::Year => 5,
                };
                let (one, many) = self.units[i];
                format!("{n} {}", if n == 1 { one } else { many })
            }
        }
    }
}

static EN: DocTexts = DocTexts {
    title: "Cookie policy",
    last_updated: "Last updated: {date}",
    intro: "This is the cookie policy of {site}. It lists the cookies this site uses and the services of other providers it loads, what they are for, and how you decide which of them may be used.",
    what_heading: "What cookies are",
    what_text: "Cookies are small pieces of data that a website asks your browser to store on your device, so that it can recognise your device or remember something about your visit. Session cookies are deleted when you close the browser; persistent cookies stay until they expire or you delete them. This policy also covers services of other providers (tags such as scripts, frames and images) that the site's pages load, because they can set and read cookies of their own.",
    how_heading: "How this site uses cookies",
    how_text: "The cookies and services are grouped into the categories below. Those in a category that needs your consent are used only after you have allowed that category; the others are needed for the site to work and are always active.",
    needs_consent: "Used only with your consent.",
    no_consent: "Always active: needed for the site to work, no consent required.",
    cookies_caption: "Cookies: {category}",
    cookie: "Cookie",
    provider: "Provider",
    purpose: "Purpose",
    retention: "Retention",
    services_caption: "Services of other providers loaded only with consent to {category}",
    services_caption_always: "Services of other providers: {category}",
    service: "Service",
    privacy_policy: "Privacy policy",
    opt_out: "Opt out",
    nothing_listed: "This site currently uses no cookies or services in this category.",
    this_site: "This site",
    the_site: "this site",
    consent_cookie_purpose: "Stores your cookie choice: the categories you allowed, the policy version and when you chose.",
    control_heading: "How to change or withdraw your consent",
    control_text: "You can change or withdraw your consent at any time on the cookie settings page; withdrawing is as easy as giving consent. Your choice is enforced on the server: before a page reaches your browser, cookies and tags of categories you have not allowed are removed, including HttpOnly cookies that scripts cannot see, and when you withdraw consent the cookies of that category are deleted.",
    settings_link: "Cookie settings",
    browser_text: "You can also block or delete cookies in your browser's settings; some parts of the site may then not work.",
    contact_heading: "Contact",
    contact_text: "If you have questions about this policy, contact {site}:",
    email: "Email",
    phone: "Phone",
    address: "Address",
    contact_page: "Contact page",
    revisions_heading: "Revision history",
    version: "Version",
    date: "Date",
    description: "Description",
    session: "Session",
    units: [
        ("minute", "minutes"),
        ("hour", "hours"),
        ("day", "days"),
        ("week", "weeks"),
        ("month", "months"),
        ("year", "years"),
    ],
};

static DE: DocTexts = DocTexts {
    title: "Cookie-Richtlinie",
    last_updated: "Zuletzt aktualisiert: {date}",
    intro: "Dies ist die Cookie-Richtlinie von {site}. Sie nennt die Cookies, die diese Website verwendet, und die Dienste anderer Anbieter, die sie l\u{e4}dt, wozu sie dienen und wie Sie entscheiden, welche davon verwendet werden d\u{fc}rfen.",
    what_heading: "Was Cookies sind",
    what_text: "Cookies sind kleine Datens\u{e4}tze, die eine Website von Ihrem Browser auf Ihrem Ger\u{e4}t speichern l\u{e4}sst, um Ihr Ger\u{e4}t wiederzuerkennen oder sich etwas \u{fc}ber Ihren Besuch zu merken. Sitzungs-Cookies werden gel\u{f6}scht, wenn Sie den Browser schlie\u{df}en; dauerhafte Cookies bleiben, bis sie ablaufen oder Sie sie l\u{f6}schen. Diese Richtlinie umfasst auch Dienste anderer Anbieter (Tags wie Skripte, Frames und Bilder), die die Seiten der Website laden, denn sie k\u{f6}nnen eigene Cookies setzen und lesen.",
    how_heading: "Wie diese Website Cookies verwendet",
    how_text: "Die Cookies und Dienste sind in die folgenden Kategorien gegliedert. Die einer Kategorie, die Ihre Einwilligung braucht, werden erst verwendet, nachdem Sie diese Kategorie erlaubt haben; die \u{fc}brigen sind f\u{fc}r den Betrieb der Website n\u{f6}tig und immer aktiv.",
    needs_consent: "Nur mit Ihrer Einwilligung verwendet.",
    no_consent: "Immer aktiv: f\u{fc}r den Betrieb der Website n\u{f6}tig, keine Einwilligung erforderlich.",
    cookies_caption: "Cookies: {category}",
    cookie: "Cookie",
    provider: "Anbieter",
    purpose: "Zweck",
    retention: "Speicherdauer",
    services_caption: "Dienste anderer Anbieter, nur mit Einwilligung in {category} geladen",
    services_caption_always: "Dienste anderer Anbieter: {category}",
    service: "Dienst",
    privacy_policy: "Datenschutzerkl\u{e4}rung",
    opt_out: "Widerspruch (Opt-out)",
    nothing_listed: "Diese Website verwendet derzeit keine Cookies oder Dienste dieser Kategorie.",
    this_site: "Diese Website",
    the_site: "dieser Website",
    consent_cookie_purpose: "Speichert Ihre Cookie-Auswahl: die erlaubten Kategorien, die Version der Richtlinie und den Zeitpunkt Ihrer Wahl.",
    control_heading: "Wie Sie Ihre Einwilligung \u{e4}ndern oder widerrufen",
    control_text: "Sie k\u{f6}nnen Ihre Einwilligung jederzeit auf der Seite mit den Cookie-Einstellungen \u{e4}ndern oder widerrufen; der Widerruf ist so einfach wie die Einwilligung. Ihre Wahl wird auf dem Server durchgesetzt: Bevor eine Seite Ihren Browser erreicht, werden Cookies und Tags nicht erlaubter Kategorien entfernt, auch HttpOnly-Cookies, die Skripte nicht sehen k\u{f6}nnen, und wenn Sie eine Einwilligung widerrufen, werden die Cookies dieser Kategorie gel\u{f6}scht.",
    settings_link: "Cookie-Einstellungen",
    browser_text: "Sie k\u{f6}nnen Cookies auch in den Einstellungen Ihres Browsers blockieren oder l\u{f6}schen; manche Teile der Website funktionieren dann m\u{f6}glicherweise nicht.",
    contact_heading: "Kontakt",
    contact_text: "Bei Fragen zu dieser Richtlinie wenden Sie sich an {site}:",
    email: "E-Mail",
    phone: "Telefon",
    address: "Anschrift",
    contact_page: "Kontaktseite",
    revisions_heading: "\u{c4}nderungsverlauf",
    version: "Version",
    date: "Datum",
    description: "Beschreibung",
    session: "Sitzung",
    units: [
        ("Minute", "Minuten"),
        ("Stunde", "Stunden"),
        ("Tag", "Tage"),
        ("Woche", "Wochen"),
        ("Monat", "Monate"),
        ("Jahr", "Jahre"),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retention_in_words() {
        let en = texts("en").unwrap();
        let de = texts("de").unwrap();
        assert_eq!(en.retention(Retention::For(1, Unit::Year)), "1 year");
        assert_eq!(en.retention(Retention::For(2, Unit::Year)), "2 years");
        assert_eq!(de.retention(Retention::For(24, Unit::Hour)), "24 Stunden");
        assert_eq!(de.retention(Retention::Session), "Sitzung");
        assert!(texts("xx").is_none());
        for language in LANGUAGES {
            let t = texts(language).unwrap();
            assert!(t.intro.contains("{site}") && t.last_updated.contains("{date}"));
            assert!(t.cookies_caption.contains("{category}"));
            assert!(t.services_caption.contains("{category}"));
        }
    }
}
