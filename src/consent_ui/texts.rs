//! The banner's and the preferences page's words, in several languages, and
//! the choice of language from `Accept-Language`.

use std::collections::BTreeMap;

use crate::config::file::{CategoryFile, TextsFile};

/// A category's name and description as shown to visitors.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryText {
    /// Short name (`Analytics`).
    pub label: String,
    /// One sentence saying what it covers.
    pub description: String,
}

/// Every text of the consent UI in one language.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Texts {
    /// The banner's heading and accessible name.
    pub title: String,
    /// The banner's explanation.
    pub message: String,
    /// The button refusing every optional category.
    pub reject_all: String,
    /// The button granting every category.
    pub accept_all: String,
    /// The summary that opens the per-category choices.
    pub customize: String,
    /// The button saving a per-category choice.
    pub save: String,
    /// The link to the cookie policy.
    pub policy_link: String,
    /// The persistent link reopening the choices, and the preferences page's title.
    pub settings_link: String,
    /// The preferences page's introduction.
    pub preferences_intro: String,
    /// Status of a granted category.
    pub allowed: String,
    /// Status of a refused category.
    pub not_allowed: String,
    /// Status of `necessary`.
    pub always_on: String,
    /// The link back to the page the visitor came from.
    pub back: String,
    /// A blocked embed's notice; `{vendor}` and `{category}` are replaced.
    pub placeholder_blocked: String,
    /// A blocked embed's button; `{category}` is replaced.
    pub placeholder_allow: String,
    /// Category texts by category name.
    pub categories: BTreeMap<String, CategoryText>,
}

impl Texts {
    /// The text for `category`, or its name when there is none.
    pub fn category(&self, name: &str) -> CategoryText {
        self.categories.get(name).cloned().unwrap_or_else(|| {
            let mut label = name.to_string();
            if let Some(first) = label.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            CategoryText {
                label,
                description: String::new(),
            }
        })
    }

    /// Takes the title and description of a `[[categories.category]]` for
    /// `language`: its own, else the default language's, else English's,
    /// else the first given; what the declaration leaves out stays.
    pub fn declare_category(&mut self, language: &str, declared: &CategoryFile, default: &str) {
        let pick = |texts: &BTreeMap<String, String>| {
            [language, default, "en"]
                .iter()
                .find_map(|l| texts.get(*l))
                .or_else(|| texts.values().next())
                .cloned()
        };
        let name = declared.name.trim().to_ascii_lowercase();
        let mut text = self.category(&name);
        if let Some(title) = pick(&declared.title) {
            text.label = title;
        }
        if let Some(description) = pick(&declared.description) {
            text.description = description;
        }
        self.categories.insert(name, text);
    }

    /// `self` with every text `file` gives replacing the built-in one.
    pub fn overridden(mut self, file: &TextsFile) -> Texts {
        let fields: [(&mut String, &Option<String>); 15] = [
            (&mut self.title, &file.title),
            (&mut self.message, &file.message),
            (&mut self.reject_all, &file.reject_all),
            (&mut self.accept_all, &file.accept_all),
            (&mut self.customize, &file.customize),
            (&mut self.save, &file.save),
            (&mut self.policy_link, &file.policy_link),
            (&mut self.settings_link, &file.settings_link),
            (&mut self.preferences_intro, &file.preferences_intro),
            (&mut self.allowed, &file.allowed),
            (&mut self.not_allowed, &file.not_allowed),
            (&mut self.always_on, &file.always_on),
            (&mut self.back, &file.back),
            (&mut self.placeholder_blocked, &file.placeholder_blocked),
            (&mut self.placeholder_allow, &file.placeholder_allow),
        ];
        for (text, given) in fields {
            if let Some(given) = given {
                *text = given.clone();
            }
        }
        for (name, given) in &file.categories {
            self.categories.insert(
                name.to_ascii_lowercase(),
                CategoryText {
                    label: given.label.clone(),
                    description: given.description.clone(),
                },
            );
        }
        self
    }
}

/// Whether `language` is written as a language code: two or three lower-case letters.
pub fn is_language(language: &str) -> bool {
    (2..=3).contains(&language.len()) && language.bytes().all(|b| b.is_ascii_lowercase())
}

/// The languages with built-in texts.
pub const BUILTIN_LANGUAGES: [&str; 6] = ["en", "de", "fr", "es", "it", "nl"];

/// The built-in texts for `language` (one of [`BUILTIN_LANGUAGES`]).
pub fn builtin(language: &str) -> Option<Texts> {
    let t = match language {
        "en" => [
            "Cookies on this site",
            "We would like to use cookies and similar technologies for preferences, statistics and marketing, including content from other providers. They are only used if you agree. Necessary cookies are always on. You can change your choice at any time under \u{201c}Cookie settings\u{201d}.",
            "Reject all",
            "Accept all",
            "Choose categories",
            "Save my choices",
            "Cookie policy",
            "Cookie settings",
            "See and change what this site may use. Withdrawing consent is as easy as giving it.",
            "Allowed",
            "Not allowed",
            "Always on",
            "Back to the site",
            "Content from {vendor} is blocked because {category} cookies are not allowed.",
            "Allow {category} and show it",
            "Necessary",
            "Required for the site to work, such as security and your cookie choice. Always on.",
            "Preferences",
            "Remember settings such as language or region.",
            "Statistics",
            "Count visits and measure how the site is used.",
            "Marketing",
            "Advertising, social media and embedded content from other providers, which may track you across sites.",
        ],
        "de" => [
            "Cookies auf dieser Website",
            "Wir m\u{f6}chten Cookies und \u{e4}hnliche Technologien f\u{fc}r Einstellungen, Statistik und Marketing verwenden, auch f\u{fc}r Inhalte anderer Anbieter. Sie werden nur mit Ihrer Zustimmung eingesetzt. Notwendige Cookies sind immer aktiv. Sie k\u{f6}nnen Ihre Wahl jederzeit unter \u{201e}Cookie-Einstellungen\u{201c} \u{e4}ndern.",
            "Alle ablehnen",
            "Alle akzeptieren",
            "Kategorien w\u{e4}hlen",
            "Auswahl speichern",
            "Cookie-Richtlinie",
            "Cookie-Einstellungen",
            "Sehen und \u{e4}ndern Sie, was diese Website verwenden darf. Eine Einwilligung zu widerrufen ist so einfach, wie sie zu geben.",
            "Erlaubt",
            "Nicht erlaubt",
            "Immer aktiv",
            "Zur\u{fc}ck zur Website",
            "Inhalte von {vendor} sind blockiert, weil {category}-Cookies nicht erlaubt sind.",
            "{category} erlauben und anzeigen",
            "Notwendig",
            "F\u{fc}r den Betrieb der Website erforderlich, etwa Sicherheit und Ihre Cookie-Auswahl. Immer aktiv.",
            "Einstellungen",
            "Merken Einstellungen wie Sprache oder Region.",
            "Statistik",
            "Z\u{e4}hlen Besuche und messen, wie die Website genutzt wird.",
            "Marketing",
            "Werbung, soziale Medien und eingebettete Inhalte anderer Anbieter, die Sie \u{fc}ber Websites hinweg verfolgen k\u{f6}nnen.",
        ],
        "fr" => [
            "Cookies sur ce site",
            "Nous souhaitons utiliser des cookies et technologies similaires pour les pr\u{e9}f\u{e9}rences, les statistiques et le marketing, y compris pour des contenus d\u{2019}autres fournisseurs. Ils ne sont utilis\u{e9}s qu\u{2019}avec votre accord. Les cookies n\u{e9}cessaires sont toujours actifs. Vous pouvez modifier votre choix \u{e0} tout moment via \u{ab}\u{a0}Param\u{e8}tres des cookies\u{a0}\u{bb}.",
            "Tout refuser",
            "Tout accepter",
            "Choisir les cat\u{e9}gories",
            "Enregistrer mes choix",
            "Politique de cookies",
            "Param\u{e8}tres des cookies",
            "Consultez et modifiez ce que ce site peut utiliser. Retirer son consentement est aussi simple que de le donner.",
            "Autoris\u{e9}",
            "Non autoris\u{e9}",
            "Toujours actif",
            "Retour au site",
            "Le contenu de {vendor} est bloqu\u{e9} car les cookies {category} ne sont pas autoris\u{e9}s.",
            "Autoriser {category} et afficher",
            "N\u{e9}cessaires",
            "Indispensables au fonctionnement du site, par exemple la s\u{e9}curit\u{e9} et votre choix de cookies. Toujours actifs.",
            "Pr\u{e9}f\u{e9}rences",
            "M\u{e9}morisent des r\u{e9}glages comme la langue ou la r\u{e9}gion.",
            "Statistiques",
            "Comptent les visites et mesurent l\u{2019}utilisation du site.",
            "Marketing",
            "Publicit\u{e9}, r\u{e9}seaux sociaux et contenus int\u{e9}gr\u{e9}s d\u{2019}autres fournisseurs, qui peuvent vous suivre d\u{2019}un site \u{e0} l\u{2019}autre.",
        ],
        "es" => [
            "Cookies en este sitio",
            "Queremos usar cookies y tecnolog\u{ed}as similares para preferencias, estad\u{ed}sticas y marketing, incluido contenido de otros proveedores. Solo se usan si usted lo acepta. Las cookies necesarias est\u{e1}n siempre activas. Puede cambiar su elecci\u{f3}n en cualquier momento en \u{ab}Configuraci\u{f3}n de cookies\u{bb}.",
            "Rechazar todo",
            "Aceptar todo",
            "Elegir categor\u{ed}as",
            "Guardar mi elecci\u{f3}n",
            "Pol\u{ed}tica de cookies",
            "Configuraci\u{f3}n de cookies",
            "Vea y cambie lo que este sitio puede usar. Retirar el consentimiento es tan f\u{e1}cil como darlo.",
            "Permitido",
            "No permitido",
            "Siempre activas",
            "Volver al sitio",
            "El contenido de {vendor} est\u{e1} bloqueado porque las cookies de {category} no est\u{e1}n permitidas.",
            "Permitir {category} y mostrar",
            "Necesarias",
            "Imprescindibles para el funcionamiento del sitio, como la seguridad y su elecci\u{f3}n de cookies. Siempre activas.",
            "Preferencias",
            "Recuerdan ajustes como el idioma o la regi\u{f3}n.",
            "Estad\u{ed}sticas",
            "Cuentan las visitas y miden c\u{f3}mo se usa el sitio.",
            "Marketing",
            "Publicidad, redes sociales y contenido integrado de otros proveedores, que pueden seguirle entre sitios.",
        ],
        "it" => [
            "Cookie su questo sito",
            "Vorremmo usare cookie e tecnologie simili per preferenze, statistiche e marketing, anche per contenuti di altri fornitori. Vengono usati solo con il tuo consenso. I cookie necessari sono sempre attivi. Puoi cambiare la tua scelta in qualsiasi momento da \u{ab}Impostazioni cookie\u{bb}.",
            "Rifiuta tutto",
            "Accetta tutto",
            "Scegli le categorie",
            "Salva le mie scelte",
            "Informativa sui cookie",
            "Impostazioni cookie",
            "Vedi e modifica ci\u{f2} che questo sito pu\u{f2} usare. Revocare il consenso \u{e8} facile quanto darlo.",
            "Consentito",
            "Non consentito",
            "Sempre attivi",
            "Torna al sito",
            "Il contenuto di {vendor} \u{e8} bloccato perch\u{e9} i cookie {category} non sono consentiti.",
            "Consenti {category} e mostra",
            "Necessari",
            "Indispensabili al funzionamento del sito, come la sicurezza e la tua scelta sui cookie. Sempre attivi.",
            "Preferenze",
            "Ricordano impostazioni come la lingua o la regione.",
            "Statistiche",
            "Contano le visite e misurano come viene usato il sito.",
            "Marketing",
            "Pubblicit\u{e0}, social media e contenuti incorporati di altri fornitori, che possono seguirti tra i siti.",
        ],
        "nl" => [
            "Cookies op deze site",
            "We willen cookies en vergelijkbare technieken gebruiken voor voorkeuren, statistiek en marketing, ook voor inhoud van andere aanbieders. Dat gebeurt alleen met uw toestemming. Noodzakelijke cookies staan altijd aan. U kunt uw keuze altijd wijzigen via \u{2018}Cookie-instellingen\u{2019}.",
            "Alles weigeren",
            "Alles accepteren",
            "Categorie\u{eb}n kiezen",
            "Mijn keuze opslaan",
            "Cookiebeleid",
            "Cookie-instellingen",
            "Bekijk en wijzig wat deze site mag gebruiken. Toestemming intrekken is even eenvoudig als toestemming geven.",
            "Toegestaan",
            "Niet toegestaan",
            "Altijd aan",
            "Terug naar de site",
            "Inhoud van {vendor} is geblokkeerd omdat {category}-cookies niet zijn toegestaan.",
            "{category} toestaan en tonen",
            "Noodzakelijk",
            "Nodig om de site te laten werken, zoals beveiliging en uw cookiekeuze. Altijd aan.",
            "Voorkeuren",
            "Onthouden instellingen zoals taal of regio.",
            "Statistiek",
            "Tellen bezoeken en meten hoe de site wordt gebruikt.",
            "Marketing",
            "Advertenties, sociale media en ingesloten inhoud van andere aanbieders, die u over sites heen kunnen volgen.",
        ],
        _ => return None,
    };
    let s = |i: usize| t[i].to_string();
    let category = |i: usize| CategoryText {
        label: s(i),
        description: s(i + 1),
    };
    Some(Texts {
        title: s(0),
        message: s(1),
        reject_all: s(2),
        accept_all: s(3),
        customize: s(4),
        save: s(5),
        policy_link: s(6),
        settings_link: s(7),
        preferences_intro: s(8),
        allowed: s(9),
        not_allowed: s(10),
        always_on: s(11),
        back: s(12),
        placeholder_blocked: s(13),
        placeholder_allow: s(14),
        categories: BTreeMap::from([
            ("necessary".to_string(), category(15)),
            ("preferences".to_string(), category(17)),
            ("analytics".to_string(), category(19)),
            ("marketing".to_string(), category(21)),
        ]),
    })
}

/// The best of `available` (lower-case primary language tags) for an
/// `Accept-Language` header, by quality then order; `None` when nothing fits.
pub fn negotiate<'a>(header: Option<&str>, available: &[&'a str]) -> Option<&'a str> {
    let header = header?;
    let mut best: Option<(u16, &'a str)> = None;
    for item in header.split(',').take(32) {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or("").trim();
        let quality = parts
            .find_map(|p| p.trim().strip_prefix("q="))
            .map_or(Some(1000), parse_quality);
        let Some(quality) = quality.filter(|q| *q > 0) else {
            continue;
        };
        let primary = tag.split('-').next().unwrap_or("");
        let Some(found) = available
            .iter()
            .find(|a| a.eq_ignore_ascii_case(primary))
            .copied()
        else {
            continue;
        };
        if best.is_none_or(|(q, _)| quality > q) {
            best = Some((quality, found));
        }
    }
    best.map(|(_, language)| language)
}

/// An HTTP quality value (`0`, `0.5`, `1.000`) in thousandths.
fn parse_quality(text: &str) -> Option<u16> {
    let text = text.trim();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_language_is_complete() {
        for language in BUILTIN_LANGUAGES {
            let t = builtin(language).unwrap();
            assert!(t.placeholder_blocked.contains("{vendor}"), "{language}");
            assert!(t.placeholder_blocked.contains("{category}"), "{language}");
            assert!(t.placeholder_allow.contains("{category}"), "{language}");
            assert_eq!(t.categories.len(), 4);
            assert_ne!(t.reject_all, t.accept_all);
        }
        assert_eq!(builtin("xx"), None);
        let en = builtin("en").unwrap();
        assert_eq!(en.category("social-media").label, "Social-media");
    }

    #[test]
    fn negotiates_by_quality_and_order() {
        let all = BUILTIN_LANGUAGES;
        assert_eq!(negotiate(Some("de-DE,de;q=0.9,en;q=0.8"), &all), Some("de"));
        assert_eq!(
            negotiate(Some("pt-BR, fr;q=0.5, en;q=0.7"), &all),
            Some("en")
        );
        assert_eq!(negotiate(Some("NL"), &all), Some("nl"));
        assert_eq!(negotiate(Some("it;q=0, es"), &all), Some("es"));
        assert_eq!(negotiate(Some("ja, zh"), &all), None);
        assert_eq!(
            negotiate(Some("fr;q=2, it;q=abc, de;q=0.3"), &all),
            Some("de")
        );
        assert_eq!(negotiate(Some(""), &all), None);
        assert_eq!(negotiate(None, &all), None);
    }
}
