//! The city services search: the on-screen keyboard's keys (letters in alphabetical order, as
//! visitors from everywhere read it, with é è ë ç; space, backspace, clear) and matching by word,
//! case- and accent-insensitive, on a service's name, purpose and identifier. Every word typed
//! must begin a word of the service, so results narrow letter by letter.

use civicast_shared::api::kiosk::CityService;

/// The keyboard's rows of letters.
pub const KEY_ROWS: [&str; 3] = ["abcdefghij", "klmnopqrst", "uvwxyzéèëç"];

/// Longest query the keyboard accepts (a service's name is rarely longer).
pub const QUERY_MAX: usize = 40;

/// `text` in lower case without accents, for comparing words as a visitor means them.
pub fn fold(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' | 'å' => 'a',
            'ç' => 'c',
            'è' | 'é' | 'ê' | 'ë' => 'e',
            'ì' | 'í' | 'î' | 'ï' => 'i',
            'ñ' => 'n',
            'ò' | 'ó' | 'ô' | 'ö' | 'õ' => 'o',
            'ù' | 'ú' | 'û' | 'ü' => 'u',
            'ý' | 'ÿ' => 'y',
            other => other,
        })
        .collect()
}

fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
}

/// Whether every word of `query` begins a word of the service's name, purpose or identifier.
pub fn matches(service: &CityService, query: &str) -> bool {
    let query = fold(query);
    let wanted: Vec<&str> = words(&query).collect();
    if wanted.is_empty() {
        return false;
    }
    let haystack = fold(&format!(
        "{} {} {}",
        service.name,
        service.purpose,
        service.identifier.as_deref().unwrap_or_default()
    ));
    let have: Vec<&str> = words(&haystack).collect();
    wanted
        .iter()
        .all(|word| have.iter().any(|candidate| candidate.starts_with(word)))
}

/// The services that match `query`, in the list's order (by name).
pub fn find<'a>(services: &'a [CityService], query: &str) -> Vec<&'a CityService> {
    services
        .iter()
        .filter(|service| matches(service, query))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    fn service(name: &str, purpose: &str, identifier: Option<&str>) -> CityService {
        CityService {
            id: Uuid::now_v7(),
            name: name.into(),
            identifier: identifier.map(Into::into),
            purpose: purpose.into(),
            place: "Stadhuis".into(),
            desk: None,
            hours: None,
            phone: None,
            web_url: None,
        }
    }

    #[test]
    fn words_match_from_their_start_whatever_the_case_and_accents() {
        let passport = service(
            "Paspoort aanvragen",
            "Een reispas voor België",
            Some("IPDC-1234"),
        );
        assert!(matches(&passport, "pas"));
        assert!(matches(&passport, "PASPOORT"));
        assert!(matches(&passport, "belgie"));
        assert!(matches(&passport, "BELGIË reis"));
        assert!(matches(&passport, "ipdc"));
        assert!(
            !matches(&passport, "poort"),
            "a word matches from its start"
        );
        assert!(
            !matches(&passport, "paspoort rijbewijs"),
            "every word must match"
        );
        assert!(!matches(&passport, "  "));
        let cafe = service("Café-vergunning", "Terras", None);
        assert!(matches(&cafe, "cafe"));
        assert!(matches(&cafe, "vergun"));
    }
}
